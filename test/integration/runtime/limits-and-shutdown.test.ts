/**
 * Runtime limits and lifecycle end to end: the per-agent concurrency limit and
 * its bounded queue (docs/runtime.md, AM_ERR_TASK_QUEUE_FULL), readiness, and
 * graceful shutdown of open SSE streams and running tasks.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime } from '../../../src/runtime/index.js';
import type { Runtime } from '../../../src/runtime/index.js';
import { rpc, startRuntime, testAgent, userMessage } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';

/** A promise with its resolver, to let a test decide when a skill finishes. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}


describe('concurrency limit and readiness', () => {
  test('one task runs, one waits in the queue, the next is refused; releasing the first runs the second', async (t) => {
    const firstStarted = deferred();
    const releaseFirst = deferred();
    const gated = oneSkillAgent({ name: 'gated', description: 'Runs one task at a time', maxConcurrentTasks: 1 }, 'hold', {
      description: 'Holds the first task until the test releases it',
      handler: async (text: string) => {
        if (text === 'first') {
          firstStarted.resolve();
          await releaseFirst.promise;
        }
        return `done ${text}`;
      },
    });
    const env = await startRuntime([gated], { queueLimit: 1 });
    t.after(() => env.close());

    const ready = await fetch(`${env.url}/ready`);
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { status: string }).status, 'ready');

    const send = (text: string) => rpc(env.url, 'SendMessage', { message: userMessage(text), configuration: { returnImmediately: true } });
    const first = await send('first');
    const firstId: string = first.body.result.task.id;
    await firstStarted.promise;

    const second = await send('second');
    const secondId: string = second.body.result.task.id;
    assert.equal(typeof secondId, 'string', `the second task is accepted: ${JSON.stringify(second.body)}`);
    const waiting = await rpc(env.url, 'GetTask', { id: secondId });
    assert.equal(waiting.body.result.status.state, 'TASK_STATE_SUBMITTED', 'the second task waits for a slot');

    const third = await send('third');
    assert.equal(third.body.result, undefined);
    assert.equal(third.body.error.code, -32603);
    assert.match(third.body.error.message, /at capacity: 1 tasks running and 1 queued; retry later/);
    assert.equal(third.body.error.data[0].metadata.code, 'AM_ERR_TASK_QUEUE_FULL');
    // Refused means no task was created: the queued one still waits.
    assert.equal((await rpc(env.url, 'GetTask', { id: secondId })).body.result.status.state, 'TASK_STATE_SUBMITTED');
    assert.equal((await rpc(env.url, 'ListTasks', {})).body.result.totalSize, 2, 'the refused request created no task');

    releaseFirst.resolve();
    const stateOf = async (id: string) => (await rpc(env.url, 'GetTask', { id })).body.result.status.state as string;
    await until('the queued task to complete', async () => (await stateOf(secondId)) === 'TASK_STATE_COMPLETED');
    assert.equal(await stateOf(firstId), 'TASK_STATE_COMPLETED');
    const done = await rpc(env.url, 'GetTask', { id: secondId });
    assert.equal(done.body.result.artifacts[0].parts[0].text, 'done second');

    // A slot and the queue are free again: a new task is accepted.
    const fourth = await rpc(env.url, 'SendMessage', { message: userMessage('fourth') });
    assert.equal(fourth.body.result.task.status.state, 'TASK_STATE_COMPLETED');
  });
});

describe('graceful shutdown', () => {
  test('close() ends open SSE streams and fails running tasks with a reason', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-test-'));
    const reopened: Runtime[] = [];
    // One hook, so the second runtime is closed before its directory is removed.
    t.after(async () => {
      for (const r of reopened) await r.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const config = { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent' as const, shutdownDeadlineMs: 5_000 };
    const runtime: Runtime = await createRuntime({ agents: [testAgent], config });
    const { url } = await runtime.listen();

    const started = await rpc(url, 'SendMessage', { message: userMessage('x', { metadata: { skillId: 'wait' } }), configuration: { returnImmediately: true } });
    const taskId: string = started.body.result.task.id;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', accept: 'text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SubscribeToTask', params: { id: taskId } }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    // Wait for the first frame (the Task, A2A §3.1.6) so the stream is open before closing.
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('\n\n')) {
      const { value, done } = await reader.read();
      assert.equal(done, false, 'the stream stays open until shutdown');
      text += decoder.decode(value, { stream: true });
    }
    assert.match(text, /"task"/);

    const readToEnd = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += decoder.decode(value, { stream: true });
      }
    })();
    await Promise.all([runtime.close(), readToEnd]);

    // The task was failed durably: a new runtime on the same data directory sees it.
    const next = await createRuntime({ agents: [testAgent], config });
    reopened.push(next);
    const { url: nextUrl } = await next.listen();
    const got = await rpc(nextUrl, 'GetTask', { id: taskId });
    assert.equal(got.body.result.status.state, 'TASK_STATE_FAILED');
    assert.match(got.body.result.status.message.parts[0].text, /shut down/);
  });
});
