/**
 * The audit chain on a real PostgreSQL: two AuditLog instances with their own
 * pools (two gateway replicas) append concurrently to one schema and leave
 * one gapless chain; tampering with it is named by verify, and by the CLI
 * reading DATABASE_URL.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createAuditLog, type AuditEntry, type AuditLog } from '../../src/audit/index.js';
import { createLogger, createMetrics } from '../../src/observability/index.js';
import { createDatabase, type Database } from '../../src/storage/index.js';
import { auditCommand } from '../../src/cli/commands/audit/audit.js';
import { runCommand } from '../integration/cli/cli-harness.js';
import { createTestSchema, postgresSkipReason, type TestSchema, withPgClient } from '../helpers/services.js';

const skip = await postgresSkipReason();

const entry = (replica: number, caller: number, i: number): AuditEntry => ({
  eventType: i % 10 === 0 ? 'credits.reserved' : 'a2a.call',
  actor: { kind: 'client', id: `r${replica}-caller-${caller}` },
  targetAgent: 'sales',
  taskId: `r${replica}:${caller}:${i}`,
  tenant: caller % 2 ? 'acme' : 'globex',
  method: 'SendMessage',
  outcome: 'ok',
  milliCredits: 250 * i,
  durationMs: i % 13,
  detail: { attempt: 1 },
});

describe('the audit chain on PostgreSQL', { skip }, () => {
  let schema: TestSchema;
  const replicas: Array<{ database: Database; audit: AuditLog }> = [];

  before(async () => {
    schema = await createTestSchema();
    for (let r = 0; r < 2; r++) {
      const database = await createDatabase({ url: schema.url, poolSize: 4 });
      // Small batches and a short interval: many interleaved batch transactions.
      const audit = createAuditLog({ database, logger: createLogger({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }), maxBatch: 40, flushIntervalMs: 2 });
      replicas.push({ database, audit });
    }
  });

  after(async () => {
    for (const { database, audit } of replicas) {
      await audit.close().catch(() => undefined);
      await database.close();
    }
    await schema?.drop();
  });

  test('two instances appending concurrently leave one gapless chain that verifies', async () => {
    const callers = 50;
    const perCaller = 100;
    await Promise.all(
      replicas.flatMap(({ audit }, r) =>
        Array.from({ length: callers }, async (_, caller) => {
          for (let i = 0; i < perCaller; i++) {
            audit.append(entry(r, caller, i));
            await new Promise<void>((resolve) => setImmediate(resolve));
          }
        }),
      ),
    );
    await Promise.all(replicas.map(({ audit }) => audit.close()));
    await withPgClient(schema.url, async (client) => {
      const { rows } = await client.query<{ n: string; lo: string; hi: string; tasks: string }>('SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi, count(DISTINCT task_id) AS tasks FROM audit_log');
      assert.deepEqual(rows[0], { n: '10000', lo: '1', hi: '10000', tasks: '10000' });
      // Both replicas' batches are interleaved in the one chain.
      const { rows: switches } = await client.query<{ n: string }>(
        "SELECT count(*) AS n FROM (SELECT actor_id, lag(actor_id) OVER (ORDER BY seq) AS prev FROM audit_log) s WHERE left(actor_id, 2) <> left(prev, 2)",
      );
      assert.ok(Number(switches[0]!.n) > 1, 'the two replicas wrote in turns');
    });
    const result = await replicas[0]!.audit.verify();
    assert.deepEqual({ ok: result.ok, checked: result.checked, problems: result.problems, tip: result.tip?.seq }, { ok: true, checked: 10_000, problems: [], tip: 10_000 });
  });

  test('modified, deleted, swapped and truncated rows are each named', async () => {
    await withPgClient(schema.url, async (client) => {
      await client.query("UPDATE audit_log SET tenant = 'mallory' WHERE seq = 137");
      await client.query('DELETE FROM audit_log WHERE seq = 500');
      const columns = ['time', 'event_type', 'actor_kind', 'actor_id', 'task_id', 'tenant', 'milli_credits', 'duration_ms', 'detail', 'prev_hash', 'hash'];
      await client.query(
        `UPDATE audit_log a SET ${columns.map((c) => `${c} = b.${c}`).join(', ')}
         FROM audit_log b WHERE (a.seq, b.seq) IN ((40, 2000), (2000, 40))`,
      );
      await client.query('DELETE FROM audit_log WHERE seq > 9990');
    });
    const result = await replicas[0]!.audit.verify();
    assert.equal(result.ok, false);
    assert.deepEqual(
      result.problems.map((p) => [p.seq, p.kind]),
      [
        [40, 'modified'],
        [40, 'broken-link'],
        [41, 'broken-link'],
        [137, 'modified'],
        [500, 'deleted'],
        [2000, 'modified'],
        [2000, 'broken-link'],
        [2001, 'broken-link'],
        [9991, 'truncated'],
      ],
    );
  });

  test('agentmesh audit verify reads DATABASE_URL and names the same rows', async () => {
    const { code, stdout, stderr } = await runCommand(auditCommand, ['verify'], { DATABASE_URL: schema.url });
    assert.equal(code, 1, stderr);
    assert.match(stdout, /^audit chain BROKEN: 9 problems in 9989 rows checked\n/);
    assert.match(stdout, /seq +500 {2}deleted {6}row 500 is missing\n/);
    assert.match(stdout, /seq 9991 {2}truncated {4}the log ends at row 9990 but the checkpoint of .* records row 10000/);
  });
});
