import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuditLog } from '../../../src/audit/audit-log.js';
import { PeriodicAuditVerifier } from '../../../src/audit/periodic-verifier.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { createDatabase } from '../../../src/storage/database.js';
import { setAuditColumnSql } from '../../helpers/audit-rows.js';

function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('the periodic verifier records a sound chain, then the problems of a modified row', async (t) => {
  const database = await createDatabase({ sqlitePath: ':memory:' });
  const metrics = createMetrics({ defaultMetrics: false });
  const logger = createLogger({ level: 'silent' });
  const audit = createAuditLog({ database, logger, metrics });
  const verifier = new PeriodicAuditVerifier({ verify: (o) => audit.verify(o), metrics, logger, intervalMs: 3_600_000 });
  t.after(async () => {
    await verifier.stop();
    await audit.close();
    await database.close();
  });
  for (let i = 0; i < 20; i++) audit.append({ eventType: 'a2a.call', actor: { kind: 'client', id: 'c' }, tenant: 'acme', outcome: 'ok', milliCredits: i });
  await audit.flush();

  await verifier.runOnce();
  let body = (await metrics.render()).body;
  assert.equal(sample(body, 'agentmesh_audit_verify_runs_total{outcome="ok"}'), 1);
  assert.equal(sample(body, 'agentmesh_audit_verify_problems'), 0);
  assert.equal(sample(body, 'agentmesh_audit_verify_rows_checked_total'), 20);
  assert.ok((sample(body, 'agentmesh_audit_verify_last_run_timestamp_seconds') ?? 0) > Date.now() / 1000 - 60);

  // New rows: the next run checks only those, from the tip it recorded.
  for (let i = 0; i < 5; i++) audit.append({ eventType: 'a2a.call', actor: { kind: 'client', id: 'c' }, tenant: 'acme', outcome: 'ok', milliCredits: i });
  await audit.flush();
  await verifier.runOnce();
  body = (await metrics.render()).body;
  assert.equal(sample(body, 'agentmesh_audit_verify_rows_checked_total'), 26, 'the tip row again, and the five new ones');

  // The tip recorded by the last run is rewritten: the anchored incremental run sees it.
  database.sqlite!.prepare(setAuditColumnSql('milli_credits')).run(999, 25);
  await verifier.runOnce();
  body = (await metrics.render()).body;
  assert.equal(sample(body, 'agentmesh_audit_verify_runs_total{outcome="problems"}'), 1);
  assert.ok((sample(body, 'agentmesh_audit_verify_problems') ?? 0) >= 1, body);
});

test('the periodic verifier counts a verification that could not run', async (t) => {
  const metrics = createMetrics({ defaultMetrics: false });
  const verifier = new PeriodicAuditVerifier({ verify: () => Promise.reject(new Error('database gone')), metrics, logger: createLogger({ level: 'silent' }), intervalMs: 1000 });
  t.after(() => verifier.stop());
  await verifier.runOnce();
  assert.equal(sample((await metrics.render()).body, 'agentmesh_audit_verify_runs_total{outcome="error"}'), 1);
});
