import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineAgent } from '../../../src/runtime/index.js';
import { createAgentCaller, type AgentCaller, type ChildEvent } from '../../../src/orchestrator/calls/index.js';
import { leadDatabaseOffline, readSse, startRuntime, storyInChunks, userMessage, holdUntilCanceled } from '../../helpers/runtime-fixture.js';

/** Releases waiting handlers when the test says so (no sleeps: the test decides when the agent moves on). */
class Latch {
  #open!: () => void;
  readonly opened = new Promise<void>((resolve) => (this.#open = resolve));
  open(): void {
    this.#open();
  }
}

const runs: Record<string, number> = {};
const count = (key: string) => (runs[key] = (runs[key] ?? 0) + 1);
const latches = new Map<string, Latch>();
const latch = (key: string) => latches.get(key) ?? latches.set(key, new Latch()).get(key)!;

const worker = defineAgent({
  card: { name: 'worker', description: 'Deterministic skills for the agent caller tests' },
  defaultSkill: 'sum',
  skills: {
    sum: {
      description: 'Adds numbers; returns { sum }',
      input: { type: 'object', required: ['numbers'], properties: { numbers: { type: 'array', items: { type: 'number' } }, key: { type: 'string' } } },
      handler: async (input: { numbers: number[]; key?: string }, ctx) => {
        if (input.key) count(input.key);
        ctx.progress('adding', { count: input.numbers.length });
        return { sum: input.numbers.reduce((a, b) => a + b, 0) };
      },
    },
    gated: {
      description: 'Counts its runs, then waits for the test to open its latch',
      input: { type: 'object', required: ['key'], properties: { key: { type: 'string' } } },
      handler: async (input: { key: string }, ctx) => {
        count(input.key);
        ctx.progress('waiting for the latch');
        await latch(input.key).opened;
        return { ran: input.key };
      },
    },
    story: storyInChunks('Streams one text artifact in chunks'),
    fail: leadDatabaseOffline('Always fails'),
    ask: {
      description: 'Asks for a name, waits for the latch named in the answer if any, then greets',
      handler: async (_: string, ctx) => {
        const answer = await ctx.requestInput('What is your name?', { field: 'name' });
        const name = answer.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
        count(`answer:${name}`);
        if (latches.has(name)) await latches.get(name)!.opened;
        return `Hello, ${name}`;
      },
    },
    wait: holdUntilCanceled({ description: 'Waits until canceled', progress: 'waiting' }),
  },
});

type Plan = 'pass' | 'cut' | 'unavailable' | 'reset';

/**
 * A real HTTP hop between caller and runtime that can misbehave on cue:
 * `cut` forwards the answer's first SSE frame and then drops the
 * connection, `unavailable` answers 503 with Retry-After 0, `reset` drops the
 * connection without answering. Everything else is forwarded as is.
 */
async function startFlakyHop(upstream: string, plan: (seen: { method: string; n: number; body: any }) => Plan) {
  const target = new URL(upstream);
  const seen: Array<{ method: string; headers: IncomingMessage['headers']; plan: Plan }> = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : {};
      const method = String(body.method ?? req.method);
      const decision = plan({ method, n: seen.filter((s) => s.method === method).length + 1, body });
      seen.push({ method, headers: req.headers, plan: decision });
      if (decision === 'reset') return req.socket.destroy();
      if (decision === 'unavailable') {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' });
        return res.end(JSON.stringify({ jsonrpc: '2.0', id: body.id ?? null, error: { code: -32603, message: 'draining' } }));
      }
      const up = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (decision !== 'cut') return void answer.pipe(res);
        let text = '';
        let cut = false;
        answer.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
          const end = text.indexOf('\n\n');
          if (end >= 0 && !cut) {
            cut = true;
            res.write(text.slice(0, end + 2), () => res.socket?.destroy());
            answer.destroy();
          }
        });
      });
      up.on('error', () => res.socket?.destroy());
      up.end(raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const onBehalfOf = { tenant: 'acme' };
const fastRetry = { attempts: 4, initialDelayMs: 5, maxDelayMs: 20 };

describe('the agent caller against a real runtime (direct mode)', () => {
  let host: Awaited<ReturnType<typeof startRuntime>>;
  let caller: AgentCaller;

  before(async () => {
    host = await startRuntime([worker]);
    caller = createAgentCaller({ directUrl: (agent) => host.agents[agent] ?? `${host.url}/agents/${agent}`, retry: fastRetry });
  });
  after(async () => {
    await host?.close();
  });

  test('a completed task gives the result artifact as output, with its task and progress', async () => {
    const events: ChildEvent[] = [];
    const announced: string[] = [];
    const outcome = await caller.send({ agent: 'worker', skill: 'sum', input: { numbers: [1, 2, 3] }, messageId: crypto.randomUUID(), onBehalfOf, signal: AbortSignal.timeout(10_000), onTask: (id) => announced.push(id), onEvent: (e) => events.push(e) });
    assert.equal(outcome.state, 'completed', JSON.stringify(outcome));
    assert.deepEqual(outcome.output, { sum: 6 });
    assert.deepEqual(announced, [outcome.taskId]);
    assert.equal(outcome.task.id, outcome.taskId);
    const progress = events.find((e) => e.kind === 'status' && e.text === 'adding');
    assert.deepEqual(progress?.data, { count: 3 });
    assert.ok(events.some((e) => e.kind === 'artifact' && e.state === 'result'), 'the result artifact is reported');
    assert.equal(events.at(-1)?.state, 'completed');
  });

  test('text input goes as a text part; a chunked text artifact comes back joined', async () => {
    const outcome = await caller.send({ agent: 'worker', skill: 'story', input: 'tell me', messageId: crypto.randomUUID(), onBehalfOf, signal: AbortSignal.timeout(10_000) });
    assert.equal(outcome.state, 'completed', JSON.stringify(outcome));
    assert.equal(outcome.output, 'one two three');
  });

  test('a failed task is a failed outcome with the agent\'s reason, not worth a retry', async () => {
    const outcome = await caller.send({ agent: 'worker', skill: 'fail', input: 'x', messageId: crypto.randomUUID(), onBehalfOf, signal: AbortSignal.timeout(10_000) });
    assert.equal(outcome.state, 'failed');
    assert.equal(outcome.transient, false);
    assert.equal(outcome.error, 'the lead database is offline');
    assert.ok(outcome.taskId);
  });

  test('input the agent refuses is a failed outcome with its message, not retried', async () => {
    const outcome = await caller.send({ agent: 'worker', skill: 'sum', input: { numbers: 'three' }, messageId: crypto.randomUUID(), onBehalfOf, signal: AbortSignal.timeout(10_000) });
    assert.equal(outcome.state, 'failed');
    assert.equal(outcome.transient, false);
    assert.match(outcome.error, /numbers/);
  });

  test('input-required comes back as the question; the reply carries on to completion', async () => {
    const first = await caller.send({ agent: 'worker', skill: 'ask', input: 'greet me', messageId: crypto.randomUUID(), onBehalfOf, signal: AbortSignal.timeout(10_000) });
    assert.equal(first.state, 'input-required', JSON.stringify(first));
    assert.equal(first.question, 'What is your name?');
    assert.deepEqual(first.data, { field: 'name' });
    const events: ChildEvent[] = [];
    const done = await caller.reply({ agent: 'worker', taskId: first.taskId, contextId: first.contextId, parts: [{ content: { $case: 'text', value: 'Ada' }, metadata: undefined, filename: '', mediaType: '' }], messageId: crypto.randomUUID(), onBehalfOf, signal: AbortSignal.timeout(10_000), onEvent: (e) => events.push(e) });
    assert.equal(done.state, 'completed', JSON.stringify(done));
    assert.equal(done.taskId, first.taskId);
    assert.equal(done.output, 'Hello, Ada');
    assert.ok(!events.some((e) => e.state === 'input-required'), 'the old question is not reported again');
  });

  test('cancel ends a running task; canceling it again, or a completed task, is not an error', async () => {
    const controller = new AbortController();
    let taskId = '';
    const running = caller.send({ agent: 'worker', skill: 'wait', input: 'hold', messageId: crypto.randomUUID(), onBehalfOf, signal: controller.signal, onEvent: (e) => { if (e.text === 'waiting') { taskId = e.taskId; controller.abort(); } } });
    await assert.rejects(running, (err: Error) => err.name === 'AbortError');
    await caller.cancel('worker', taskId, onBehalfOf);
    await caller.cancel('worker', taskId, onBehalfOf);
    const done = await caller.send({ agent: 'worker', skill: 'sum', input: { numbers: [1] }, messageId: crypto.randomUUID(), onBehalfOf, signal: AbortSignal.timeout(10_000) });
    assert.equal(done.state, 'completed');
    await caller.cancel('worker', done.taskId, onBehalfOf);
  });

  test('the runtime answers a repeated messageId with the task it started, replayed from its first event', async () => {
    const message = userMessage('', { parts: [{ data: { numbers: [4, 5], key: 'replay' } }], metadata: { skillId: 'sum' } });
    const stream = () => fetch(host.agents.worker!, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0', accept: 'text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendStreamingMessage', params: { message } }) });
    const first = await readSse(await stream());
    const again = await readSse(await stream());
    assert.equal(runs['replay'], 1, 'the skill ran once');
    assert.ok(first[0]!.data.result.task, 'the first stream opens with the task');
    assert.deepEqual(again.map((f) => f.id), first.map((f) => f.id), 'the same events, from the first');
    assert.equal(again[0]!.data.result.task.id, first[0]!.data.result.task.id);
  });

  test('a stream cut before the task ends is resent with the same messageId: same task, the agent runs once', async () => {
    const hop = await startFlakyHop(host.url, ({ method, n }) => {
      if (method !== 'SendStreamingMessage') return 'pass';
      // The resend arrives while the first run still waits: only now may it finish.
      if (n === 2) latch('cut').open();
      return n === 1 ? 'cut' : 'pass';
    });
    try {
      const cutCaller = createAgentCaller({ directUrl: (agent) => `${hop.url}/agents/${agent}`, retry: fastRetry });
      const announced: string[] = [];
      const events: ChildEvent[] = [];
      const outcome = await cutCaller.send({ agent: 'worker', skill: 'gated', input: { key: 'cut' }, messageId: crypto.randomUUID(), onBehalfOf, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', signal: AbortSignal.timeout(10_000), onTask: (id) => announced.push(id), onEvent: (e) => events.push(e) });
      assert.equal(outcome.state, 'completed', JSON.stringify(outcome));
      assert.deepEqual(outcome.output, { ran: 'cut' });
      assert.equal(runs['cut'], 1, 'the agent ran once');
      assert.deepEqual(announced, [outcome.taskId], 'the task was announced once, and it is the task that completed');
      assert.deepEqual(hop.seen.filter((s) => s.method === 'SendStreamingMessage').map((s) => s.plan), ['cut', 'pass']);
      assert.equal(events.filter((e) => e.text === 'waiting for the latch').length, 1, 'replayed progress is not passed on twice');
      assert.ok(hop.seen.every((s) => s.headers.traceparent === '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), 'traceparent travels on every attempt');
    } finally {
      await hop.close();
    }
  });

  test('transport errors (503, a dropped connection) are retried; the agent runs once', async () => {
    const hop = await startFlakyHop(host.url, ({ method, n }) => (method !== 'SendStreamingMessage' ? 'pass' : n === 1 ? 'unavailable' : n === 2 ? 'reset' : 'pass'));
    try {
      const flaky = createAgentCaller({ directUrl: (agent) => `${hop.url}/agents/${agent}`, retry: fastRetry });
      const outcome = await flaky.send({ agent: 'worker', skill: 'sum', input: { numbers: [2, 2], key: 'flaky' }, messageId: crypto.randomUUID(), onBehalfOf, signal: AbortSignal.timeout(10_000) });
      assert.equal(outcome.state, 'completed', JSON.stringify(outcome));
      assert.deepEqual(outcome.output, { sum: 4 });
      assert.equal(runs['flaky'], 1);
      assert.deepEqual(hop.seen.map((s) => s.plan), ['unavailable', 'reset', 'pass']);
    } finally {
      await hop.close();
    }
  });

  test('after the last attempt a transport failure is a transient failed outcome', async () => {
    const hop = await startFlakyHop(host.url, () => 'unavailable');
    try {
      const down = createAgentCaller({ directUrl: (agent) => `${hop.url}/agents/${agent}`, retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 5 } });
      const outcome = await down.send({ agent: 'worker', skill: 'sum', input: { numbers: [1] }, messageId: crypto.randomUUID(), onBehalfOf, signal: AbortSignal.timeout(10_000) });
      assert.equal(outcome.state, 'failed');
      assert.equal(outcome.transient, true);
      assert.match(outcome.error, /draining.*gave up after 3 attempts/);
      assert.equal(hop.seen.length, 3);
    } finally {
      await hop.close();
    }
  });

  test('a reply whose stream is cut is not sent twice: the caller finds it delivered and follows the task', async () => {
    const first = await caller.send({ agent: 'worker', skill: 'ask', input: 'greet me', messageId: crypto.randomUUID(), onBehalfOf, signal: AbortSignal.timeout(10_000) });
    assert.equal(first.state, 'input-required');
    latch('Grace');
    const hop = await startFlakyHop(host.url, ({ method }) => {
      if (method === 'SubscribeToTask') latch('Grace').open();
      return method === 'SendStreamingMessage' ? 'cut' : 'pass';
    });
    try {
      const cutCaller = createAgentCaller({ directUrl: (agent) => `${hop.url}/agents/${agent}`, retry: fastRetry });
      const done = await cutCaller.reply({ agent: 'worker', taskId: first.taskId, contextId: first.contextId, parts: [{ content: { $case: 'text', value: 'Grace' }, metadata: undefined, filename: '', mediaType: '' }], messageId: crypto.randomUUID(), onBehalfOf, signal: AbortSignal.timeout(10_000) });
      assert.equal(done.state, 'completed', JSON.stringify(done));
      assert.equal(done.output, 'Hello, Grace');
      assert.equal(runs['answer:Grace'], 1, 'the answer reached the agent once');
      assert.deepEqual(hop.seen.map((s) => s.method), ['SendStreamingMessage', 'GetTask', 'SubscribeToTask']);
    } finally {
      await hop.close();
    }
  });

  test('an aborted signal ends the call with an AbortError', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(caller.send({ agent: 'worker', skill: 'sum', input: { numbers: [1] }, messageId: crypto.randomUUID(), onBehalfOf, signal: controller.signal }), { name: 'AbortError' });
  });

  test('a call with a bad tenant is refused before anything is sent', async () => {
    const outcome = await caller.send({ agent: 'worker', input: 'x', messageId: crypto.randomUUID(), onBehalfOf: { tenant: 'no spaces allowed' }, signal: AbortSignal.timeout(10_000) });
    assert.equal(outcome.state, 'failed');
    assert.equal(outcome.transient, false);
    assert.match(outcome.error, /onBehalfOf\.tenant/);
  });
});
