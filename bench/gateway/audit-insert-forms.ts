/**
 * What an audit batch's SQLite insert costs a row, by the form the rows are
 * given to SQLite in, on the real schema (migrations run): each form in a
 * database of its own, alternated over rounds, batches of `--batch` rows in
 * one `BEGIN IMMEDIATE` transaction each, the commit included. Prints CPU µs
 * per row.
 *
 * - `bound`: the writer's form, 64 rows to a statement, 22 `?` a row.
 * - `spread`: as `bound`, the values passed as arguments (`run(...values)`)
 *   rather than as one array.
 * - `chain`: as `bound`, but a statement's hashes, the tip's and each
 *   row's, bound once as one text that each row's prev_hash and hash are
 *   cut from (`substr` of a one-row CTE): 20 `?` a row and one a statement.
 * - `literal`: the same rows with every column but seq, time and task_id
 *   written into the statement's text: what binding the other 19 costs.
 * - `exec`: the batch's statements as one SQL text with the values written in
 *   it as literals (as the PostgreSQL writer sends them), run by `exec`:
 *   nothing bound, the text compiled each batch.
 * - `jsonb`: one text for the whole batch, `[[seq, …, hash], …]`, read by
 *   `jsonb_each` and `->>`: one bound value a batch instead of 22 a row.
 *
 *   node dist/bench/gateway/audit-insert-forms.js [--batches 100] [--batch 200] [--rounds 3] [--forms bound,spread,chain,literal,jsonb,exec]
 *
 * Instructions, load-independent: one form at a time under
 * `valgrind --tool=callgrind`, with two `--batches` values; the difference of
 * the totals over the difference of the rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDatabase } from '../../src/storage/index.js';

const { values: args } = parseArgs({ options: { batches: { type: 'string', default: '100' }, batch: { type: 'string', default: '200' }, rounds: { type: 'string', default: '3' }, forms: { type: 'string', default: 'bound,spread,chain,literal,jsonb,exec' } } });
const batches = Number(args.batches);
const batchRows = Number(args.batch);
const rounds = Number(args.rounds);

const COLUMNS = 'seq, time, event_type, actor_kind, actor_id, target_agent, task_id, skill, tenant, user_id, ip, user_agent, method, input_hash, output_hash, duration_ms, milli_credits, error_code, outcome, detail, prev_hash, hash';
const HASH = 'ae11d942657336132be6254717637c603af4e520c85817c291d4ff8a68d6612e';
const INPUT_HASH = 'f669fa7298e5b3d82c7ef2bdb1264a12d151a745b837ad48f7657d4415d7bda2';
const DETAIL = '{"pii":{"action":"flag","counts":{}},"reservedMilliCredits":1000,"settled":true}';
const ROWS_PER_INSERT = 64;
type Row = (string | number | null)[];

/** The bench call's row (the gateway's usual priced call), at `seq`. */
const rowAt = (seq: number): Row => [seq, 1_795_757_752_584 + seq, 'a2a.call', 'client', 'cl_0193f3a47b1c7c2d9e8f0a1b2c3d4e5f', 'bench', `0193f3a4-7b1c-7c2d-9e8f-${String(seq).padStart(12, '0')}`, 'score', 'bench', null, '127.0.0.1', null, 'SendMessage', INPUT_HASH, null, 3, 1000, null, 'ok', DETAIL, HASH, HASH];
const quote = (v: string | number | null): string => (v === null ? 'null' : typeof v === 'number' ? String(v) : `'${v.replaceAll("'", "''")}'`);

type Form = 'bound' | 'spread' | 'chain' | 'literal' | 'jsonb' | 'exec';

async function measure(form: Form): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-audit-insert-'));
  const database = await createDatabase({ sqlitePath: join(dir, 'mesh.db') });
  const raw = database.sqlite!;
  const statements = new Map<number, ReturnType<typeof raw.prepare>>();
  const template = rowAt(0);
  const literalRow = `(?, ?, ${template.slice(2, 6).map(quote).join(', ')}, ?, ${template.slice(7).map(quote).join(', ')})`;
  const statementOf = (rows: number): ReturnType<typeof raw.prepare> => {
    let statement = statements.get(rows);
    if (statement === undefined) {
      if (form === 'chain') {
        const rowsText = Array.from({ length: rows }, (_, r) => `(${new Array<string>(20).fill('?').join(', ')}, (SELECT substr(h, ${r * 64 + 1}, 64) FROM chain), (SELECT substr(h, ${r * 64 + 65}, 64) FROM chain))`);
        statement = raw.prepare(`WITH chain(h) AS (SELECT ?) INSERT INTO audit_log (${COLUMNS}) VALUES ${rowsText.join(', ')}`);
      } else {
        const row = form === 'bound' || form === 'spread' ? `(${new Array<string>(22).fill('?').join(', ')})` : literalRow;
        statement = raw.prepare(`INSERT INTO audit_log (${COLUMNS}) VALUES ${new Array<string>(rows).fill(row).join(', ')}`);
      }
      statements.set(rows, statement);
    }
    return statement;
  };
  const jsonb = raw.prepare(`INSERT INTO audit_log (${COLUMNS}) SELECT ${Array.from({ length: 22 }, (_, i) => `value ->> ${i}`).join(', ')} FROM jsonb_each(?)`);
  const values: unknown[] = [];
  const write = raw.transaction((rows: Row[], json: string[]) => {
    if (form === 'exec') {
      let text = '';
      for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
        const literals: string[] = [];
        for (const row of rows.slice(start, start + ROWS_PER_INSERT)) literals.push(`(${row.map(quote).join(', ')})`);
        text += `INSERT INTO audit_log (${COLUMNS}) VALUES ${literals.join(', ')};`;
      }
      raw.exec(text);
      return;
    }
    if (form === 'jsonb') {
      jsonb.run(`[${json.join(',')}]`);
      return;
    }
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      const end = Math.min(start + ROWS_PER_INSERT, rows.length);
      values.length = 0;
      if (form === 'chain') {
        let hashes = rows[start]![20] as string;
        for (let i = start; i < end; i++) hashes += rows[i]![21] as string;
        values.push(hashes);
      }
      for (let i = start; i < end; i++) {
        const row = rows[i]!;
        if (form === 'bound' || form === 'spread') for (const v of row) values.push(v);
        else if (form === 'chain') for (let c = 0; c < 20; c++) values.push(row[c]);
        else values.push(row[0], row[1], row[6]);
      }
      if (form === 'spread') {
        const statement = statementOf(end - start);
        Reflect.apply(statement.run, statement, values);
      }
      else statementOf(end - start).run(values);
    }
    values.length = 0;
  });
  let seq = 0;
  let cpu = 0;
  for (let b = 0; b < batches + 10; b++) {
    const rows: Row[] = [];
    const json: string[] = [];
    for (let i = 0; i < batchRows; i++) {
      const row = rowAt(++seq);
      rows.push(row);
      // The gateway has each journaled row's JSON already (ADR 0063): built outside the timing.
      if (form === 'jsonb') json.push(JSON.stringify(row));
    }
    const before = process.cpuUsage();
    write.immediate(rows, json);
    const used = process.cpuUsage(before);
    // The first ten batches warm the statements and the code up.
    if (b >= 10) cpu += used.user + used.system;
  }
  const stored = raw.prepare('SELECT * FROM audit_log WHERE seq = ?').raw().get(seq) as Row;
  if (JSON.stringify(stored) !== JSON.stringify(rowAt(seq))) throw new Error(`${form}: the row read back differs: ${JSON.stringify(stored)}`);
  await database.close();
  rmSync(dir, { recursive: true, force: true });
  return cpu / (batches * batchRows);
}

const forms = (args.forms ?? '').split(',') as Form[];
for (const form of forms) if (!['bound', 'spread', 'chain', 'literal', 'jsonb', 'exec'].includes(form)) throw new Error(`unknown form ${form}`);
for (let round = 1; round <= rounds; round++) {
  const figures: string[] = [];
  for (const form of forms) figures.push(`${form} ${(await measure(form)).toFixed(2)}`);
  process.stdout.write(`round ${round}: ${figures.join(', ')} µs of CPU per row (${batches} batches of ${batchRows})\n`);
}
