/**
 * SQLite keeps each audit row as the text its hash is over (migration 0023):
 * whatever the columns hold, the text reads back through the `audit_log`
 * view as the same columns and hashes to the stored hash; and a file whose
 * rows were written into 0005's table of columns migrates in place, every
 * hash unchanged, the chain still verifying.
 *
 * FC_SEED=<n> replays another seed (the default is fixed, so the test is deterministic).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Migrator } from 'kysely';
import { createAuditLog, rowFieldsJson, type PendingRow } from '../../../src/audit/index.js';
import { GENESIS_TIP, chainRows, type ChainedRow } from '../../../src/audit/row-hash.js';
import { SqliteChainWriter } from '../../../src/audit/sqlite-chain-writer.js';
import { storableText } from '../../../src/audit/storable-text.js';
import { createLogger, createMetrics } from '../../../src/observability/index.js';
import { createDatabase, type Database } from '../../../src/storage/index.js';
import { migrationProvider } from '../../../src/storage/migrations/index.js';

const SEED = Number(process.env['FC_SEED'] ?? 23);
const POLICY = { everyRows: 1_000_000, everyMs: 3_600_000 };

/** Code units JSON escapes or that no store keeps as they are (made storable as the audit log makes them), and plain ones. */
const unit = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 0x10ffff }).map((code) => String.fromCodePoint(code)) },
  { weight: 2, arbitrary: fc.constantFrom('"', '\\', '/', '\n', '\r', '\t', '\b', '\f', '\u0001', '\u001f', '\u007f', '\u2028', '\u2029', '\ud800', '\u0000', '\ud83d\ude00', 'é', "'", '[', ',', '$') },
);
const text = fc.string({ unit, maxLength: 40 }).map(storableText);
const optionalText = fc.option(text, { nil: null });
/** Any integer a column takes: negative, zero, the largest safe ones. */
const integer = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(0, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 8_640_000_000_000_000, 2 ** 53 - 1));

/** A row's columns as the audit log gives them to a writer: strings storable, integers safe, nulls where allowed. */
const anyRow: fc.Arbitrary<PendingRow> = fc.record({
  time: integer,
  event_type: text,
  actor_kind: text,
  actor_id: optionalText,
  target_agent: optionalText,
  task_id: optionalText,
  skill: optionalText,
  tenant: optionalText,
  user_id: optionalText,
  ip: optionalText,
  user_agent: optionalText,
  method: optionalText,
  input_hash: optionalText,
  output_hash: optionalText,
  duration_ms: fc.option(integer, { nil: null }),
  milli_credits: fc.option(integer, { nil: null }),
  error_code: optionalText,
  outcome: text,
  detail: fc.option(fc.oneof(text, fc.jsonValue({ stringUnit: unit }).map((v) => storableText(JSON.stringify(v) ?? 'null'))), { nil: null }),
});

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

async function openFile(t: { after(fn: () => Promise<void> | void): void }, name: string): Promise<{ file: string; database: Database }> {
  const dir = mkdtempSync(join(tmpdir(), `agentmesh-${name}-`));
  const file = join(dir, 'mesh.db');
  const database = await createDatabase({ sqlitePath: file });
  t.after(async () => {
    await database.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  return { file, database };
}

test('any row is stored as the text its hash is over, and the view reads that text back as the same columns', { timeout: 120_000 }, async (t) => {
  const { database } = await openFile(t, 'audit-text');
  const raw = database.sqlite!;
  const writer = new SqliteChainWriter(raw);
  const readStored = raw.prepare('SELECT seq, time, fields, prev_hash, hash FROM audit_log_rows WHERE seq > ? ORDER BY seq');
  const readView = raw.prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq');
  let tip = GENESIS_TIP;
  await fc.assert(
    fc.asyncProperty(fc.array(anyRow, { minLength: 1, maxLength: 20 }), fc.boolean(), async (rows, journaled) => {
      // A journaled row's text comes built (ADR 0063); any other row's the writer builds.
      const expected = chainRows(tip, rows);
      const result = await writer.write(rows, POLICY, undefined, journaled ? rows.map(rowFieldsJson) : undefined);
      assert.deepEqual(result.tip, { seq: expected.at(-1)!.seq, hash: expected.at(-1)!.hash });
      const stored = readStored.all(tip.seq) as Array<{ seq: number; time: number; fields: string; prev_hash: string; hash: string }>;
      const viewed = readView.all(tip.seq) as ChainedRow[];
      for (const [i, want] of expected.entries()) {
        const row = stored[i]!;
        assert.equal(row.fields, rowFieldsJson(want));
        assert.equal(row.time, want.time);
        // The hash is of the stored text itself: prev_hash, then the text with the seq put in front.
        assert.equal(sha256(`${row.prev_hash}[${row.seq},${row.fields.slice(1)}`), row.hash);
        assert.deepEqual({ ...viewed[i]! }, { ...want });
      }
      tip = result.tip;
    }),
    { seed: SEED, numRuns: 300 },
  );
  const audit = createAuditLog({ database, logger: createLogger({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }) });
  const verified = await audit.verify();
  await audit.close();
  assert.deepEqual({ ok: verified.ok, checked: verified.checked, tip: verified.tip }, { ok: true, checked: tip.seq, tip });
});

test("rows written into 0005's table of columns migrate in place: the same columns, the same hashes, a chain that verifies", { timeout: 120_000 }, async (t) => {
  const { file, database } = await openFile(t, 'audit-text-migrated');
  // Back to the schema before 0023: the table of 22 columns, written as the writer before 0023 wrote it.
  const migrator = new Migrator({ db: database.db, provider: migrationProvider('sqlite') });
  // Every migration after 0023 goes down first (they are undone newest first), 0023 last.
  const down = await migrator.migrateTo('0022-identity-refresh-token-retries');
  assert.ok(down.results !== undefined && down.results.every((r) => r.status === 'Success' && r.direction === 'Down'), 'every migration after 0022 is undone');
  assert.equal(down.results.at(-1)?.migrationName, '0023-audit-rows-as-text');
  const rows = chainRows(GENESIS_TIP, fc.sample(anyRow, { seed: SEED, numRuns: 2000 }));
  const raw = database.sqlite!;
  const insert = raw.prepare(`INSERT INTO audit_log (seq, time, event_type, actor_kind, actor_id, target_agent, task_id, skill, tenant, user_id, ip, user_agent, method,
    input_hash, output_hash, duration_ms, milli_credits, error_code, outcome, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  raw.transaction(() => {
    for (const r of rows) {
      insert.run(r.seq, r.time, r.event_type, r.actor_kind, r.actor_id, r.target_agent, r.task_id, r.skill, r.tenant, r.user_id, r.ip, r.user_agent, r.method,
        r.input_hash, r.output_hash, r.duration_ms, r.milli_credits, r.error_code, r.outcome, r.detail, r.prev_hash, r.hash);
    }
  })();
  raw.prepare('INSERT INTO audit_checkpoints (seq, hash, created_at) VALUES (?, ?, ?)').run(rows.at(-1)!.seq, rows.at(-1)!.hash, 0);
  await database.close();

  // Opening the file migrates it.
  const migrated = await createDatabase({ sqlitePath: file });
  t.after(() => migrated.close());
  const stored = migrated.sqlite!.prepare('SELECT seq, fields, prev_hash, hash FROM audit_log_rows ORDER BY seq').all() as Array<{ seq: number; fields: string; prev_hash: string; hash: string }>;
  assert.equal(stored.length, rows.length);
  for (const [i, want] of rows.entries()) {
    // json_array wrote what JSON.stringify writes for the same values: the stored text is the hashed text.
    assert.equal(stored[i]!.fields, rowFieldsJson(want), `row ${want.seq}`);
    assert.deepEqual([stored[i]!.prev_hash, stored[i]!.hash], [want.prev_hash, want.hash]);
  }
  assert.deepEqual((migrated.sqlite!.prepare('SELECT * FROM audit_log ORDER BY seq').all() as ChainedRow[]).map((r) => ({ ...r })), rows.map((r) => ({ ...r })));
  const audit = createAuditLog({ database: migrated, logger: createLogger({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }) });
  // The chain goes on from the migrated tip.
  audit.append({ eventType: 'a2a.call', actor: { kind: 'client', id: 'after-migration' }, outcome: 'ok' });
  await audit.flush();
  const verified = await audit.verify();
  await audit.close();
  assert.deepEqual({ ok: verified.ok, checked: verified.checked, problems: verified.problems }, { ok: true, checked: rows.length + 1, problems: [] });

  // And back: 0023's down gives 0005's table the same rows.
  const back = await new Migrator({ db: migrated.db, provider: migrationProvider('sqlite') }).migrateTo('0022-identity-refresh-token-retries');
  assert.equal(back.error, undefined);
  assert.equal(back.results?.at(-1)?.migrationName, '0023-audit-rows-as-text');
  const columns = migrated.sqlite!.prepare('SELECT * FROM audit_log ORDER BY seq LIMIT ?').all(rows.length) as ChainedRow[];
  assert.deepEqual(columns.map((r) => ({ ...r })), rows.map((r) => ({ ...r })));
});
