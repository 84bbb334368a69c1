import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { call, sampleCard, startRegistry } from '../../helpers/registry-fixture.js';
import { startRuntime, userMessage } from '../../helpers/runtime-fixture.js';
import { sseFrames, type SseFrame } from '../../helpers/sse-frames.js';
import { until } from '../../helpers/until.js';
import type { AgentDefinition } from '../../../src/runtime/index.js';
import { startRouterApp, startUpstream } from './routing-harness.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';

/** Gates the `gated` skill between its first and second event; a test opens it. */
let openGate: () => void = () => undefined;
let gate: Promise<void> = Promise.resolve();
function closeGate(): void {
  gate = new Promise<void>((resolve) => (openGate = resolve));
}

const streamer: AgentDefinition = oneSkillAgent({ name: 'streamer', description: 'Streams in steps a test controls' }, 'gated', {
  description: 'Reports progress, waits for the gate, then answers',
  handler: async (text: string, ctx) => {
    ctx.progress('first step done');
    await gate;
    ctx.artifact({ name: 'result', parts: [{ text: `${text}: one ` }] });
    ctx.progress('second step done');
    return `${text}: done`;
  },
});

type Frame = SseFrame;

/** Reads the SSE frames that carry data from a response, one at a time. */
function frames(response: Response): { next: () => Promise<Frame | undefined>; cancel: () => Promise<void> } {
  const stream = sseFrames(response.body!);
  return {
    async next() {
      for (let frame = await stream.next(); frame !== undefined; frame = await stream.next()) if (frame.data !== undefined) return frame;
      return undefined;
    },
    cancel: stream.cancel,
  };
}

const stateOf = (frame: Frame) => frame.data.result?.statusUpdate?.status?.state ?? frame.data.result?.task?.status?.state;
const textOf = (frame: Frame) => frame.data.result?.statusUpdate?.status?.message?.parts?.[0]?.text;

describe('streams through the router', () => {
  let reg: Awaited<ReturnType<typeof startRegistry>>;
  let host: Awaited<ReturnType<typeof startRuntime>>;
  let gw: Awaited<ReturnType<typeof startRouterApp>>;
  const tapped: Buffer[] = [];

  before(async () => {
    reg = await startRegistry({ probeIntervalMs: 60_000 });
    host = await startRuntime([streamer], { registryUrl: reg.url });
    gw = await startRouterApp(reg.url, { tap: (chunk) => tapped.push(chunk) });
    await until('streamer cached', () => gw.router.agent('streamer')?.instances[0]?.inRotation === true);
  });
  after(async () => {
    openGate();
    // Every stream has ended by now, but fetch's pool keeps a connection it opened beside the dropped
    // stream and never sent a request on: node:http does not count that one idle, so close() waited
    // until the client gave it up (the 72 s keep-alive the server announces, a minute of every run).
    gw.app.server.closeAllConnections();
    await gw.close();
    await host.close();
    await reg.close();
  });

  test('SendStreamingMessage passes through unbuffered: each event reaches the client before the agent produces the next', async () => {
    closeGate();
    tapped.length = 0;
    const response = await fetch(`${gw.url}/agents/streamer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', accept: 'text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendStreamingMessage', params: { message: userMessage('report') } }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff', "the gateway's own headers are kept");
    const stream = frames(response);
    const seen: Frame[] = [];
    // The agent is held at the gate: these can only arrive if the router relays as it reads.
    while (!seen.some((f) => textOf(f) === 'first step done')) {
      const frame = await stream.next();
      assert.ok(frame, 'the stream is still open');
      seen.push(frame);
    }
    openGate();
    for (let frame = await stream.next(); frame !== undefined; frame = await stream.next()) seen.push(frame);
    assert.equal(stateOf(seen.at(-1)!), 'TASK_STATE_COMPLETED');
    const ids = seen.map((f) => Number(f.id));
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    const result = gw.results.at(-1)!;
    assert.equal(result.status, 200);
    assert.equal(result.contentType, 'text/event-stream');
    assert.equal(
      Buffer.concat(tapped).toString().split('\n\n').filter((b) => b.includes('data: ')).length,
      seen.length,
      'the tap saw every event the client saw',
    );
  });

  test('a client that drops a stream resumes it through the router with SubscribeToTask and Last-Event-ID', async () => {
    closeGate();
    const client = new AbortController();
    const response = await fetch(`${gw.url}/agents/streamer`, {
      method: 'POST',
      signal: client.signal,
      headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', accept: 'text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendStreamingMessage', params: { message: userMessage('resume me') } }),
    });
    const stream = frames(response);
    const before: Frame[] = [];
    while (!before.some((f) => textOf(f) === 'first step done')) before.push((await stream.next())!);
    const taskId = before[0]!.data.result.task.id as string;
    const lastSeen = before.at(-1)!.id!;
    client.abort();
    await until('the dropped stream released upstream', () => gw.router.stats().every((s) => s.outstanding === 0));
    openGate();

    const resumed = await fetch(`${gw.url}/agents/streamer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', 'last-event-id': lastSeen },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'SubscribeToTask', params: { id: taskId } }),
    });
    assert.equal(resumed.status, 200);
    const rest: Frame[] = [];
    const reader = frames(resumed);
    for (let frame = await reader.next(); frame !== undefined; frame = await reader.next()) rest.push(frame);
    assert.ok(rest.length >= 2, JSON.stringify(rest));
    assert.ok(rest.every((f) => Number(f.id) > Number(lastSeen)), 'only what came after Last-Event-ID');
    assert.equal(new Set([...before, ...rest].map((f) => f.id)).size, before.length + rest.length, 'no event twice');
    assert.equal(stateOf(rest.at(-1)!), 'TASK_STATE_COMPLETED');
    assert.ok(rest.some((f) => f.data.result.artifactUpdate?.artifact.parts[0].text === 'resume me: one '));
  });
});

test('backpressure: a client that stops reading stops the router reading the instance', async () => {
  const reg = await startRegistry({ probeIntervalMs: 60_000 });
  const chunk = Buffer.alloc(64 * 1024, 'x');
  // Several times what the sockets and the router buffer between the two (the stall came at 9.5 MiB), so
  // an instance that kept writing while nobody read would go past the bound below.
  const planned = 128 * 1024 * 1024;
  let written = 0;
  let blockedAt = 0;
  let finished = false;
  const upstream = await startUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const pump = () => {
      while (written < planned) {
        written += chunk.length;
        if (!res.write(chunk)) {
          blockedAt = Date.now();
          res.once('drain', pump);
          return;
        }
      }
      finished = true;
      res.end();
    };
    pump();
  });
  const gw = await startRouterApp(reg.url);
  try {
    assert.equal((await call(reg.url, 'PUT', '/v1/agents/firehose', { card: sampleCard('firehose') })).status, 201);
    assert.equal((await call(reg.url, 'POST', '/v1/agents/firehose/instances', { url: upstream.url })).status, 201);
    await until('firehose cached', () => gw.router.agent('firehose')?.instances.length === 1);
    // A client that reads the headers, then nothing.
    const request = httpRequest(`${gw.url}/agents/firehose/stream`);
    request.end();
    const [response] = (await once(request, 'response')) as [IncomingMessage];
    response.pause();
    // The instance is stuck once its writes have waited a while with no drain.
    await until('the instance blocked for good', () => blockedAt > 0 && Date.now() - blockedAt > 300 && !finished);
    const stalledAt = written;
    assert.ok(stalledAt < planned / 4, `the instance wrote ${stalledAt} bytes of ${planned} while nobody read`);
    // Reading again lets everything through, intact.
    let received = 0;
    response.on('data', (data: Buffer) => (received += data.length));
    response.resume();
    await once(response, 'end');
    assert.equal(received, planned);
    console.log(`# backpressure: the instance stalled after ${(stalledAt / 1048576).toFixed(1)} MiB of ${planned / 1048576} MiB while the client read nothing`);
  } finally {
    await gw.close();
    await upstream.close();
    await reg.close();
  }
});
