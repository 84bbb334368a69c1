import { after, before, describe, test } from 'node:test';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import { startAcpReferenceServer, type AcpReferenceServer } from '../../helpers/acp-reference-server.js';
import { available, createClient, fetchToken, startGateway, topUp } from '../../helpers/gateway-fixture.js';
import { call, startRegistry } from '../../helpers/registry-fixture.js';
import { until } from '../../helpers/until.js';

/*
 * The bridge's call lifecycle: a blocking SendMessage whose client
 * leaves before the answer has its ACP run cancelled (nobody could read or
 * pay for it), and a bridged call is a CLIENT span that names its ACP run.
 */

const manifest = (name: string) => ({ name, description: `${name} agent`, input_content_types: ['text/plain'], output_content_types: ['text/plain'] });
const PRICE = 2;

async function setUp(acp: AcpReferenceServer, config: Parameters<typeof startGateway>[1] = {}) {
  const registry = await startRegistry({ probeIntervalMs: 200 });
  const gw = await startGateway(registry.url, { creditsMode: 'exact', ...config });
  for (const name of ['echo', 'holder']) {
    const res = await call(registry.url, 'POST', '/v1/agents', { protocol: 'acp', url: acp.url, name, metadata: { skills: { [name]: { pricing: { creditsPerCall: PRICE } } } } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    await until(`the gateway to route to ${name}`, async () => gw.gateway.router.agent(name)?.instances.some((i) => i.inRotation) ?? false);
  }
  return { registry, gw };
}

/** For one describe block: an ACP reference server whose `echo` and `holder` are registered behind a gateway. */
function bridgedPair(options: { syncOnly?: boolean; asyncOnly?: boolean } = {}, config: Parameters<typeof startGateway>[1] = {}) {
  const f = {} as { acp: AcpReferenceServer; env: Awaited<ReturnType<typeof setUp>> };
  before(async () => {
    f.acp = await startAcpReferenceServer({ manifests: [manifest('echo'), manifest('holder')], behaviours: { echo: 'echo', holder: 'hold' }, ...options });
    f.env = await setUp(f.acp, config);
  });
  after(async () => {
    await f.env?.gw.close();
    await f.env?.registry.close();
    await f.acp?.close();
  });
  return f;
}

function sendBody(text: string, version: '1.0' | '0.3') {
  const message = version === '1.0' ? { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }] } : { kind: 'message', messageId: crypto.randomUUID(), role: 'user', parts: [{ kind: 'text', text }] };
  return JSON.stringify({ jsonrpc: '2.0', id: 1, method: version === '1.0' ? 'SendMessage' : 'message/send', params: { message } });
}

describe('a blocking send whose client leaves before the answer, on a gateway set to halfClose: end', () => {
  // A client that aborts closes its socket: a FIN, which the default (`answer`, ADR 0069) reads as a half-close
  // still waiting for its answer; `end` reads it as the client gone.
  const f = bridgedPair({}, { halfClose: 'end' });

  for (const version of ['1.0', '0.3'] as const) {
    test(`has its ACP run cancelled, and its hold refunded (A2A ${version})`, async () => {
      const tenant = `leaver-${version}`;
      const token = await fetchToken(f.env.gw.url, await createClient(f.env.gw.url, { name: tenant, tenant, scopes: ['a2a:message:send'] }));
      await topUp(f.env.gw.url, tenant, 10);
      const before = await available(f.env.gw.url, tenant);
      const started = f.acp.runOf('holder');
      const controller = new AbortController();
      const answer = fetch(`${f.env.gw.url}/agents/holder`, { method: 'POST', signal: controller.signal, headers: { 'content-type': 'application/json', 'a2a-version': version, authorization: `Bearer ${token}` }, body: sendBody('I will not wait', version) });
      const runId = await started;
      await until('the hold to be taken', async () => (await available(f.env.gw.url, tenant)) === before - PRICE * 1000);
      controller.abort();
      await assert.rejects(answer);
      await until('the ACP run to be cancelled', async () => f.acp.runs.get(runId)?.['status'] === 'cancelled');
      await until('the hold to be refunded', async () => (await available(f.env.gw.url, tenant)) === before);
    });
  }

  test('a client that waits gets its answer, and its run is left alone', async () => {
    const tenant = 'stayer';
    const token = await fetchToken(f.env.gw.url, await createClient(f.env.gw.url, { name: tenant, tenant, scopes: ['a2a:message:send'] }));
    await topUp(f.env.gw.url, tenant, 10);
    const res = await fetch(`${f.env.gw.url}/agents/echo`, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` }, body: sendBody('I wait', '1.0') });
    const body = (await res.json()) as any;
    assert.equal(body.result.task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(body));
    assert.equal(f.acp.runs.get(body.result.task.id)?.['status'], 'completed');
    assert.ok(!f.acp.requests.some((r) => r.includes(`${body.result.task.id}/cancel`)));
    // Every ACP request of this suite, the cancels of left runs included, conformed to the document.
    assert.deepEqual(f.acp.requests.filter((r) => r.startsWith('NONCONFORMING')), []);
    assert.ok(f.acp.requests.some((r) => /^POST \/runs\/[0-9a-f-]{36}\/cancel$/.test(r)), f.acp.requests.join(' '));
  });
});

/** One span as the OTLP/HTTP JSON exporter sends it. */
interface ExportedSpan {
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

/** An in-process OTLP/HTTP receiver keeping every span the gateway exports. */
async function startOtlpReceiver(): Promise<{ server: Server; url: string; spans: ExportedSpan[] }> {
  const spans: ExportedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as any;
      for (const rs of body.resourceSpans ?? []) {
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({ name: s.name, kind: s.kind, attributes: Object.fromEntries((s.attributes ?? []).map((a: any) => [a.key, a.value.stringValue ?? a.value.intValue ?? a.value.boolValue])) });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans };
}

describe('a bridged call is traced', () => {
  test('as a CLIENT span naming the agent, the tenant and the ACP run; the ACP agent continues the trace', async () => {
    const receiver = await startOtlpReceiver();
    const acp = await startAcpReferenceServer({ manifests: [manifest('echo'), manifest('holder')], behaviours: { echo: 'echo', holder: 'hold' } });
    const traceparents: string[] = [];
    const env = await setUp(acp, { otlpEndpoint: receiver.url });
    try {
      const token = await fetchToken(env.gw.url, await createClient(env.gw.url, { name: 'traced', tenant: 'traced', scopes: ['a2a:message:send', 'a2a:tasks:read'] }));
      await topUp(env.gw.url, 'traced', 10);
      const rpc = async (method: string, params: unknown) => {
        const res = await fetch(`${env.gw.url}/agents/echo`, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
        return (await res.json()) as any;
      };
      const sent = await rpc('SendMessage', { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'trace me' }] } });
      const runId = sent.result.task.id as string;
      assert.equal((await rpc('GetTask', { id: runId })).result.id, runId);
      traceparents.push(...acp.traceparents);
    } finally {
      // Closing flushes the gateway's span batch to the receiver.
      await env.gw.close();
      await env.registry.close();
      await acp.close();
    }
    const bridged = receiver.spans.filter((s) => s.name.startsWith('ACP '));
    receiver.server.close();
    const send = bridged.find((s) => s.name === 'ACP SendMessage');
    const get = bridged.find((s) => s.name === 'ACP GetTask');
    assert.ok(send && get, JSON.stringify(receiver.spans.map((s) => s.name)));
    assert.equal(send.kind, 3, 'a CLIENT span');
    assert.match(String(send.attributes['acp.run.id']), /^[0-9a-f-]{36}$/);
    assert.equal(get.attributes['acp.run.id'], send.attributes['acp.run.id']);
    assert.equal(send.attributes['a2a.task.id'], send.attributes['acp.run.id']);
    assert.equal(send.attributes['a2a.agent'], 'echo');
    assert.equal(send.attributes['agentmesh.tenant'], 'traced');
    // The ACP agent's requests carried a traceparent (the bridge's span is its parent): the agent can continue the trace.
    assert.ok(traceparents.length > 0 && traceparents.every((t) => /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/.test(t)), JSON.stringify(traceparents));
  });
});

describe('the PII policy applies to a bridged agent', () => {
  let acp: AcpReferenceServer;
  let env: Awaited<ReturnType<typeof setUp>>;
  before(async () => {
    acp = await startAcpReferenceServer({ manifests: [manifest('echo'), manifest('holder')], behaviours: { echo: 'echo', holder: 'hold' } });
    env = await setUp(acp, { pii: { default: { action: 'redact', kinds: ['email'] } } });
  });
  after(async () => {
    await env?.gw.close();
    await env?.registry.close();
    await acp?.close();
  });

  for (const version of ['1.0', '0.3'] as const) {
    test(`redact: the ACP agent receives the message with the address replaced (A2A ${version})`, async () => {
      const tenant = `pii-${version}`;
      const token = await fetchToken(env.gw.url, await createClient(env.gw.url, { name: tenant, tenant, scopes: ['a2a:message:send'] }));
      await topUp(env.gw.url, tenant, 10);
      const res = await fetch(`${env.gw.url}/agents/echo`, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': version, authorization: `Bearer ${token}` }, body: sendBody('mail ada@example.com', version) });
      const body = (await res.json()) as any;
      const task = version === '1.0' ? body.result?.task : body.result;
      assert.ok(task?.id, JSON.stringify(body));
      const input = JSON.stringify(acp.runs.get(task.id)?.['output']);
      assert.ok(!input.includes('ada@example.com'), input);
      assert.match(input, /mail \[redacted:email\]/);
    });
  }
});

describe('an ACP server without stream mode', () => {
  const f = bridgedPair({ syncOnly: true });

  for (const version of ['1.0', '0.3'] as const) {
    test(`answers a blocking send from the run it returns whole (A2A ${version})`, async () => {
      const tenant = `sync-only-${version}`;
      const token = await fetchToken(f.env.gw.url, await createClient(f.env.gw.url, { name: tenant, tenant, scopes: ['a2a:message:send'] }));
      await topUp(f.env.gw.url, tenant, 10);
      const res = await fetch(`${f.env.gw.url}/agents/echo`, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': version, authorization: `Bearer ${token}` }, body: sendBody('hello without a stream', version) });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { result?: any; error?: unknown };
      assert.equal(body.error, undefined, JSON.stringify(body.error));
      const task = version === '1.0' ? body.result.task : body.result;
      assert.equal(version === '1.0' ? task.status.state : task.status.state, version === '1.0' ? 'TASK_STATE_COMPLETED' : 'completed');
      assert.match(JSON.stringify(task.artifacts ?? task.history), /hello without a stream/);
    });
  }

  test('answers a streaming send with the events of the run it returns whole, ending completed (A2A 1.0)', async () => {
    const tenant = 'sync-only-stream';
    const token = await fetchToken(f.env.gw.url, await createClient(f.env.gw.url, { name: tenant, tenant, scopes: ['a2a:message:send'] }));
    await topUp(f.env.gw.url, tenant, 10);
    const body = sendBody('streamed without a stream', '1.0').replace('"SendMessage"', '"SendStreamingMessage"');
    const res = await fetch(`${f.env.gw.url}/agents/echo`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'a2a-version': '1.0', authorization: `Bearer ${token}` }, body });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = (await res.text())
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => JSON.parse(l.slice(5)) as { result?: any; error?: unknown });
    assert.ok(events.length > 0 && events.every((e) => e.error === undefined), JSON.stringify(events));
    assert.ok(events[0]!.result.task, JSON.stringify(events[0]));
    assert.equal(events.at(-1)!.result.statusUpdate?.status?.state, 'TASK_STATE_COMPLETED', JSON.stringify(events.at(-1)));
    assert.match(JSON.stringify(events), /streamed without a stream/);
  });
});

describe('an ACP server that answers a stream run at once, still running (202)', () => {
  const f = bridgedPair({ asyncOnly: true });

  test('a blocking send reads the run until it ends, then answers the task', async () => {
    const tenant = 'async-only';
    const token = await fetchToken(f.env.gw.url, await createClient(f.env.gw.url, { name: tenant, tenant, scopes: ['a2a:message:send'] }));
    await topUp(f.env.gw.url, tenant, 10);
    const started = f.acp.runOf('holder');
    const answer = fetch(`${f.env.gw.url}/agents/holder`, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` }, body: sendBody('wait for me', '1.0') });
    const runId = await started;
    // Answered 202 while it runs: the bridge reads it again (GET /runs/{id}) until it ends.
    await until('the bridge to read the run again', async () => f.acp.requests.some((r) => r === `GET /runs/${runId}`));
    f.acp.release(runId);
    const res = await answer;
    assert.equal(res.status, 200);
    const body = (await res.json()) as { result: { task: { id: string; status: { state: string } } } };
    assert.equal(body.result.task.id, runId);
    assert.equal(body.result.task.status.state, 'TASK_STATE_COMPLETED');
    assert.deepEqual(f.acp.requests.filter((r) => r.startsWith('NONCONFORMING')), []);
  });
});
