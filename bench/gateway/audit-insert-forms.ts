/**
 * What an audit batch's SQLite insert costs a row, by the form the rows are
 * given to SQLite in: each form in a database of its own (migrations run),
 * alternated over rounds, batches of `--batch` rows in one `BEGIN IMMEDIATE`
 * transaction each, the commit included. Prints CPU µs per row.
 *
 * - `view`: the writer's form (migration 0023, ADR 0066), on the real schema:
 *   each row as the text its hash is over, with seq, time (for its index),
 *   prev_hash and hash, 5 `?` a row, 64 rows to a statement; readers read the
 *   `audit_log` view, which takes the other columns out of the text (`->>`).
 *
 * The forms that follow write 0005's table of 22 columns, created by the
 * bench beside the real schema as `audit_log_columns` (same columns, same
 * time index):
 *
 * - `bound`: the writer's form before 0023, 64 rows to a statement, 22 `?` a row.
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
 * And candidates of `view`'s kind, each in a table of its own (`audit_text`):
 *
 * - `text`: as `view`, the other columns VIRTUAL generated columns of the
 *   table rather than a view's (SQLite computes every generated column of an
 *   inserted row, VIRTUAL ones too).
 * - `text4`: as `text` without `prev_hash` (the previous row's `hash`,
 *   given back by a subquery when read): 4 `?` a row.
 * - `text-stored`: as `text` with `time` a STORED generated column (the
 *   index's key taken from the text on insert): 4 `?` a row.
 * - `text-blob`: as `text4` with `hash` a 32-byte blob (`Buffer.from(hex)`
 *   counted in).
 * - `view4`, `view-blob`: as `text4`, `text-blob`, the other columns read by
 *   `->>` in the query, not generated.
 *
 *   node dist/bench/gateway/audit-insert-forms.js [--batches 100] [--batch 200] [--rounds 3] [--forms view,bound,spread,chain,literal,jsonb,exec,text,text4,text-stored,text-blob,view4,view-blob]
 *
 * Instructions, load-independent: one form at a time under
 * `valgrind --tool=callgrind`, with two `--batches` values; the difference of
 * the totals over the difference of the rows. Every form builds each row's
 * fields JSON (the gateway builds it once per row for the hash and the
 * journal), so it counts in every form alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDatabase } from '../../src/storage/index.js';

const { values: args } = parseArgs({ options: { batches: { type: 'string', default: '100' }, batch: { type: 'string', default: '200' }, rounds: { type: 'string', default: '3' }, forms: { type: 'string', default: 'view,bound,spread,chain,literal,jsonb,exec' } } });
const batches = Number(args.batches);
const batchRows = Number(args.batch);
const rounds = Number(args.rounds);

/** 0005's table, as the forms before 0023 write it. */
const OLD_TABLE = 'audit_log_columns';
const OLD_DDL = `CREATE TABLE ${OLD_TABLE} (seq integer primary key, time bigint not null, event_type text not null, actor_kind text not null, actor_id text,
  target_agent text, task_id text, skill text, tenant text, user_id text, ip text, user_agent text, method text, input_hash text, output_hash text,
  duration_ms bigint, milli_credits bigint, error_code text, outcome text not null, detail text, prev_hash text not null, hash text not null);
  CREATE INDEX ${OLD_TABLE}_time ON ${OLD_TABLE} (time)`;
const COLUMNS = 'seq, time, event_type, actor_kind, actor_id, target_agent, task_id, skill, tenant, user_id, ip, user_agent, method, input_hash, output_hash, duration_ms, milli_credits, error_code, outcome, detail, prev_hash, hash';
const HASH = 'ae11d942657336132be6254717637c603af4e520c85817c291d4ff8a68d6612e';
const INPUT_HASH = 'f669fa7298e5b3d82c7ef2bdb1264a12d151a745b837ad48f7657d4415d7bda2';
const DETAIL = '{"pii":{"action":"flag","counts":{}},"reservedMilliCredits":1000,"settled":true}';
const ROWS_PER_INSERT = 64;
type Row = (string | number | null)[];

/** The bench call's row (the gateway's usual priced call), at `seq`. */
const rowAt = (seq: number): Row => [seq, 1_795_757_752_584 + seq, 'a2a.call', 'client', 'cl_0193f3a47b1c7c2d9e8f0a1b2c3d4e5f', 'bench', `0193f3a4-7b1c-7c2d-9e8f-${String(seq).padStart(12, '0')}`, 'score', 'bench', null, '127.0.0.1', null, 'SendMessage', INPUT_HASH, null, 3, 1000, null, 'ok', DETAIL, HASH, HASH];
const quote = (v: string | number | null): string => (v === null ? 'null' : typeof v === 'number' ? String(v) : `'${v.replaceAll("'", "''")}'`);

type Form = 'bound' | 'spread' | 'chain' | 'literal' | 'jsonb' | 'exec' | 'text' | 'text4' | 'text-stored' | 'text-blob' | 'view' | 'view4' | 'view-blob';
const FORMS: readonly Form[] = ['bound', 'spread', 'chain', 'literal', 'jsonb', 'exec', 'text', 'text4', 'text-stored', 'text-blob', 'view', 'view4', 'view-blob'];
const TEXT_FORMS: ReadonlySet<Form> = new Set(['text', 'text4', 'text-stored', 'text-blob', 'view4', 'view-blob']);
/** The forms whose rows keep `prev_hash`, and those whose `hash` is a blob. */
const WITH_PREV: ReadonlySet<Form> = new Set(['text', 'text-stored', 'view']);
const BLOB: ReadonlySet<Form> = new Set(['text-blob', 'view-blob']);

/** The columns after seq, in the fields JSON's order (index 0 is time). */
const FIELD_COLUMNS = ['time', 'event_type', 'actor_kind', 'actor_id', 'target_agent', 'task_id', 'skill', 'tenant', 'user_id', 'ip', 'user_agent', 'method', 'input_hash', 'output_hash', 'duration_ms', 'milli_credits', 'error_code', 'outcome', 'detail'];
const TYPES: Record<string, string> = { time: 'integer', duration_ms: 'integer', milli_credits: 'integer' };

/** The candidate table of a `text*` form, its time index, and the query that reads a row back in `audit_log`'s columns. */
function textSchema(form: Form): { ddl: string; insert: (rows: number) => string; read: string } {
  const inView = form.startsWith('view');
  const derived = FIELD_COLUMNS.map((c, i) => ({ c, i })).filter(({ c }) => c !== 'time');
  const generated = inView ? [] : derived.map(({ c, i }) => `${c} ${TYPES[c] ?? 'text'} GENERATED ALWAYS AS (fields ->> ${i}) VIRTUAL`);
  const time = form === 'text-stored' ? 'time integer GENERATED ALWAYS AS (fields ->> 0) STORED' : 'time integer NOT NULL';
  const chain = WITH_PREV.has(form) ? ['prev_hash text NOT NULL', 'hash text NOT NULL'] : BLOB.has(form) ? ['hash blob NOT NULL'] : ['hash text NOT NULL'];
  const bound = ['seq', ...(form === 'text-stored' ? [] : ['time']), 'fields', ...(WITH_PREV.has(form) ? ['prev_hash'] : []), 'hash'];
  const ddl = `CREATE TABLE audit_text (seq integer PRIMARY KEY, ${[time, 'fields text NOT NULL', ...chain, ...generated].join(', ')}); CREATE INDEX audit_text_time ON audit_text (time)`;
  const row = `(${new Array<string>(bound.length).fill('?').join(', ')})`;
  const hash = BLOB.has(form) ? 'lower(hex(a.hash))' : 'a.hash';
  const prev = WITH_PREV.has(form) ? 'a.prev_hash' : `coalesce((SELECT ${BLOB.has(form) ? 'lower(hex(p.hash))' : 'p.hash'} FROM audit_text p WHERE p.seq = a.seq - 1), '${'0'.repeat(64)}')`;
  const columns = FIELD_COLUMNS.map((c, i) => (c === 'time' || !inView ? `a.${c}` : `a.fields ->> ${i} AS ${c}`));
  return {
    ddl,
    insert: (rows) => `INSERT INTO audit_text (${bound.join(', ')}) VALUES ${new Array<string>(rows).fill(row).join(', ')}`,
    read: `SELECT a.seq, ${columns.join(', ')}, ${prev} AS prev_hash, ${hash} AS hash FROM audit_text a WHERE a.seq = ?`,
  };
}

/** The real schema's (migration 0023): the table is there already, the view reads it. */
const VIEW = {
  ddl: '',
  insert: (rows: number) => `INSERT INTO audit_log_rows (seq, time, fields, prev_hash, hash) VALUES ${new Array<string>(rows).fill('(?, ?, ?, ?, ?)').join(', ')}`,
  read: 'SELECT * FROM audit_log WHERE seq = ?',
};

async function measure(form: Form): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-audit-insert-'));
  const database = await createDatabase({ sqlitePath: join(dir, 'mesh.db') });
  const raw = database.sqlite!;
  const statements = new Map<number, ReturnType<typeof raw.prepare>>();
  const candidate = form === 'view' ? VIEW : TEXT_FORMS.has(form) ? textSchema(form) : undefined;
  if (candidate !== undefined) raw.exec(candidate.ddl);
  else raw.exec(OLD_DDL);
  const template = rowAt(0);
  const literalRow = `(?, ?, ${template.slice(2, 6).map(quote).join(', ')}, ?, ${template.slice(7).map(quote).join(', ')})`;
  const statementOf = (rows: number): ReturnType<typeof raw.prepare> => {
    let statement = statements.get(rows);
    if (statement === undefined) {
      if (candidate !== undefined) {
        statement = raw.prepare(candidate.insert(rows));
      } else if (form === 'chain') {
        const rowsText = Array.from({ length: rows }, (_, r) => `(${new Array<string>(20).fill('?').join(', ')}, (SELECT substr(h, ${r * 64 + 1}, 64) FROM chain), (SELECT substr(h, ${r * 64 + 65}, 64) FROM chain))`);
        statement = raw.prepare(`WITH chain(h) AS (SELECT ?) INSERT INTO ${OLD_TABLE} (${COLUMNS}) VALUES ${rowsText.join(', ')}`);
      } else {
        const row = form === 'bound' || form === 'spread' ? `(${new Array<string>(22).fill('?').join(', ')})` : literalRow;
        statement = raw.prepare(`INSERT INTO ${OLD_TABLE} (${COLUMNS}) VALUES ${new Array<string>(rows).fill(row).join(', ')}`);
      }
      statements.set(rows, statement);
    }
    return statement;
  };
  const jsonb = candidate !== undefined ? undefined : raw.prepare(`INSERT INTO ${OLD_TABLE} (${COLUMNS}) SELECT ${Array.from({ length: 22 }, (_, i) => `value ->> ${i}`).join(', ')} FROM jsonb_each(?)`);
  const values: unknown[] = [];
  const write = raw.transaction((rows: Row[], json: string[], fields: string[]) => {
    if (form === 'exec') {
      let text = '';
      for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
        const literals: string[] = [];
        for (const row of rows.slice(start, start + ROWS_PER_INSERT)) literals.push(`(${row.map(quote).join(', ')})`);
        text += `INSERT INTO ${OLD_TABLE} (${COLUMNS}) VALUES ${literals.join(', ')};`;
      }
      raw.exec(text);
      return;
    }
    if (form === 'jsonb') {
      jsonb!.run(`[${json.join(',')}]`);
      return;
    }
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      const end = Math.min(start + ROWS_PER_INSERT, rows.length);
      values.length = 0;
      if (candidate !== undefined) {
        for (let i = start; i < end; i++) {
          const row = rows[i]!;
          values.push(row[0]);
          if (form !== 'text-stored') values.push(row[1]);
          values.push(fields[i]);
          if (WITH_PREV.has(form)) values.push(row[20]);
          values.push(BLOB.has(form) ? Buffer.from(row[21] as string, 'hex') : row[21]);
        }
        const statement = statementOf(end - start);
        Reflect.apply(statement.run, statement, values);
        continue;
      }
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
    const fields: string[] = [];
    for (let i = 0; i < batchRows; i++) {
      const row = rowAt(++seq);
      rows.push(row);
      // Each row's fields JSON, as the gateway builds it for the hash and the journal: in every form alike.
      fields.push(JSON.stringify(row.slice(1, 20)));
      // The gateway has each journaled row's JSON already (ADR 0063): built outside the timing.
      if (form === 'jsonb') json.push(JSON.stringify(row));
    }
    const before = process.cpuUsage();
    write.immediate(rows, json, fields);
    const used = process.cpuUsage(before);
    // The first ten batches warm the statements and the code up.
    if (b >= 10) cpu += used.user + used.system;
  }
  const stored = raw.prepare(candidate?.read ?? `SELECT * FROM ${OLD_TABLE} WHERE seq = ?`).raw().get(seq) as Row;
  if (JSON.stringify(stored) !== JSON.stringify(rowAt(seq))) throw new Error(`${form}: the row read back differs: ${JSON.stringify(stored)}`);
  await database.close();
  rmSync(dir, { recursive: true, force: true });
  return cpu / (batches * batchRows);
}

const forms = (args.forms ?? '').split(',') as Form[];
for (const form of forms) if (!FORMS.includes(form)) throw new Error(`unknown form ${form}`);
for (let round = 1; round <= rounds; round++) {
  const figures: string[] = [];
  for (const form of forms) figures.push(`${form} ${(await measure(form)).toFixed(2)}`);
  process.stdout.write(`round ${round}: ${figures.join(', ')} µs of CPU per row (${batches} batches of ${batchRows})\n`);
}
