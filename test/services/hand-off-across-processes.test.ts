/**
 * On PostgreSQL + Redis, across processes: a task handed off on
 * replica A is visible on replica B, a separate worker process (holding only
 * the store: openTaskControl) streams progress and artifacts into it, reads
 * the user's message sent through replica B, and completes it — and a stream
 * opened on replica A (official SDK client) sees every event, live.
 *
 * The decision this pins is in docs/conformance.md.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { GetTaskRequest, SendMessageRequest, SubscribeToTaskRequest, type Message, type StreamResponse } from '@a2a-js/sdk';
import { connectAgent } from '../../src/cli/index.js';
import { startRuntimeReplicaPair } from '../helpers/runtime-replica.js';
import { startedForSuite } from '../helpers/suite-fixture.js';
import { COMPLETED, asTask, sendRequest } from '../helpers/sdk-client.js';
import { REDIS_URL, postgresSkipReason, redisSkipReason } from '../helpers/services.js';
import { until } from '../helpers/until.js';
import { TS_CHILD_ARGV } from '../helpers/typescript-child.js';
import { oneSkillAgent } from '../helpers/one-skill-agent.js';

const WORKING = 2;
const delivered: Array<{ taskId: string; text: string }> = [];
const textOfMessage = (m: Message) => m.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');

const jobs = oneSkillAgent({ name: 'jobs', description: 'Hands long work to a worker process' }, 'render', {
  description: 'Hands the task off; takes messages while working',
  acceptsMessagesWhileWorking: true,
  onMessage: (message, info) => void delivered.push({ taskId: info.taskId, text: textOfMessage(message) }),
  handler: async (_: string, ctx) => ctx.handOff({ status: 'Queued' }),
});

const skip = (await postgresSkipReason()) || (await redisSkipReason());

describe('a handed-off task finished by another process (PostgreSQL + Redis)', { skip }, () => {
  const pair = startedForSuite(() => startRuntimeReplicaPair([jobs]));

  test('the worker process streams into the task and completes it; a stream on replica A sees it all', async () => {
    const { a, b, schema, stream } = pair();
    const clientA = (await connectAgent({ url: a.agents.jobs!, protocol: '1.0', binding: 'jsonrpc' })).client;
    const clientB = (await connectAgent({ url: b.agents.jobs!, protocol: '1.0', binding: 'jsonrpc' })).client;
    const id = asTask(await clientA.sendMessage(sendRequest('render it', { returnImmediately: true }))).id;
    await until('handed off', () => a.runtime.tasks().isHandedOff(id));
    // Visible, and WORKING, on the other replica.
    assert.equal((await clientB.getTask(GetTaskRequest.fromJSON({ id }))).status?.state, WORKING);

    const events = clientA.resubscribeTask(SubscribeToTaskRequest.fromJSON({ id }));
    assert.equal((await events.next()).value?.payload?.$case, 'task');
    const seen: StreamResponse[] = [];
    let onEvent: (() => void) | undefined;
    const reading = (async () => {
      for await (const e of events) {
        seen.push(e);
        onEvent?.();
      }
    })();
    const seenUntil = (what: string, probe: () => boolean) =>
      probe()
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            onEvent = () => probe() && resolve();
          }).finally(() => (onEvent = undefined));

    const worker = spawn(process.execPath, [...TS_CHILD_ARGV, fileURLToPath(new URL('./fixtures/task-worker.ts', import.meta.url))], {
      env: { ...process.env, AGENTMESH_TEST_DATABASE_URL: schema.url, AGENTMESH_TEST_REDIS_URL: REDIS_URL, AGENTMESH_TEST_STREAM: stream, AGENTMESH_TEST_TASK_ID: id },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(worker, 'exit');
    const steps = createInterface({ input: worker.stdout! });
    const firstStep = Promise.race([once(steps, 'line').then(([line]) => JSON.parse(line as string) as { step: string; pid: number }), exited.then(([code]) => Promise.reject(new Error(`worker exited early with ${String(code)}`)))]);
    assert.equal((await firstStep).step, 'streamed');
    // Live over the bus: the stream on A has the worker's progress and both chunks before anyone polls the log.
    const started = Date.now();
    await seenUntil('progress and chunks', () => seen.filter((e) => e.payload?.$case === 'artifactUpdate').length === 2);
    assert.ok(Date.now() - started < 1500, `the stream saw the worker's writes within ${Date.now() - started} ms (bus, not the 2 s log poll)`);
    const progress = seen[0]?.payload;
    assert.ok(progress?.$case === 'statusUpdate' && progress.value.status?.message?.parts[0]?.content?.$case === 'text');
    assert.match(progress.value.status.message.parts[0].content.value, /^worker \d+ started$/);
    assert.notEqual(progress.value.status.message.parts[0].content.value, `worker ${process.pid} started`, 'written by another process');

    // The user's message goes through replica B; the worker reads it from the store and completes.
    const reply = asTask(await clientB.sendMessage(SendMessageRequest.fromJSON({ message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', taskId: id, parts: [{ text: 'the appendix' }] }, configuration: { returnImmediately: true } })));
    assert.equal(reply.status?.state, WORKING);
    assert.deepEqual(delivered, [{ taskId: id, text: 'the appendix' }], 'onMessage ran on replica B');
    const [code] = await exited;
    assert.equal(code, 0);
    await reading;
    const last = seen[seen.length - 1]?.payload;
    assert.ok(last?.$case === 'statusUpdate');
    assert.equal(last.value.status?.state, COMPLETED);
    const result = seen.find((e) => e.payload?.$case === 'artifactUpdate' && e.payload.value.artifact?.name === 'result')?.payload;
    assert.ok(result?.$case === 'artifactUpdate');
    assert.equal(result.value.artifact?.parts[0]?.content?.$case === 'text' && result.value.artifact.parts[0].content.value, 'done with the appendix');
    const task = await clientB.getTask(GetTaskRequest.fromJSON({ id }));
    assert.equal(task.status?.state, COMPLETED);
    assert.equal(task.artifacts.find((x) => x.name === 'report')?.parts.length, 2);
  });

  test('recovery on either replica leaves a handed-off task alone, even once its first replica is gone', async () => {
    const { a, b } = pair();
    const clientA = (await connectAgent({ url: a.agents.jobs!, protocol: '1.0', binding: 'jsonrpc' })).client;
    const id = asTask(await clientA.sendMessage(sendRequest('render it', { returnImmediately: true }))).id;
    await until('handed off', () => a.runtime.tasks().isHandedOff(id));
    await pair().stop('a');
    assert.deepEqual(await b.runtime.recoverNow(), { failed: 0, rerun: 0 });
    const task = await b.runtime.tasks().get(id);
    assert.equal(task.status?.state, WORKING);
    assert.equal((await b.runtime.tasks().fail(id, 'the render farm is down')).status?.state, 4);
  });
});
