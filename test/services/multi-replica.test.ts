import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { EventSourceParserStream, type EventSourceMessage } from 'eventsource-parser/stream';
import { defineAgent, type AgentDefinition } from '../../src/runtime/index.js';
import { holdUntilCanceled, testAgent, rpc, stepThroughGate, userMessage, untilAborted } from '../helpers/runtime-fixture.js';
import { startRuntimeReplicaPair, type RuntimeReplica } from '../helpers/runtime-replica.js';
import { REDIS_URL, postgresSkipReason, redisSkipReason, waitFor, type TestSchema } from '../helpers/services.js';
import { Latches } from '../helpers/latches.js';
import { TS_CHILD_ARGV } from '../helpers/typescript-child.js';

// Wire payloads are A2A JSON that the assertions walk freely.
 
type Json = any;

const skip = (await postgresSkipReason()) || (await redisSkipReason());


const gates = new Latches();
const abortsSeen = new Latches();
const aborts: Array<{ text: string; aborted: boolean }> = [];

/** Hosted by both replicas; the test steers its handlers through `gates` and watches `aborts`. */
const probe: AgentDefinition = defineAgent({
  card: { name: 'probe', description: 'Handlers the test steers' },
  defaultSkill: 'hold',
  skills: {
    hold: holdUntilCanceled({
      description: 'Holds until aborted, then records what the signal said',
      progress: 'holding',
      then: (text, ctx) => {
        aborts.push({ text, aborted: ctx.signal.aborted });
        abortsSeen.get(text).resolve();
      },
    }),
    step: stepThroughGate(gates, 'Reports one step, waits for the test, reports a second, completes'),
  },
});

/** The in-process twin of the child's `crashy` agent: here the idempotent skill completes. */
const crashy: AgentDefinition = defineAgent({
  card: { name: 'crashy', description: 'Skills that hang until the process dies' },
  defaultSkill: 'hang',
  skills: {
    hang: {
      description: 'Not idempotent',
      handler: async (_: string, ctx) => {
        await untilAborted(ctx.signal);
      },
    },
    redo: { description: 'Idempotent', idempotent: true, handler: async () => 'redone' },
  },
});

const AGENTS = [testAgent, probe, crashy];
const CONFIG = { replicaTtlMs: 1000, heartbeatMs: 200 } as const;

type Replica = RuntimeReplica;

/** An SSE response read frame by frame, with JSON data. */
class SseReader {
  #reader: ReadableStreamDefaultReader<EventSourceMessage>;
  constructor(response: Response) {
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
    this.#reader = response.body!.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
  }

  /** The next frame, or undefined at the end of the stream. */
  async next(): Promise<{ id: string | undefined; data: Json } | undefined> {
    const { value, done } = await this.#reader.read();
    if (done) return undefined;
    return { id: value.id, data: JSON.parse(value.data) };
  }

  /** Reads frames until `match` accepts one; returns all frames read. */
  async until(match: (data: Json) => boolean): Promise<Array<{ id: string | undefined; data: Json }>> {
    const frames: Array<{ id: string | undefined; data: Json }> = [];
    for (;;) {
      const frame = await this.next();
      if (!frame) throw new Error(`stream ended before the expected frame; got ${JSON.stringify(frames.map((f) => f.data))}`);
      frames.push(frame);
      if (match(frame.data)) return frames;
    }
  }

  async rest(): Promise<Array<{ id: string | undefined; data: Json }>> {
    const frames: Array<{ id: string | undefined; data: Json }> = [];
    for (let f = await this.next(); f; f = await this.next()) frames.push(f);
    return frames;
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => undefined);
  }
}

function subscribe(url: string, taskId: string, lastEventId?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', accept: 'text/event-stream', ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SubscribeToTask', params: { id: taskId } }),
  });
}

const stateOf = (data: Json): string | undefined => data.result?.statusUpdate?.status?.state ?? data.result?.task?.status?.state;
const TERMINAL = new Set(['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED']);

async function startTask(agentUrl: string, text: string, skillId: string): Promise<string> {
  const { body } = await rpc(agentUrl, 'SendMessage', { message: userMessage(text, { metadata: { skillId } }), configuration: { returnImmediately: true } });
  assert.ok(body.result?.task?.id, `SendMessage failed: ${JSON.stringify(body)}`);
  return body.result.task.id as string;
}

/** Every event of a task as replica `url` serves it (replay from the start), as seq numbers. */
async function servedSeqs(url: string, taskId: string): Promise<number[]> {
  const frames = await new SseReader(await subscribe(url, taskId, '0')).rest();
  return frames.map((f) => Number(f.id));
}

describe('two runtime replicas on shared PostgreSQL and Redis', { skip }, () => {
  let pair: Awaited<ReturnType<typeof startRuntimeReplicaPair>>;
  let schema: TestSchema;
  let stream: string;
  let a: Replica | undefined;
  let b: Replica | undefined;
  before(async () => {
    pair = await startRuntimeReplicaPair(AGENTS, CONFIG);
    ({ a, b, schema, stream } = pair);
  });
  after(async () => {
    await pair?.close();
  });

  test('a task started on A is visible by GetTask on B', async () => {
    const id = await startTask(a!.agents.probe!, 'visible', 'hold');
    const got = await rpc(b!.agents.probe!, 'GetTask', { id });
    assert.equal(got.body.result.id, id);
    assert.ok(['TASK_STATE_SUBMITTED', 'TASK_STATE_WORKING'].includes(got.body.result.status.state));
    assert.equal(got.body.result.history[0].parts[0].text, 'visible');
    await rpc(a!.agents.probe!, 'CancelTask', { id });
  });

  test('SubscribeToTask on B receives the events A writes, live', async () => {
    const id = await startTask(a!.agents.probe!, 'live', 'step');
    const sse = new SseReader(await subscribe(b!.agents.probe!, id));
    const first = await sse.next();
    assert.equal(first?.data.result.task.id, id, 'the stream opens with the task');
    // Only now does A's handler move on: whatever follows was written after B subscribed.
    gates.get('live').resolve();
    const frames = await sse.until((d) => TERMINAL.has(stateOf(d) ?? ''));
    assert.equal(stateOf(frames[frames.length - 1]!.data), 'TASK_STATE_COMPLETED');
    const texts = frames.map((f) => f.data.result.statusUpdate?.status?.message?.parts?.[0]?.text).filter(Boolean);
    assert.ok(texts.includes('two'), `B saw A's second progress update: ${JSON.stringify(texts)}`);
    assert.ok(frames.some((f) => f.data.result.artifactUpdate?.artifact?.parts?.[0]?.text === 'stepped'));
    const ids = [first!, ...frames].map((f) => Number(f.id));
    assert.deepEqual(ids, [...ids].sort((x, y) => x - y), 'ids increase');
    assert.equal(await sse.next(), undefined, 'the stream ends at the terminal event');
  });

  test("CancelTask on B aborts A's handler and B's subscriber sees the cancel", async () => {
    const id = await startTask(a!.agents.probe!, 'cancel-me', 'hold');
    const sse = new SseReader(await subscribe(b!.agents.probe!, id));
    assert.equal((await sse.next())?.data.result.task.id, id);
    const canceled = await rpc(b!.agents.probe!, 'CancelTask', { id });
    assert.equal(canceled.body.result.status.state, 'TASK_STATE_CANCELED');
    await abortsSeen.get('cancel-me').promise;
    assert.deepEqual(aborts.filter((x) => x.text === 'cancel-me'), [{ text: 'cancel-me', aborted: true }]);
    const frames = await sse.until((d) => TERMINAL.has(stateOf(d) ?? ''));
    assert.equal(stateOf(frames[frames.length - 1]!.data), 'TASK_STATE_CANCELED');
    const onA = await rpc(a!.agents.probe!, 'GetTask', { id });
    assert.equal(onA.body.result.status.state, 'TASK_STATE_CANCELED');
  });

  test('Last-Event-ID on B resumes exactly after the events A wrote', async () => {
    const done = await rpc(a!.agents.tester!, 'SendMessage', { message: userMessage('x', { metadata: { skillId: 'chunks' } }) });
    const id = done.body.result.task.id as string;
    assert.equal(done.body.result.task.status.state, 'TASK_STATE_COMPLETED');
    const full = await new SseReader(await subscribe(b!.agents.tester!, id, '0')).rest();
    const all = full.map((f) => Number(f.id));
    assert.ok(all.length >= 5, `chunks writes several events: ${JSON.stringify(all)}`);
    assert.deepEqual(all, Array.from({ length: all.length }, (_, i) => i + 1));
    // Resume from the third-to-last event: exactly the last two, no duplicates.
    const from = all.length - 2;
    const resumed = await new SseReader(await subscribe(b!.agents.tester!, id, String(from))).rest();
    assert.deepEqual(resumed.map((f) => Number(f.id)), all.slice(from));
    assert.deepEqual(resumed.map((f) => f.data.result), full.slice(from).map((f) => f.data.result));
    assert.equal(stateOf(resumed[resumed.length - 1]!.data), 'TASK_STATE_COMPLETED');
  });

  test('a killed replica: B fails its plain task naming the replica and re-runs its idempotent one', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/replica.ts', import.meta.url));
    const child: ChildProcess = spawn(process.execPath, [...TS_CHILD_ARGV, fixture], {
      env: { ...process.env, AGENTMESH_TEST_DATABASE_URL: schema.url, AGENTMESH_TEST_REDIS_URL: REDIS_URL, AGENTMESH_TEST_STREAM: stream },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    try {
      const lines = createInterface({ input: child.stdout! });
      const ready = Promise.race([
        once(lines, 'line').then(([line]) => JSON.parse(line as string) as { agents: Record<string, string>; replicaId: string }),
        exited.then(([code]) => Promise.reject(new Error(`replica process exited early with ${String(code)}`))),
      ]);
      const replica = await ready;
      const crashUrl = replica.agents.crashy!;
      const plain = await startTask(crashUrl, 'plain', 'hang');
      const idem = await startTask(crashUrl, 'idem', 'redo');
      // Both handlers are running on the child (WORKING), seen from B.
      for (const id of [plain, idem]) {
        await waitFor(`task ${id} working on the child`, async () => {
          const got = await rpc(b!.agents.crashy!, 'GetTask', { id });
          return got.body.result.status.state === 'TASK_STATE_WORKING' ? true : undefined;
        });
      }
      child.kill('SIGKILL');
      await exited;

      const settle = (id: string) =>
        waitFor(`recovery of ${id}`, async () => {
          await b!.runtime.recoverNow();
          const got = await rpc(b!.agents.crashy!, 'GetTask', { id });
          return TERMINAL.has(got.body.result.status.state) ? got.body.result : undefined;
        });
      const failed = await settle(plain);
      assert.equal(failed.status.state, 'TASK_STATE_FAILED');
      assert.match(failed.status.message.parts[0].text, /stopped/);
      assert.ok(failed.status.message.parts[0].text.includes(replica.replicaId), 'the reason names the stopped replica');
      const rerun = await settle(idem);
      assert.equal(rerun.status.state, 'TASK_STATE_COMPLETED');
      assert.equal(rerun.artifacts[0].parts[0].text, 'redone');

      // No acknowledged event lost: what B serves is a gapless 1..n.
      for (const id of [plain, idem]) {
        const seqs = await servedSeqs(b!.agents.crashy!, id);
        assert.ok(seqs.length >= 3);
        assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), `gapless events for ${id}`);
      }
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  });
});
