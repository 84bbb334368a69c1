import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { CancelTaskRequest, GetTaskRequest, SubscribeToTaskRequest, type AgentCard, type StreamResponse } from '@a2a-js/sdk';
import { A2AError } from '@a2a-js/sdk/errors';
import { LegacyA2AService } from '@a2a-js/sdk/compat/v0_3/server/grpc';
import { connectAgent } from '../../../src/cli/index.js';
import { runtimeConfigFromEnv } from '../../../src/cli/config/runtime-config-from-env.js';
import { cli } from '../cli/cli-harness.js';
import { createRuntime, defineAgent, type Runtime } from '../../../src/runtime/index.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';
import { CANCELED, asTask, sendRequest, startWaitTask } from '../../helpers/sdk-client.js';
import { TS_CHILD_ARGV } from '../../helpers/typescript-child.js';
import { closeInTurn, directoryRemoval } from '../../helpers/close-in-turn.js';

const V1 = '/lf.a2a.v1.A2AService';

/** One unary call with raw bytes: what a hostile or hand-written client sends. */
function rawUnary(target: string, path: string, body: Buffer): Promise<{ code: number; details: string }> {
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      (err) => {
        client.close();
        resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: '' });
      },
    );
  });
}

// Protobuf wire helpers for requests the SDK's encoder would refuse to build (or overflow on).
function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}
/** The tag and length of a length-delimited field `no` of `length` bytes. */
const head = (no: number, length: number) => Buffer.concat([varint((no << 3) | 2), varint(length)]);
const field = (no: number, payload: Buffer) => Buffer.concat([head(no, payload.length), payload]);
const text = (no: number, s: string) => field(no, Buffer.from(s));

/**
 * google.protobuf.Value nested `depth` Structs deep ({"a":{"a":…null}}). Each level is a prefix of
 * the level inside it (struct_value, its fields entry, the key, the entry's value), so the prefixes
 * are made inside out and joined once: wrapping the whole value at each level copied it `depth`
 * times, seconds at 10,000 levels.
 */
function deepValue(depth: number): Buffer {
  const innermost = Buffer.from([0x08, 0x00]); // null_value = 1
  const key = text(1, 'a');
  const prefixes: Buffer[] = [];
  let length = innermost.length;
  for (let i = 0; i < depth; i++) {
    const valueHead = head(2, length);
    const entryLength = key.length + valueHead.length + length;
    const entryHead = head(1, entryLength);
    const prefix = Buffer.concat([head(5, entryHead.length + entryLength), entryHead, key, valueHead]);
    prefixes.push(prefix);
    length += prefix.length;
  }
  return Buffer.concat([...prefixes.reverse(), innermost]);
}

/** A SendMessageRequest whose message metadata is `depth` levels deep. */
function deepSendMessage(depth: number): Buffer {
  const metadata = field(1, Buffer.concat([text(1, 'deep'), field(2, deepValue(depth))]));
  const message = Buffer.concat([text(1, crypto.randomUUID()), Buffer.from([0x20, 0x01]), field(5, text(1, 'hi')), field(6, metadata)]);
  return field(2, message);
}

describe('gRPC binding (A2A §10)', () => {
  let env: Awaited<ReturnType<typeof startRuntime>>;
  let target: string;
  before(async () => {
    env = await startRuntime(undefined, { grpcPort: 0 });
    const grpcTargets = (await fetchCard(env.url)).supportedInterfaces.filter((i) => i.protocolBinding === 'GRPC');
    target = grpcTargets[0]!.url;
  });
  after(async () => env.close());

  test('the card lists the GRPC interface in 1.0 and 0.3 at the address listen() reports, after JSON-RPC and REST', async () => {
    const card = await fetchCard(env.url);
    const grpcInterfaces = card.supportedInterfaces.filter((i) => i.protocolBinding === 'GRPC');
    assert.deepEqual(grpcInterfaces.map((i) => i.protocolVersion).sort(), ['0.3', '1.0']);
    assert.ok(grpcInterfaces.every((i) => /^localhost:\d+$/.test(i.url)), 'a gRPC target, host:port');
    assert.equal(card.supportedInterfaces[0]?.protocolBinding, 'JSONRPC', 'JSON-RPC stays the preferred interface');
  });

  test('garbage bytes, an unknown method and a message over the limit get gRPC errors; the server keeps answering', async () => {
    const garbage = await rawUnary(target, `${V1}/SendMessage`, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]));
    assert.equal(garbage.code, grpc.status.INVALID_ARGUMENT, garbage.details);
    const legacyGarbage = await rawUnary(target, '/a2a.v1.A2AService/SendStreamingMessage', Buffer.from([0x0a, 0xff, 0xff, 0xff]));
    assert.equal(legacyGarbage.code, grpc.status.INVALID_ARGUMENT, legacyGarbage.details);
    const unknown = await rawUnary(target, `${V1}/NoSuchMethod`, Buffer.alloc(0));
    assert.equal(unknown.code, grpc.status.UNIMPLEMENTED);
    const huge = await rawUnary(target, `${V1}/SendMessage`, field(2, text(1, 'x'.repeat(2 * 1024 * 1024))));
    assert.equal(huge.code, grpc.status.RESOURCE_EXHAUSTED, huge.details);
    const { client } = await connectAgent({ url: env.url, protocol: '1.0', binding: 'grpc' });
    assert.equal(asTask(await client.sendMessage(sendRequest('still here'))).status?.state, 3);
  });

  test('metadata nested past the limit is refused as invalid params; 10,000 deep does not crash the process', async () => {
    const over = await rawUnary(target, `${V1}/SendMessage`, deepSendMessage(150));
    assert.equal(over.code, grpc.status.INVALID_ARGUMENT, over.details);
    assert.match(over.details, /nest deeper than 100 levels/);
    // So deep the decoder itself runs out of stack: still the client's error.
    const deep = await rawUnary(target, `${V1}/SendMessage`, deepSendMessage(10_000));
    assert.equal(deep.code, grpc.status.INVALID_ARGUMENT, deep.details);
    const within = await rawUnary(target, `${V1}/SendMessage`, deepSendMessage(20));
    assert.equal(within.code, grpc.status.OK, within.details);
  });

  test('v0.3 streams carry append and lastChunk on the wire (the SDK v0.3 client drops append when it decodes)', async () => {
    const method = LegacyA2AService.sendStreamingMessage;
    const client = new grpc.Client(target, grpc.credentials.createInsecure());
    const request = { request: { messageId: crypto.randomUUID(), contextId: '', taskId: '', role: 1, content: [{ part: { $case: 'text' as const, value: 'x' } }], metadata: { skillId: 'chunks' }, extensions: [] }, configuration: undefined, metadata: undefined };
    const stream = client.makeServerStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, request);
    const chunks: Array<{ append: boolean; lastChunk: boolean }> = [];
    for await (const event of stream as AsyncIterable<ReturnType<typeof method.responseDeserialize>>) {
      if (event.payload?.$case === 'artifactUpdate') chunks.push({ append: event.payload.value.append, lastChunk: event.payload.value.lastChunk });
    }
    client.close();
    assert.deepEqual(chunks, [
      { append: false, lastChunk: false },
      { append: true, lastChunk: false },
      { append: true, lastChunk: true },
    ]);
  });

  test('SubscribeToTask with a last-event-id resumes after it: the same events as SSE from the same id', async () => {
    const { client } = await connectAgent({ url: env.url, protocol: '1.0', binding: 'grpc' });
    const id = await startWaitTask(client);
    await client.cancelTask(CancelTaskRequest.fromJSON({ id }));
    const overGrpc: StreamResponse[] = [];
    for await (const e of client.resubscribeTask(SubscribeToTaskRequest.fromJSON({ id }), { serviceParameters: { 'last-event-id': '1' } })) overGrpc.push(e);
    const sse = await fetch(`${env.url}/tasks/${id}:subscribe`, { method: 'POST', headers: { 'A2A-Version': '1.0', 'Last-Event-ID': '1', accept: 'text/event-stream' } });
    const overSse = (await sse.text()).split('\n').filter((l) => l.startsWith('data:')).map((l) => JSON.parse(l.slice(5)) as Record<string, unknown>);
    assert.ok(overGrpc.length >= 1, 'events after the first are replayed');
    assert.deepEqual(overGrpc.map((e) => e.payload?.$case), overSse.map((e) => Object.keys(e)[0]));
    const last = overGrpc[overGrpc.length - 1]?.payload;
    assert.equal(last?.$case === 'statusUpdate' && last.value.status?.state, CANCELED);
  });

  test('/metrics counts gRPC calls by method and status', async () => {
    const { client } = await connectAgent({ url: env.url, protocol: '1.0', binding: 'grpc' });
    await client.sendMessage(sendRequest('counted'));
    await assert.rejects(client.getTask(GetTaskRequest.fromJSON({ id: 'not-there' })));
    const text = await (await fetch(`${env.url}/metrics`)).text();
    assert.match(text, /agentmesh_grpc_server_handled_total\{agent="tester",method="\/lf\.a2a\.v1\.A2AService\/SendMessage",code="OK"\} [1-9]/);
    assert.match(text, /agentmesh_grpc_server_handled_total\{agent="tester",method="\/lf\.a2a\.v1\.A2AService\/GetTask",code="NOT_FOUND"\} [1-9]/);
    assert.match(text, /agentmesh_grpc_server_handling_seconds_count\{agent="tester",method="\/lf\.a2a\.v1\.A2AService\/SendMessage"\} [1-9]/);
  });

  test('the CLI sends over gRPC in both versions (--binding grpc), the token going as metadata', async () => {
    for (const protocol of ['1.0', '0.3']) {
      const run = await cli(['send', env.url, 'over grpc', '--binding', 'grpc', '--protocol', protocol, '--token', 'ignored-here']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^state {5}completed$/m);
      assert.match(run.stdout, /over grpc/);
    }
  });

  test('a client that cancels its SubscribeToTask stream frees it: close() is not held by it', async () => {
    // A drain held by the stream would last the whole deadline: a minute, twice the bound below, which
    // leaves room for a loaded CI machine (two cores, load 20 to 40) to close a runtime that is not held.
    const own = await startRuntime(undefined, { grpcPort: 0, shutdownDeadlineMs: 60_000 });
    const { client } = await connectAgent({ url: own.url, protocol: '1.0', binding: 'grpc' });
    const id = await startWaitTask(client);
    const controller = new AbortController();
    const events = client.resubscribeTask(SubscribeToTaskRequest.fromJSON({ id }), { signal: controller.signal });
    assert.equal((await events.next()).done, false);
    // A second stream left open: the drain must end it rather than wait for the task.
    const open = client.resubscribeTask(SubscribeToTaskRequest.fromJSON({ id }));
    assert.equal((await open.next()).done, false);
    controller.abort();
    const started = Date.now();
    const drained = (async () => {
      const rest: StreamResponse[] = [];
      try {
        for await (const e of open) rest.push(e);
      } catch {
        // Cut by the shutdown: also an end.
      }
      return rest;
    })();
    await own.close();
    await drained;
    assert.ok(Date.now() - started < 30_000, `closed in ${Date.now() - started} ms, well before the drain deadline`);
  });
});

describe('gRPC: authentication, tenants, extended card, several agents', () => {
  let runtime: Runtime;
  let dataDir: string;
  let url: string;
  let grpcTargets: Record<string, string>;
  const second = defineAgent({ card: { name: 'second', description: 'Second agent' }, skills: { hello: { description: 'Greets', handler: async () => 'from second' } } });
  const withExtended = defineAgent({
    card: { name: 'tester', description: 'Test agent' },
    extendedCard: { documentationUrl: 'https://example.com/extended-docs' },
    skills: { echo: { description: 'Echoes', handler: async (t: string) => t } },
  });
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-grpc-'));
    runtime = await createRuntime({
      agents: [withExtended, second],
      config: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', grpcPort: 0 },
      // Bearer <tenant>: enough to show the hook runs on gRPC calls and scopes them.
      authenticate: async (request) => {
        const header = request.headers.authorization;
        if (header === undefined) return undefined;
        if (header === 'Bearer bad') throw new Error('unused');
        return { id: 'user', tenant: String(header).replace('Bearer ', ''), scopes: [] };
      },
    });
    const listening = await runtime.listen();
    url = listening.url;
    assert.ok(listening.grpc, 'listen() reports the gRPC targets');
    grpcTargets = listening.grpc;
  });
  after(() => closeInTurn(runtime, directoryRemoval(dataDir)));

  test('every agent has its own gRPC target, listed in its own card', async () => {
    assert.deepEqual(Object.keys(grpcTargets).sort(), ['second', 'tester']);
    assert.notEqual(grpcTargets['second'], grpcTargets['tester']);
    for (const name of ['tester', 'second']) {
      const card = await fetchCard(`${url}/agents/${name}`);
      assert.ok(card.supportedInterfaces.some((i) => i.protocolBinding === 'GRPC' && i.url === grpcTargets[name]));
    }
    const { client } = await connectAgent({ url: `${url}/agents/second`, protocol: '1.0', binding: 'grpc' });
    const task = asTask(await client.sendMessage(sendRequest('hi')));
    assert.equal(task.artifacts[0]?.parts[0]?.content?.$case === 'text' && task.artifacts[0].parts[0].content.value, 'from second');
  });

  test('the authenticate hook sees the metadata: tasks are scoped by the caller tenant', async () => {
    const a = (await connectAgent({ url: `${url}/agents/tester`, protocol: '1.0', binding: 'grpc', token: 'tenant-a' })).client;
    const b = (await connectAgent({ url: `${url}/agents/tester`, protocol: '1.0', binding: 'grpc', token: 'tenant-b' })).client;
    const task = asTask(await a.sendMessage(sendRequest('mine')));
    assert.equal((await a.getTask(GetTaskRequest.fromJSON({ id: task.id }))).id, task.id);
    await assert.rejects(b.getTask(GetTaskRequest.fromJSON({ id: task.id })), (err: unknown) => err instanceof A2AError && err.reason === 'TASK_NOT_FOUND');
  });

  test('GetExtendedAgentCard needs an authenticated caller; with one it answers the extended card', async () => {
    const anonymous = (await connectAgent({ url: `${url}/agents/tester`, protocol: '1.0', binding: 'grpc' })).client;
    const raw = await rawUnary(grpcTargets['tester']!, `${V1}/GetExtendedAgentCard`, Buffer.alloc(0));
    assert.equal(raw.code, grpc.status.UNAUTHENTICATED, raw.details);
    // The SDK client asks for the extended card (GetExtendedAgentCard) because the card says it has one.
    await assert.rejects(anonymous.getAgentCard());
    const authenticated = (await connectAgent({ url: `${url}/agents/tester`, protocol: '1.0', binding: 'grpc', token: 'tenant-a' })).client;
    const card = await authenticated.getAgentCard();
    assert.equal(card.documentationUrl, 'https://example.com/extended-docs');
    // v0.3's GetAgentCard, through the SDK's translation.
    const legacy = (await connectAgent({ url: `${url}/agents/tester`, protocol: '0.3', binding: 'grpc', token: 'tenant-a' })).client;
    assert.equal((await legacy.getAgentCard()).documentationUrl, 'https://example.com/extended-docs');
  });

  test('an authenticate hook that throws refuses the call with a gRPC error, not a crash', async () => {
    const client = new grpc.Client(grpcTargets['tester']!, grpc.credentials.createInsecure());
    const metadata = new grpc.Metadata();
    metadata.set('authorization', 'Bearer bad');
    const outcome = await new Promise<grpc.ServiceError | null>((resolve) => {
      client.makeUnaryRequest(`${V1}/GetTask`, (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), metadata, (err) => resolve(err));
    });
    client.close();
    assert.ok(outcome, 'refused');
    assert.equal(outcome.code, grpc.status.INTERNAL, 'an unexpected hook failure is an internal error, its message hidden');
    assert.doesNotMatch(outcome.details, /unused/);
  });
});

test('behind a gateway (gatewayJwksUrl set), a direct gRPC call without its assertion is refused UNAUTHENTICATED', async () => {
  const env = await startRuntime(undefined, { grpcPort: 0, gatewayJwksUrl: 'http://127.0.0.1:9/.well-known/jwks.json' });
  try {
    const target = (await fetchCard(env.url)).supportedInterfaces.find((i) => i.protocolBinding === 'GRPC')!.url;
    const refused = await rawUnary(target, `${V1}/GetTask`, Buffer.alloc(0));
    assert.equal(refused.code, grpc.status.UNAUTHENTICATED, refused.details);
    assert.match(refused.details, /through the agentmesh gateway only/);
  } finally {
    await env.close();
  }
});

test('GRPC_PORT turns the binding on; unset, it is off and the card lists no GRPC interface', async () => {
  assert.equal(runtimeConfigFromEnv({ GRPC_PORT: '50051' }, {}).grpcPort, 50051);
  assert.equal(runtimeConfigFromEnv({}, {}).grpcPort, undefined);
  assert.throws(() => runtimeConfigFromEnv({ GRPC_PORT: 'x' }, {}), /GRPC_PORT must be a non-negative integer/);
  const env = await startRuntime();
  try {
    assert.ok(!(await fetchCard(env.url)).supportedInterfaces.some((i) => i.protocolBinding === 'GRPC'));
  } finally {
    await env.close();
  }
});

test('a runtime without grpcPort never loads grpc-js; with it, it does', async () => {
  const probe = fileURLToPath(new URL('../../helpers/grpc-lazy-probe.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [...TS_CHILD_ARGV, probe]);
  assert.deepEqual(JSON.parse(stdout), { without: false, with: true });
});

test('a gRPC port in use fails listen(), and close() still ends the runtime', async () => {
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-grpc-busy-'));
  const runtime = await createRuntime({ agents: [defineAgent({ card: { name: 'a', description: 'a' }, skills: { s: { description: 's', handler: async () => 'x' } } })], config: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', grpcPort: (squatter.address() as AddressInfo).port } });
  try {
    await assert.rejects(runtime.listen(), /No address added|EADDRINUSE|address/i);
  } finally {
    await runtime.close();
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
    rmSync(dataDir, { recursive: true, force: true });
  }
});

async function fetchCard(base: string): Promise<AgentCard> {
  const response = await fetch(`${base}/.well-known/agent-card.json`, { headers: { 'A2A-Version': '1.0' } });
  assert.equal(response.status, 200);
  return (await response.json()) as AgentCard;
}
