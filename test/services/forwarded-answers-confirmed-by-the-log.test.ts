/**
 * On PostgreSQL + Redis: an answer to a task that asks on replica A, sent to
 * replica B, travels to A over the bus, which keeps nothing. B confirms it
 * only once the task's log shows A took it:
 *
 * - A's bus connection dropped while the answer travels (a Redis restart, a
 *   partition): B does not say the answer was taken (it was not; before, B
 *   said so, and a workflow step following its child task waited for ever).
 *   B answers AM_ERR_HTTP_TIMEOUT, retryable; the task still asks, and the
 *   answer sent again is taken.
 * - The answer held on the way to A (a slow link) while the task is answered
 *   straight on A and asks its next question: when the first answer finally
 *   reaches A, it does not answer that next question, which it never saw.
 *
 * - The bus down on the replica the answer is sent to (its publish times
 *   out): it answers AM_ERR_HTTP_UNAVAILABLE, retryable, not an internal error
 *   (a workflow step took that for its child's failure and gave up).
 *
 * A's and C's Redis connections go through TCP proxies the test controls.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defineAgent } from '../../src/index.js';
import { rpc, userMessage } from '../helpers/runtime-fixture.js';
import { startRuntimeReplica, stopRuntimeReplica, type RuntimeReplica } from '../helpers/runtime-replica.js';
import { REDIS_URL, createTestSchema, deleteRedisKey, postgresSkipReason, redisSkipReason, uniqueStreamKey, type TestSchema } from '../helpers/services.js';
import { proxyInFrontOf, type TcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/until.js';

const textOf = (parts: Array<{ content?: { $case: string; value?: unknown } }>) => parts.map((p) => (p.content?.$case === 'text' ? String(p.content.value) : '')).join('');

/** Asks twice, then completes with both answers in order. */
const asker = defineAgent({
  card: { name: 'asker', description: 'Asks two questions, then repeats the answers' },
  defaultSkill: 'ask-twice',
  skills: {
    'ask-twice': {
      description: 'Asks two questions',
      handler: async (_: string, ctx) => {
        const first = textOf((await ctx.requestInput('first question')).parts);
        const second = textOf((await ctx.requestInput('second question')).parts);
        return `${first} then ${second}`;
      },
    },
  },
});

/**
 * Short: a lost answer is reported in a test's time, and the late answer's hold (this, plus an answer
 * taken on A) stays well inside the 5 s after which A's bus drops a connection whose ping went
 * unanswered. An answer confirmed later than this under load is found by the read before the next one.
 */
const ANSWER_CONFIRM_MS = 700;
const CONFIG = { answerConfirmMs: ANSWER_CONFIRM_MS } as const;
const skip = (await postgresSkipReason()) || (await redisSkipReason());

describe('answers forwarded to the replica running their task, confirmed by its log (PostgreSQL + Redis)', { skip }, () => {
  let schema: TestSchema;
  const stream = uniqueStreamKey();
  let proxy: TcpProxy;
  let cProxy: TcpProxy;
  let a: RuntimeReplica;
  let b: RuntimeReplica;
  let c: RuntimeReplica;

  before(async () => {
    schema = await createTestSchema();
    const proxied = await proxyInFrontOf(REDIS_URL, 6379);
    proxy = proxied.proxy;
    a = await startRuntimeReplica(schema, stream, [asker], CONFIG, proxied.url);
    b = await startRuntimeReplica(schema, stream, [asker], CONFIG);
    const cProxied = await proxyInFrontOf(REDIS_URL, 6379);
    cProxy = cProxied.proxy;
    c = await startRuntimeReplica(schema, stream, [asker], CONFIG, cProxied.url);
  });
  after(async () => {
    await stopRuntimeReplica(a);
    await stopRuntimeReplica(b);
    await stopRuntimeReplica(c);
    await proxy?.close();
    await cProxy?.close();
    await deleteRedisKey(stream);
    await schema?.drop();
  });

  /** Starts a task on replica A; a blocking send returns once it asks. */
  const startOnA = async (): Promise<string> => {
    const started = await rpc(a.agents['asker']!, 'SendMessage', { message: userMessage('start') });
    assert.equal(started.body.result?.task?.status?.state, 'TASK_STATE_INPUT_REQUIRED', JSON.stringify(started.body));
    return started.body.result.task.id as string;
  };
  const answer = (replica: RuntimeReplica, taskId: string, text: string) => rpc(replica.agents['asker']!, 'SendMessage', { message: userMessage(text, { taskId }), configuration: { returnImmediately: true } });
  const read = async (taskId: string) => (await rpc(b.agents['asker']!, 'GetTask', { id: taskId })).body.result;
  const userTexts = (task: { history: Array<{ role: string; parts: Array<{ text?: string }> }> }) => task.history.filter((m) => m.role === 'ROLE_USER').map((m) => m.parts.map((p) => p.text ?? '').join(''));
  const asks = (task: { status: { state: string; message?: { parts: Array<{ text?: string }> } } }, question: string) => task.status.state === 'TASK_STATE_INPUT_REQUIRED' && (task.status.message?.parts ?? []).some((p) => p.text === question);

  test('an answer lost on its way to the replica running the task is reported not taken, and taken when sent again', async () => {
    const taskId = await startOnA();
    // A's bus connections go silent; the heal cuts them and ioredis connects again: what was published meanwhile is gone.
    proxy.pause();
    const lost = await answer(b, taskId, 'lost');
    proxy.heal();
    assert.equal(lost.body.error?.code, -32603, `not confirmed, not "taken": ${JSON.stringify(lost.body)}`);
    assert.equal(lost.body.error.data?.[0]?.metadata?.code, 'AM_ERR_HTTP_TIMEOUT', JSON.stringify(lost.body));
    const after = await read(taskId);
    assert.ok(asks(after, 'first question'), `the task still asks its first question: ${JSON.stringify(after.status)}`);
    assert.deepEqual(userTexts(after), ['start']);
    // Sent again once A's bus is back (its resubscription confirmed by Redis): taken, and the task asks on. As the error
    // says, the task is read before each new answer: one not confirmed in time may still have been taken.
    await until('replica A to take an answer forwarded by B', async () => {
      if (userTexts(await read(taskId)).includes('first answer')) return true;
      return (await answer(b, taskId, 'first answer')).body.result !== undefined;
    });
    await until('the task to ask its second question', async () => asks(await read(taskId), 'second question'));
    assert.deepEqual(userTexts(await read(taskId)), ['start', 'first answer']);
  });

  test("an answer that reaches the replica late does not answer the task's next question", async () => {
    const taskId = await startOnA();
    // A marker published after the held bytes reaches A after them (one connection, in order): then A has seen the late answer.
    const markers: string[] = [];
    const marker = a.bus.subscribe('test.marker', (m) => markers.push(String((m as { id?: string }).id)));
    await marker.ready;
    proxy.hold();
    const late = await answer(b, taskId, 'late answer to the first question');
    assert.equal(late.body.error?.code, -32603, `held on its way: not confirmed: ${JSON.stringify(late.body)}`);
    // Answered straight on A meanwhile; the task asks its second question.
    const direct = await answer(a, taskId, 'first answer');
    assert.ok(direct.body.result, JSON.stringify(direct.body));
    await until('the task to ask its second question', async () => asks(await read(taskId), 'second question'));
    // Published while held: it queues behind the late answer, and comes only if A's connection outlived the hold.
    await b.bus.publish('test.marker', { id: taskId });
    proxy.release();
    await until('replica A to receive what was held', () => markers.includes(taskId));
    marker();
    const next = await read(taskId);
    assert.ok(asks(next, 'second question'), `still asking its second question: ${JSON.stringify(next.status)}`);
    assert.deepEqual(userTexts(next), ['start', 'first answer']);
    const done = await rpc(a.agents['asker']!, 'SendMessage', { message: userMessage('second answer', { taskId }) });
    assert.equal(done.body.result?.task?.status?.state, 'TASK_STATE_COMPLETED', JSON.stringify(done.body));
    assert.deepEqual(done.body.result.task.artifacts.map((x: { parts: Array<{ text: string }> }) => x.parts[0]!.text), ['first answer then second answer']);
  });

  test('an answer sent to a replica whose bus is down is refused as unavailable, retryable, and taken when sent again', async () => {
    const taskId = await startOnA();
    // C's bus goes silent: its publish of the answer to A times out (the bus's command timeout).
    cProxy.pause();
    const refused = await answer(c, taskId, 'not sent');
    cProxy.heal();
    assert.equal(refused.body.error?.code, -32603, JSON.stringify(refused.body));
    assert.equal(refused.body.error.data?.[0]?.metadata?.code, 'AM_ERR_HTTP_UNAVAILABLE', `unavailable, not an internal error: ${JSON.stringify(refused.body)}`);
    assert.match(refused.body.error.message, /could not be reached/);
    // As the error says, the task is read before the answer is sent again: the publish that timed out may still have
    // reached A once C's connection came back, and then that answer was taken.
    await until('replica A to take one answer to its first question', async () => {
      if (userTexts(await read(taskId)).length > 1) return true;
      return (await answer(c, taskId, 'first answer')).body.result !== undefined;
    });
    await until('the task to ask its second question', async () => asks(await read(taskId), 'second question'));
    const answered = userTexts(await read(taskId));
    assert.equal(answered.length, 2, `one answer taken: ${JSON.stringify(answered)}`);
    assert.ok(['not sent', 'first answer'].includes(answered[1]!), JSON.stringify(answered));
  });
});
