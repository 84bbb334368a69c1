import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';
import { createDatabase, MemoryBus, type Database } from '../../src/storage/index.js';
import { batchWorker, CallLog, outputsOf, runMessage } from '../helpers/orchestrator-fixture.js';
import { rpc } from '../helpers/runtime-fixture.js';
import { createTestSchema, postgresSkipReason, REDIS_URL, redisSkipReason, type TestSchema } from '../helpers/services.js';
import { until } from '../helpers/until.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());

const ITEMS = Array.from({ length: 10_000 }, (_, i) => i);
const MAP_WORKFLOW = `
name: map-on-postgres
inputs:
  items: { type: array, items: { type: number } }
steps:
  - id: sums
    map:
      over: "{{ inputs.items }}"
      batchSize: 500
      concurrency: 5
      step: { call: { agent: batch-worker }, input: { items: "{{ batch }}" } }
outputs:
  batches: "{{ length(steps.sums.output) }}"
  total: "{{ sum(pluck(steps.sums.output, 'sum')) }}"
`;

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
      const runtime = await createRuntime({ agents: [batchWorker(log, 60)], database: fleetDb, bus, config: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent' } });
      runtimes.push(runtime);
      urls.push((await runtime.listen()).agents['batch-worker']!);
    }
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const r of runtimes) await r.close();
    await fleetDb?.close();
    await schema?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const startReplica = async (): Promise<{ child: ChildProcess; url: string }> => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/orchestrator-process.ts'], {
      env: { ...process.env, ORCHESTRATOR_FIXTURE: JSON.stringify({ dataDir, agents: { 'batch-worker': urls }, replicaTtlMs: 1000, databaseUrl: schema.url, redisUrl: REDIS_URL }) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`orchestrator replica exited early (${code})`)));
    });
    return { child, url };
  };

  it('a run whose replica is killed mid-map is finished by the other, every batch once', async () => {
    const a = await startReplica();
    const b = await startReplica();
    const sent = await rpc(a.url, 'SendMessage', { message: runMessage(MAP_WORKFLOW, { items: ITEMS }), configuration: { returnImmediately: true } });
    const runId = (sent.body.result.task ?? sent.body.result).id as string;
    await until('six batches started', () => log.count('batch-worker') >= 6, 20_000);
    a.child.kill('SIGKILL');
    await once(a.child, 'exit');
    assert.ok(log.count('batch-worker') < 20, 'the map was still running when replica A died');

    let task: any;
    await until(
      'replica B finishes the run',
      async () => {
        const { body } = await rpc(b.url, 'GetTask', { id: runId });
        task = body.result;
        return ['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED'].includes(task?.status?.state);
      },
      30_000,
    );
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    assert.deepEqual(outputsOf(task), { batches: 20, total: ITEMS.reduce((x, y) => x + y, 0) });
    assert.equal(log.count('batch-worker'), 20);
    assert.deepEqual(log.repeated('batch-worker'), []);
    b.child.kill('SIGTERM');
    await once(b.child, 'exit');
  });
});
