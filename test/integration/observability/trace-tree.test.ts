import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient, fetchToken } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, startMeshOrchestrator, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { outputsOf, runMessage } from '../../helpers/orchestrator-fixture.js';
import { KIND, startOtlpReceiver, type ExportedSpan } from '../../helpers/otlp-receiver.js';
import { until } from '../../helpers/until.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';

/** A push webhook on port 0: keeps each notification's body and traceparent. */
async function startWebhook(): Promise<{ server: Server; url: string; hits: Array<{ traceparent: string | undefined; body: string }> }> {
  const hits: Array<{ traceparent: string | undefined; body: string }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({ traceparent: req.headers.traceparent as string | undefined, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, hits };
}

const scorer = oneSkillAgent({ name: 'trace-scorer', description: 'Scores leads' }, 'score', {
  description: 'Scores leads',
  input: { type: 'object', required: ['leadIds'], properties: { leadIds: { type: 'array', items: { type: 'string' } } } },
  handler: async ({ leadIds }: { leadIds: string[] }) => ({ scored: leadIds.length }),
});

describe('one orchestrated call through the gateway is one trace', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let webhook: Awaited<ReturnType<typeof startWebhook>>;
  let mesh: GatewayMesh;
  let gw: GatewayMesh['gw'];
  let orch: Awaited<ReturnType<typeof startMeshOrchestrator>>;
  let token: string;
  let closed: Promise<void> | undefined;
  /** Stops every role; their tracing flushes its batch to the receiver on the way (no waiting for a timer). */
  const closeAll = (): Promise<void> =>
    (closed ??= (async () => {
      await orch?.close();
      await mesh?.close();
    })());

  before(async () => {
    receiver = await startOtlpReceiver();
    webhook = await startWebhook();
    const otlpEndpoint = receiver.url;
    mesh = await startGatewayMesh({ agents: [scorer], gateway: { otlpEndpoint }, runtime: { otlpEndpoint } });
    gw = mesh.gw;
    orch = await startMeshOrchestrator(mesh, { runtime: { otlpEndpoint, allowHosts: ['127.0.0.1'] } });
    token = await fetchToken(gw.url, await createClient(gw.url, { name: 'acme-app', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read'] }));
  });
  after(async () => {
    await closeAll();
    receiver?.server.close();
    webhook?.server.close();
  });

  it('links client → gateway → orchestrator → skill → gateway → agent → skill (and the push deliveries) by parent span ids', async () => {
    // The user's own tracer made the call: the whole tree hangs under its span.
    const traceId = randomBytes(16).toString('hex');
    const userSpanId = randomBytes(8).toString('hex');
    const res = await fetch(`${gw.url}/agents/orchestrator`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}`, traceparent: `00-${traceId}-${userSpanId}-01` },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'SendMessage',
        params: {
          message: runMessage('name: traced\nsteps:\n  - { id: score, call: { agent: trace-scorer }, input: { leadIds: [l1, l2] } }\n'),
          configuration: { taskPushNotificationConfig: { url: webhook.url, token: 'trace-test' } },
        },
      }),
    });
    const body = (await res.json()) as any;
    assert.equal(res.status, 200, JSON.stringify(body));
    const task = body.result.task;
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    assert.deepEqual(outputsOf(task), { scored: 2 });

    await until('the push of the completed task is delivered', () => webhook.hits.some((h) => h.body.includes('TASK_STATE_COMPLETED')));

    // Exemplars: an OpenMetrics scrape (as Prometheus asks) links the latency bucket to this trace;
    // the text format has none, and its counters keep their `_total` after an OpenMetrics scrape.
    const scrape = async (accept: string) => {
      const r = await fetch(gw.metricsUrl, { headers: { accept } });
      return { type: r.headers.get('content-type') ?? '', body: await r.text() };
    };
    const om = await scrape('application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2');
    assert.match(om.type, /^application\/openmetrics-text; version=1\.0\.0/);
    const exemplar = om.body.split('\n').find((l) => l.startsWith('agentmesh_http_request_duration_seconds_bucket{') && l.includes('route="/agents/:name"') && l.includes(`# {trace_id="${traceId}"}`));
    assert.ok(exemplar, `an exemplar names the trace:\n${om.body.split('\n').filter((l) => l.includes('http_request_duration_seconds_bucket') && l.includes(' # ')).join('\n')}`);
    assert.ok(om.body.endsWith('# EOF\n'));
    const text = await scrape('*/*');
    assert.match(text.type, /^text\/plain; version=0\.0\.4/);
    assert.ok(!text.body.includes(' # {'), 'no exemplars in the text format');
    assert.match(text.body, /^agentmesh_http_requests_total\{/m);

    await closeAll();
    assert.ok(receiver.contentTypes.length > 0, 'the exporters posted to the receiver');
    assert.ok(receiver.contentTypes.every((t) => t === 'application/json'), `OTLP/HTTP JSON, got ${receiver.contentTypes.join(', ')}`);

    const all = receiver.spans;
    const inTrace = all.filter((s) => s.traceId === traceId);
    const dump = () => inTrace.map((s) => `${s.service} ${s.spanId}<-${s.parentSpanId} k${s.kind} ${s.name} ${JSON.stringify(s.attributes)}`).join('\n');
    // Every span working for tenant acme (the one call of this test) belongs to the one trace;
    // the runtimes' own registrations with the registry are traces of their own.
    const forAcme = all.filter((s) => s.attributes['agentmesh.tenant'] === 'acme');
    assert.ok(forAcme.length >= 8, `expected the call's spans, got:\n${dump()}`);
    for (const s of forAcme) assert.equal(s.traceId, traceId, `span ${s.service} ${s.name} is in another trace`);
    const ids = new Set(inTrace.map((s) => s.spanId));
    assert.equal(ids.size, inTrace.length, 'span ids are unique');

    const childOf = (parent: { spanId: string }, where: (s: ExportedSpan) => boolean, what: string): ExportedSpan => {
      const found = inTrace.filter((s) => s.parentSpanId === parent.spanId && where(s));
      assert.equal(found.length, 1, `one ${what} under ${parent.spanId}; the trace:\n${dump()}`);
      return found[0]!;
    };
    const server = (service: string) => (s: ExportedSpan) => s.service === service && s.kind === KIND.SERVER;
    const client = (service: string, agent: string) => (s: ExportedSpan) => s.service === service && s.kind === KIND.CLIENT && s.attributes['a2a.agent'] === agent;

    const g1 = childOf({ spanId: userSpanId }, server('agentmesh-gateway'), 'gateway server span');
    const g1c = childOf(g1, client('agentmesh-gateway', 'orchestrator'), 'gateway upstream span to the orchestrator');
    const o = childOf(g1c, server('agentmesh-orchestrator'), 'orchestrator server span');
    const os = childOf(o, (s) => s.service === 'agentmesh-orchestrator' && s.kind === KIND.INTERNAL, 'orchestrator skill span');
    const oc = childOf(os, client('agentmesh-orchestrator', 'trace-scorer'), 'orchestrator step call');
    const g2 = childOf(oc, server('agentmesh-gateway'), 'gateway server span of the step');
    const g2c = childOf(g2, client('agentmesh-gateway', 'trace-scorer'), 'gateway upstream span to the agent');
    const a = childOf(g2c, server('agentmesh-runtime'), 'agent server span');
    const as = childOf(a, (s) => s.service === 'agentmesh-runtime' && s.kind === KIND.INTERNAL, 'agent skill span');

    // Names: low-cardinality, per the HTTP semantic conventions (`{method} {route}` / `{method} {url.template}`).
    for (const s of [g1, g2, o, a]) {
      assert.equal(s.name, `POST ${s.attributes['http.route']}`, `server span name: ${s.name}`);
      assert.equal(s.attributes['http.request.method'], 'POST');
      assert.equal(s.attributes['http.response.status_code'], 200);
      assert.ok(String(s.attributes['url.path']).startsWith('/'), 'url.path');
    }
    assert.equal(g1.attributes['url.path'], '/agents/orchestrator');
    assert.equal(g1.name, 'POST /agents/:name');
    for (const s of [g1c, g2c, oc]) {
      assert.equal(s.name, `POST ${s.attributes['url.template']}`, `client span name: ${s.name}`);
      assert.match(s.name, /^POST \/agents\/\{name\}/);
      assert.equal(s.attributes['http.response.status_code'], 200);
    }
    assert.equal(oc.attributes['server.address'], new URL(gw.url).hostname);
    assert.equal(os.name, 'execute_skill run-workflow');
    assert.equal(as.name, 'execute_skill score');

    // agentmesh attributes, where each role knows them.
    assert.equal(g1.attributes['a2a.agent'], 'orchestrator');
    assert.equal(o.attributes['a2a.agent'], 'orchestrator');
    assert.equal(g2.attributes['a2a.agent'], 'trace-scorer');
    assert.equal(a.attributes['a2a.agent'], 'trace-scorer');
    for (const s of [g1, g1c, g2, g2c, a, o, os, as]) assert.equal(s.attributes['agentmesh.tenant'], 'acme', `${s.service} ${s.name} names the tenant`);
    assert.deepEqual(
      { agent: as.attributes['a2a.agent'], skill: as.attributes['a2a.skill'], state: as.attributes['a2a.task.state'] },
      { agent: 'trace-scorer', skill: 'score', state: 'TASK_STATE_COMPLETED' },
    );
    assert.match(String(as.attributes['a2a.task.id']), /^[0-9a-f-]{36}$/);
    assert.equal(os.attributes['a2a.task.id'], task.id, 'the orchestrator skill span names the task the user got');
    assert.equal(o.attributes['a2a.task.id'], task.id, 'so does the server span that created it');
    assert.equal(a.attributes['a2a.task.id'], as.attributes['a2a.task.id']);
    assert.equal(os.attributes['a2a.agent'], 'orchestrator');

    // Push deliveries: CLIENT spans of the orchestrator in the same trace, under the request
    // (events before the skill started) or the skill; each is the parent the webhook saw.
    const pushes = all.filter((s) => s.kind === KIND.CLIENT && String(s.attributes['url.full'] ?? '') === webhook.url);
    assert.ok(pushes.length >= 1 && pushes.length >= webhook.hits.length, `a span per webhook call; the trace:\n${dump()}`);
    for (const p of pushes) {
      assert.equal(p.traceId, traceId, 'the push delivery is in the trace of the call');
      assert.ok([o.spanId, os.spanId].includes(p.parentSpanId), `push span under the orchestrator's request or skill, not ${p.parentSpanId}`);
      assert.equal(p.name, 'POST');
      assert.equal(p.service, 'agentmesh-orchestrator');
      assert.equal(p.attributes['a2a.task.id'], task.id);
      assert.equal(p.attributes['http.response.status_code'], 204);
    }
    assert.ok(pushes.some((p) => p.parentSpanId === os.spanId), 'the completion push hangs under the skill');
    for (const hit of webhook.hits) {
      const parent = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(hit.traceparent ?? '');
      assert.ok(parent, `webhook traceparent: ${hit.traceparent}`);
      assert.equal(parent[1], traceId);
      assert.ok(pushes.some((p) => p.spanId === parent[2]), 'the webhook sees its push span as parent');
    }
  });
});
