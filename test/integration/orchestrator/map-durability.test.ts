import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAgentCaller } from '../../../src/orchestrator/index.js';
import { createRuntime, type Runtime } from '../../../src/runtime/index.js';
import { createDatabase, MemoryBus, type Database } from '../../../src/storage/index.js';
import { batchWorker, CallLog, mapReduceWorkflow, outputsOf, runBlocking, runMessage, startOrchestrator, startOrchestratorProcess, untilRunEnds } from '../../helpers/orchestrator-fixture.js';
import { rpc } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';
import { closeInTurn, directoryRemoval } from '../../helpers/close-in-turn.js';
import { stopChild } from '../../helpers/child-output.js';

const ITEMS = Array.from({ length: 10_000 }, (_, i) => i);
const TOTAL = ITEMS.reduce((a, b) => a + b, 0);
const MAP_WORKFLOW = mapReduceWorkflow('map-reduce');

/** Five instances of the batch worker: one fleet sharing a database and a bus, as replicas do. */
async function startFleet(log: CallLog, delayMs: number): Promise<{ urls: string[]; close: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-fleet-'));
  const database: Database = await createDatabase({ sqlitePath: join(dataDir, 'fleet.db') });
  const bus = new MemoryBus();
  const runtimes: Runtime[] = [];
  const urls: string[] = [];
  for (let i = 0; i < 5; i++) {
    const runtime = await createRuntime({ agents: [batchWorker(log, delayMs)], database, bus, config: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent' } });
    const { agents } = await runtime.listen();
    runtimes.push(runtime);
    urls.push(agents['batch-worker']!);
  }
  return {
    urls,
    close: async () => {
      for (const r of runtimes) await r.close();
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe('map-reduce across five instances', () => {
  it('maps 10,000 items in batches of 500 over 5 instances, each batch once', async () => {
    const log = new CallLog();
    const fleet = await startFleet(log, 0);
    let turn = 0;
    const orch = await startOrchestrator({}, { caller: createAgentCaller({ directUrl: () => fleet.urls[turn++ % fleet.urls.length]! }) });
    try {
      const task = await runBlocking(orch.url, runMessage(MAP_WORKFLOW, { items: ITEMS }));
      assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
      assert.deepEqual(outputsOf(task), { batches: 20, items: 10_000, total: TOTAL });
      assert.equal(log.count('batch-worker'), 20);
      assert.deepEqual(log.repeated('batch-worker'), []);
    } finally {
      await orch.close();
      await fleet.close();
    }
  });
});

for (const [signal, how] of [
  ['SIGKILL', 'kill -9'],
  ['SIGTERM', 'a graceful shutdown (SIGTERM)'],
] as const) {
  describe(`${how} of the orchestrator during a map step`, () => {
    const log = new CallLog();
    let fleet: Awaited<ReturnType<typeof startFleet>>;
    const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-orchestrator-crash-'));
    const children: ChildProcess[] = [];
    const closers: Array<() => Promise<void>> = [];

    before(async () => {
      fleet = await startFleet(log, 60);
    });
    after(() => closeInTurn(...children.map((child) => () => stopChild(child)), ...closers, fleet, directoryRemoval(dataDir)));

    const startProcess = async () => {
      const started = await startOrchestratorProcess({ dataDir, agents: { 'batch-worker': fleet.urls }, replicaTtlMs: 1000 });
      children.push(started.child);
      return started;
    };

    it('resumes after restart and completes with every batch executed exactly once', async () => {
      const first = await startProcess();
      const sent = await rpc(first.url, 'SendMessage', { message: runMessage(MAP_WORKFLOW, { items: ITEMS }), configuration: { returnImmediately: true } });
      const runId = (sent.body.result.task ?? sent.body.result).id as string;
      // Stopped once a few batches are done and others are in flight.
      await until('six batches started', () => log.count('batch-worker') >= 6);
      first.child.kill(signal);
      await once(first.child, 'exit');
      const startedBeforeStop = log.count('batch-worker');
      assert.ok(startedBeforeStop < 20, `the map was still running when stopped (${startedBeforeStop} batches started)`);

      // The next orchestrator on the same data: in this process, as only the stopped one has to be a process of its own.
      let next = 0;
      const second = await startOrchestrator({}, { caller: createAgentCaller({ directUrl: () => fleet.urls[next++ % fleet.urls.length]! }), config: { runtime: { dataDir, replicaTtlMs: 1000, heartbeatMs: 200 } } });
      closers.push(second.close);
      const task = await untilRunEnds(second.url, runId, 'the resumed run completes');
      assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
      assert.deepEqual(outputsOf(task), { batches: 20, items: 10_000, total: TOTAL });
      assert.equal(log.count('batch-worker'), 20, 'every batch ran');
      assert.deepEqual(log.repeated('batch-worker'), [], 'no batch ran twice');
    });
  });
}
