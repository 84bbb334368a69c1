import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';
import { createDatabase, MemoryBus, type Database } from '../../src/storage/index.js';
import { batchWorker, CallLog, mapReduceWorkflow, outputsOf, runMessage, startOrchestratorProcess, untilRunEnds } from '../helpers/orchestrator-fixture.js';
import { rpc } from '../helpers/runtime-fixture.js';
import { createTestSchema, postgresSkipReason, REDIS_URL, redisSkipReason, type TestSchema } from '../helpers/services.js';
import { until } from '../helpers/until.js';
import { closeInTurn, directoryRemoval } from '../helpers/close-in-turn.js';
import { stopChild } from '../helpers/child-output.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());

const ITEMS = Array.from({ length: 10_000 }, (_, i) => i);
const MAP_WORKFLOW = mapReduceWorkflow('map-on-postgres');

describe('orchestrator replicas on PostgreSQL + Redis', { skip }, () => {
  const log = new CallLog();
  let schema: TestSchema;
  let fleetDb: Database;
  const runtimes: Runtime[] = [];
  const urls: string[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-orchestrator-pg-'));
  const children: ChildProcess[] = [];

  before(async () => {
    schema = await createTestSchema();
    // The batch worker's five instances share the schema (replicas recognise a repeated message id).
    fleetDb = await createDatabase({ url: schema.url });
    const bus = new MemoryBus();
    for (let i = 0; i < 5; i++) {
      // Heartbeats as often as the orchestrator replicas' (replicaTtlMs 1000): with the default 5 s, their recovery
      // sweeps would take these live replicas for dead and fail the batch they are running.
      const runtime = await createRuntime({ agents: [batchWorker(log, 60)], database: fleetDb, bus, config: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', heartbeatMs: 200, replicaTtlMs: 1000 } });
      runtimes.push(runtime);
      urls.push((await runtime.listen()).agents['batch-worker']!);
    }
  });
  after(() => closeInTurn(...children.map((child) => () => stopChild(child)), ...runtimes, fleetDb, () => schema?.drop(), directoryRemoval(dataDir)));

  const startReplica = async () => {
    const started = await startOrchestratorProcess({ dataDir, agents: { 'batch-worker': urls }, replicaTtlMs: 1000, databaseUrl: schema.url, redisUrl: REDIS_URL });
    children.push(started.child);
    return started;
  };

  it('a run whose replica is killed mid-map is finished by the other, every batch once', async () => {
    const a = await startReplica();
    const b = await startReplica();
    const sent = await rpc(a.url, 'SendMessage', { message: runMessage(MAP_WORKFLOW, { items: ITEMS }), configuration: { returnImmediately: true } });
    const runId = (sent.body.result.task ?? sent.body.result).id as string;
    await until('six batches started', () => log.count('batch-worker') >= 6);
    a.child.kill('SIGKILL');
    await once(a.child, 'exit');
    assert.ok(log.count('batch-worker') < 20, 'the map was still running when replica A died');

    const task = await untilRunEnds(b.url, runId, 'replica B finishes the run');
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    assert.deepEqual(outputsOf(task), { batches: 20, items: 10_000, total: ITEMS.reduce((x, y) => x + y, 0) });
    assert.equal(log.count('batch-worker'), 20);
    assert.deepEqual(log.repeated('batch-worker'), []);
    b.child.kill('SIGTERM');
    await once(b.child, 'exit');
  });
});
