/**
 * `AuditLog.record()`: the entry is on disk when the promise resolves (a
 * second connection to the SQLite file sees it), long before the log's
 * flush interval, and the entries recorded in one turn of the event loop
 * are committed together: what the gateway waits for before it releases an
 * answer (ADR 0035).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { createAuditLog, type AuditEntry } from '../../../src/audit/index.js';
import { createLogger, createMetrics } from '../../../src/observability/index.js';
import { createDatabase } from '../../../src/storage/index.js';

const entry = (i: number): AuditEntry => ({ eventType: 'a2a.call', actor: { kind: 'client', id: 'c' }, targetAgent: 'sales', taskId: `task-${i}`, tenant: 'acme', method: 'SendMessage', outcome: 'ok' });

test('a recorded entry is committed when record resolves, and one turn of recorded entries is one batch', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-audit-record-'));
  const file = join(dir, 'mesh.db');
  const database = await createDatabase({ sqlitePath: file });
  const metrics = createMetrics({ defaultMetrics: false });
  // A flush interval no test waits out: only record() can have written the rows.
  const audit = createAuditLog({ database, logger: createLogger({ level: 'silent' }), metrics, flushIntervalMs: 60_000 });
  const raw = new BetterSqlite3(file, { readonly: true });
  t.after(async () => {
    raw.close();
    await audit.close().catch(() => undefined);
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const rows = (): number => (raw.prepare("select count(*) as n from audit_log where event_type = 'a2a.call'").get() as { n: number }).n;
  const batches = async (): Promise<number> => {
    const text = await metrics.registry.metrics();
    return Number(/agentmesh_audit_batch_duration_seconds_count (\d+)/.exec(text)?.[1] ?? 0);
  };

  await audit.record(entry(1));
  assert.equal(rows(), 1);
  assert.equal(await batches(), 1);

  // Ten entries recorded in one turn: committed together, all there when each promise resolves.
  await Promise.all(Array.from({ length: 10 }, (_, i) => audit.record(entry(i + 2)).then(() => assert.ok(rows() >= i + 2))));
  assert.equal(rows(), 11);
  assert.equal(await batches(), 2);

  // An appended entry (nobody waits) stays queued until the interval, or until a recorded one takes it along.
  audit.append(entry(12));
  assert.equal(rows(), 11);
  await audit.record(entry(13));
  assert.equal(rows(), 13);
  assert.equal(audit.pending, 0);
});
