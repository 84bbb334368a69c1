/**
 * Four runtime replicas on one Redis bus (ADR 0023): each reads the bus
 * messages of the tasks its own subscribers follow, not every message every
 * replica publishes; a stream and a cancel across replicas still work.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defineAgent, type AgentDefinition } from '../../src/runtime/index.js';
import { holdUntilCanceled, testAgent, rpc, stepThroughGate, userMessage, untilAborted } from '../helpers/runtime-fixture.js';
import { startRuntimeReplica, stopRuntimeReplica, type RuntimeReplica } from '../helpers/runtime-replica.js';
import { EventSourceParserStream, type EventSourceMessage } from 'eventsource-parser/stream';
import { createTestSchema, deleteRedisKey, postgresSkipReason, redisSkipReason, uniqueStreamKey, type TestSchema } from '../helpers/services.js';
import { Latches } from '../helpers/latches.js';

// Wire payloads are A2A JSON that the assertions walk freely.
type Json = any;

const skip = (await postgresSkipReason()) || (await redisSkipReason());

const gates = new Latches();
const aborts = new Latches();

/** A handler that holds until aborted (cancel) and one that reports a step, waits for the test, and completes. */
const probe: AgentDefinition = defineAgent({
  card: { name: 'probe', description: 'Handlers the test steers' },
  defaultSkill: 'hold',
  skills: {
    hold: holdUntilCanceled({ description: 'Holds until aborted', progress: 'holding', then: (text) => aborts.get(text).resolve() }),
    chat: {
      description: 'Works until canceled; takes messages while working',
      acceptsMessagesWhileWorking: true,
      onMessage: (message) => {
        const text = message.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
        gates.get(`message: ${text}`).resolve();
      },
      handler: async (text: string, ctx) => {
        gates.get(`started: ${text}`).resolve();
        await untilAborted(ctx.signal);
        aborts.get(text).resolve();
      },
    },
    step: stepThroughGate(gates, 'One step, then waits for the test, then a second'),
  },
});

/** An SSE response read frame by frame. */
class Frames {
  #reader: ReadableStreamDefaultReader<EventSourceMessage>;
  constructor(response: Response) {
    assert.equal(response.status, 200);
    this.#reader = response.body!.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
  }
  async next(): Promise<Json | undefined> {
    const { value, done } = await this.#reader.read();
    return done ? undefined : JSON.parse(value.data);
  }
  async rest(): Promise<Json[]> {
    const all: Json[] = [];
    for (let f = await this.next(); f; f = await this.next()) all.push(f);
    return all;
  }
}

function post(url: string, method: string, params: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', accept: 'text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
}

async function startTask(agentUrl: string, text: string, skillId: string): Promise<string> {
  const { body } = await rpc(agentUrl, 'SendMessage', { message: userMessage(text, { metadata: { skillId } }), configuration: { returnImmediately: true } });
  assert.ok(body.result?.task?.id, `SendMessage failed: ${JSON.stringify(body)}`);
  return body.result.task.id as string;
}

const stateOf = (frame: Json): string | undefined => frame.result?.statusUpdate?.status?.state ?? frame.result?.task?.status?.state;

describe('four runtime replicas on one Redis bus', { skip }, () => {
  let schema: TestSchema;
  let stream: string;
  const replicas: RuntimeReplica[] = [];
  /** Messages each replica published on the bus (its own counter, not Redis's). */
  const published: number[] = [];

  before(async () => {
    schema = await createTestSchema();
    stream = uniqueStreamKey();
    for (let i = 0; i < 4; i++) {
      // Heartbeats every 200 ms, so each replica learns of the others at once; a 10 s lifetime, as nothing
      // here pins a replica's death: with 1 s, a loaded host that delayed a replica's heartbeats had the
      // others take it for dead in the middle of a test.
      const replica = await startRuntimeReplica(schema, stream, [testAgent, probe], { replicaTtlMs: 10_000, heartbeatMs: 200 });
      const publish = replica.bus.publish.bind(replica.bus);
      published.push(0);
      replica.bus.publish = (topic, message) => {
        published[i]!++;
        return publish(topic, message);
      };
      replicas.push(replica);
    }
  });
  after(async () => {
    for (const r of replicas) await stopRuntimeReplica(r);
    await deleteRedisKey(stream);
    await schema.drop();
  });

  test('each replica reads the messages of the tasks it streams, well under all of them', async () => {
    const PER_REPLICA = 10;
    // Tasks spread over the replicas, each streamed (SubscribeToTask) by the replica that runs it.
    const tasks = await Promise.all(
      Array.from({ length: 4 * PER_REPLICA }, async (_, n) => {
        const replica = replicas[n % 4]!;
        const text = `spread ${n}`;
        const id = await startTask(replica.agents.probe!, text, 'step');
        const frames = new Frames(await post(replica.agents.probe!, 'SubscribeToTask', { id }));
        // The first frame comes once the replica's subscription is live and the log read.
        assert.equal((await frames.next())?.result?.task?.id, id);
        return { text, frames };
      }),
    );
    const readBefore = replicas.map((r) => r.bus.stats().received);
    const publishedBefore = published.reduce((a, b) => a + b, 0);
    for (const t of tasks) gates.get(t.text).resolve();
    for (const t of tasks) {
      const rest = await t.frames.rest();
      assert.equal(stateOf(rest[rest.length - 1]), 'TASK_STATE_COMPLETED');
    }
    const total = published.reduce((a, b) => a + b, 0) - publishedBefore;
    const read = replicas.map((r, i) => r.bus.stats().received - readBefore[i]!);
    assert.ok(total >= tasks.length, `every task published what followed the gate (${total} messages)`);
    for (const [i, n] of read.entries()) {
      assert.ok(n >= PER_REPLICA, `replica ${i} read the messages of its own streams: ${JSON.stringify(read)} of ${total}`);
      // On one stream every replica read all `total`; here each reads about its quarter.
      assert.ok(n <= total * 0.4, `replica ${i} read ${n} of ${total} messages: ${JSON.stringify(read)}`);
    }
    assert.ok(read.reduce((a, b) => a + b, 0) <= total * 1.1, `the four together read about what was published, once: ${JSON.stringify(read)} of ${total}`);
  });

  test('control messages reach the owner replica alone: an answer, a message and a cancel sent elsewhere', async () => {
    const [a, b, c, d] = replicas as [RuntimeReplica, RuntimeReplica, RuntimeReplica, RuntimeReplica];
    const asked = await rpc(a.agents.tester!, 'SendMessage', { message: userMessage('start', { metadata: { skillId: 'ask' } }) });
    assert.equal(asked.body.result.task.status.state, 'TASK_STATE_INPUT_REQUIRED');
    const askId = asked.body.result.task.id as string;
    const chatId = await startTask(a.agents.probe!, 'chatty', 'chat');
    await gates.get('started: chatty').promise;
    const before = replicas.map((r) => r.bus.stats().received);

    // The answer to A's question, sent to B: A resumes the handler, B's blocking call sees it finish.
    const answered = await rpc(b.agents.tester!, 'SendMessage', { message: userMessage('Ada', { taskId: askId }) });
    assert.equal(answered.body.result.task.status.state, 'TASK_STATE_COMPLETED');
    assert.match(JSON.stringify(answered.body.result.task.artifacts), /Hello, Ada/);
    // A message for A's working task, sent to D: A writes it into the history and hands it to onMessage.
    const joined = await rpc(d.agents.probe!, 'SendMessage', { message: userMessage('hi there', { taskId: chatId }), configuration: { returnImmediately: true } });
    assert.ok(joined.body.result?.task, JSON.stringify(joined.body));
    await gates.get('message: hi there').promise;
    // The cancel of it, sent to C: A cancels it itself.
    const canceled = await rpc(c.agents.probe!, 'CancelTask', { id: chatId });
    assert.equal(canceled.body.result.status.state, 'TASK_STATE_CANCELED');
    await aborts.get('chatty').promise;
    const history = (await rpc(a.agents.probe!, 'GetTask', { id: chatId })).body.result.history as Array<{ parts: Array<{ text?: string }> }>;
    assert.ok(history.some((m) => m.parts[0]?.text === 'hi there'), 'the owner wrote the message into the history');

    const read = replicas.map((r, i) => r.bus.stats().received - before[i]!);
    // A got the three control messages; C and D, which only sent, read nothing but the broadcast that the task was canceled.
    assert.ok(read[0]! >= 3, `the owner read the answer, the message and the cancel request: ${JSON.stringify(read)}`);
    assert.ok(read[2]! <= 1 && read[3]! <= 1, `replicas that neither run nor stream these tasks read at most the cancel broadcast: ${JSON.stringify(read)}`);
  });

  test('SubscribeToTask on another replica follows a task live, and a cancel from a third stops its handler', async () => {
    const [a, b, c] = replicas as [RuntimeReplica, RuntimeReplica, RuntimeReplica];
    // A stream on B follows a task that runs on A.
    const liveId = await startTask(a.agents.probe!, 'live', 'step');
    const following = new Frames(await post(b.agents.probe!, 'SubscribeToTask', { id: liveId }));
    assert.equal((await following.next())?.result?.task?.id, liveId);
    // Only now does A's handler go on: what follows reaches B over the bus.
    gates.get('live').resolve();
    const frames = await following.rest();
    assert.equal(stateOf(frames[frames.length - 1]), 'TASK_STATE_COMPLETED');
    const texts = frames.map((f) => f.result?.statusUpdate?.status?.message?.parts?.[0]?.text).filter(Boolean);
    assert.ok(texts.includes('two'), `B saw A's second step: ${JSON.stringify(texts)}`);

    // A cancel sent to C reaches the handler running on A.
    const heldId = await startTask(a.agents.probe!, 'hold me', 'hold');
    const canceled = await rpc(c.agents.probe!, 'CancelTask', { id: heldId });
    assert.equal(canceled.body.result.status.state, 'TASK_STATE_CANCELED');
    await aborts.get('hold me').promise;
    const onA = await rpc(a.agents.probe!, 'GetTask', { id: heldId });
    assert.equal(onA.body.result.status.state, 'TASK_STATE_CANCELED');
  });
});
