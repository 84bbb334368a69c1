/**
 * An audit batch on a real PostgreSQL costs two round trips, whatever its
 * size: `begin`, the chain lock and the tip in one simple query; the rows,
 * the checkpoint, the journal mark and `commit` in another (their values
 * written as literals). Text that a literal must escape (quotes,
 * backslashes, `$$`, newlines, non-ASCII) reads back as it was hashed, and a
 * value no literal can carry sends the batch with bind parameters instead.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createAuditLog, type AuditEntry, type AuditLog } from '../../src/audit/index.js';
import { PostgresChainWriter } from '../../src/audit/postgres-chain-writer.js';
import { createLogger, createMetrics } from '../../src/observability/index.js';
import { createDatabase, type Database } from '../../src/storage/index.js';
import { callCounts, installCallCounters } from '../../bench/scale/call-counters.js';
import { createTestSchema, postgresSkipReason, type TestSchema, withPgClient } from '../helpers/services.js';

const skip = await postgresSkipReason();

const entry = (i: number): AuditEntry => ({
  eventType: 'a2a.call',
  actor: { kind: 'client', id: `caller-${i}` },
  targetAgent: "o'brien\\agent",
  taskId: `task-${i}`,
  tenant: 'acme',
  userAgent: `agent $$ quoted 'twice' '' and \\' backslash-quote\nnew line, ünïcödé, 😀 ${i}`,
  method: 'SendMessage',
  outcome: 'ok',
  milliCredits: 1_000 * i,
  durationMs: i,
  detail: { note: "E'not closed", path: 'C:\\tmp\\x' },
});

describe('an audit batch on PostgreSQL', { skip }, () => {
  let schema: TestSchema;
  let database: Database;
  let audit: AuditLog;

  before(async () => {
    await installCallCounters();
    schema = await createTestSchema();
    database = await createDatabase({ url: schema.url, poolSize: 2 });
    // Written only when flushed; the first batch checkpoints (there is none yet), and with one every 150 rows the second does too.
    audit = createAuditLog({ database, logger: createLogger({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }), flushIntervalMs: 60_000, checkpointEveryRows: 150, journal: 'journal:round-trips' });
  });

  after(async () => {
    await audit?.close().catch(() => undefined);
    await database?.close();
    await schema?.drop();
  });

  test('is two round trips and one transaction, with its checkpoint and journal mark; escaped text reads back as hashed', async () => {
    for (const [first, size] of [
      [0, 100],
      [100, 200],
    ] as const) {
      for (let i = first; i < first + size; i++) audit.appendJournaled(audit.prepare(entry(i)), i + 1);
      const before = callCounts();
      await audit.flush();
      const after = callCounts();
      assert.deepEqual({ statements: after.pgStatements - before.pgStatements, transactions: after.pgTransactions - before.pgTransactions }, { statements: 2, transactions: 1 }, `a batch of ${size}`);
    }
    assert.equal(await audit.journalMark(), 300);
    const rows = await audit.tail({ limit: 300 });
    assert.equal(rows.length, 300);
    assert.deepEqual(
      rows.slice(0, 2).map((r) => [r.seq, r.targetAgent, r.userAgent, r.detail, r.milliCredits, r.durationMs]),
      [0, 1].map((i) => [i + 1, entry(i).targetAgent, entry(i).userAgent, entry(i).detail, entry(i).milliCredits, entry(i).durationMs]),
    );
    await withPgClient(schema.url, async (client) => {
      const { rows: checkpoints } = await client.query<{ seq: string }>('select seq from audit_checkpoints order by seq');
      assert.deepEqual(checkpoints.map((c) => Number(c.seq)), [100, 300]);
    });
    const verified = await audit.verify();
    assert.deepEqual({ ok: verified.ok, checked: verified.checked, problems: verified.problems }, { ok: true, checked: 300, problems: [] });
  });

  test('a value no literal can carry (an integer past 2^53) goes with bind parameters, in the same transaction', async () => {
    const writer = new PostgresChainWriter(database.db, database.postgresPool);
    const row = { ...audit.prepare(entry(0)).row, milli_credits: 2 ** 60 };
    const before = callCounts();
    const written = await writer.write([row], { everyRows: 1_000_000, everyMs: 3_600_000 }, { journal: 'journal:round-trips', through: 301 });
    const after = callCounts();
    assert.equal(written.tip.seq, 301);
    // The lock and tip, the insert (its mark a CTE), and commit.
    assert.equal(after.pgStatements - before.pgStatements, 3);
    assert.equal(after.pgTransactions - before.pgTransactions, 1);
    await withPgClient(schema.url, async (client) => {
      const { rows } = await client.query<{ milli_credits: string }>('select milli_credits from audit_log where seq = 301');
      // As pg binds a number: its shortest decimal form.
      assert.equal(rows[0]?.milli_credits, String(2 ** 60));
    });
    assert.equal(await audit.journalMark(), 301);
  });
});
