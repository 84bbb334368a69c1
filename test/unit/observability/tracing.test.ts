import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../../src/observability/logger.js';
import { createTracing } from '../../../src/observability/tracing.js';
import { requestContext } from '../../../src/observability/request-context.js';
import { tracedFetch } from '../../../src/observability/traced-fetch.js';
import type { RequestSpan, Tracing } from '../../../src/observability/index.js';
import { memoryDestination } from '../../helpers/memory-log.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';
const INCOMING = `00-${TRACE_ID}-${PARENT_ID}-01`;
const TRACEPARENT_RE = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

const silent = createLogger({ level: 'silent' });

/** Runs `fn` inside the context the HTTP server would set up for a request carrying `headers`. */
function inRequest<R>(tracing: Tracing, headers: IncomingHttpHeaders, fn: (span: RequestSpan) => R): R {
  const span = tracing.startRequestSpan({ method: 'POST', url: '/message:send?token=x', headers });
  return requestContext.run({ reqId: 'r1', traceId: span.traceId, otelContext: span.context }, () => fn(span));
}

function parse(traceparent: string | undefined): { traceId: string; spanId: string; flags: string } {
  const m = TRACEPARENT_RE.exec(traceparent ?? '');
  assert.ok(m, `not a traceparent: ${traceparent}`);
  return { traceId: m[1] ?? '', spanId: m[2] ?? '', flags: m[3] ?? '' };
}

/** A server on port 0 that records the headers of each request. */
async function recordingServer(): Promise<{ server: Server; url: string; seen: IncomingHttpHeaders[]; bodies: string[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, bodies };
}

describe('createTracing without an OTLP endpoint', () => {
  const tracing = createTracing({ serviceName: 'test', logger: silent });

  test('is disabled and adds nothing outside a request', () => {
    assert.equal(tracing.enabled, false);
    const headers = { accept: 'application/json' };
    assert.deepEqual(tracing.injectTraceparent(headers), { accept: 'application/json' });
  });

  test('continues an incoming traceparent with a child span id', () => {
    const out = inRequest(tracing, { traceparent: INCOMING, tracestate: 'vendor=abc' }, (span) => {
      assert.equal(span.traceId, TRACE_ID);
      return tracing.injectTraceparent({ 'content-type': 'application/json' });
    });
    const tp = parse(out.traceparent);
    assert.equal(tp.traceId, TRACE_ID, 'same trace');
    assert.notEqual(tp.spanId, PARENT_ID, 'new span id');
    assert.notEqual(tp.spanId, '0000000000000000');
    assert.equal(tp.flags, '01', 'sampled flag kept');
    assert.equal(out.tracestate, 'vendor=abc');
    assert.equal(out['content-type'], 'application/json');
  });

  test('gives every outbound call of one request the same parent span', () => {
    const [a, b] = inRequest(tracing, { traceparent: INCOMING }, () => [tracing.injectTraceparent({}), tracing.injectTraceparent({})]);
    assert.equal(parse(a?.traceparent).spanId, parse(b?.traceparent).spanId);
  });

  test('ignores a malformed traceparent', () => {
    const out = inRequest(tracing, { traceparent: '00-zz-yy-01' }, (span) => {
      assert.equal(span.traceId, undefined);
      return tracing.injectTraceparent({});
    });
    assert.equal(out.traceparent, undefined);
  });

  test('keeps a traceparent the caller already set', () => {
    const mine = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-00`;
    const out = inRequest(tracing, { traceparent: INCOMING }, () => tracing.injectTraceparent({ traceparent: mine }));
    assert.equal(out.traceparent, mine);
  });

  test('tracedFetch sends the child traceparent to the peer', async (t) => {
    const peer = await recordingServer();
    t.after(() => peer.server.close());
    const res = await inRequest(tracing, { traceparent: INCOMING }, () =>
      tracedFetch(tracing, `${peer.url}/a2a`, { method: 'POST', headers: { 'x-custom': 'kept' }, body: '{}' }),
    );
    assert.equal(res.status, 200);
    const tp = parse(peer.seen[0]?.traceparent as string);
    assert.equal(tp.traceId, TRACE_ID);
    assert.notEqual(tp.spanId, PARENT_ID);
    assert.equal(peer.seen[0]?.['x-custom'], 'kept');
  });

  test('tracedFetch sends no traceparent when there is no trace', async (t) => {
    const peer = await recordingServer();
    t.after(() => peer.server.close());
    await tracedFetch(tracing, new URL(`${peer.url}/a2a`));
    assert.equal(peer.seen[0]?.traceparent, undefined);
  });

  test('shutdown resolves at once', async () => {
    await tracing.shutdown();
  });
});

describe('createTracing with an OTLP endpoint', () => {
  /** A recording OTLP collector and a recording peer, both closed after the test. */
  const collectorAndPeer = async (t: TestContext) => {
    const collector = await recordingServer();
    const peer = await recordingServer();
    t.after(() => {
      collector.server.close();
      peer.server.close();
    });
    return { collector, peer };
  };

  test('records server and client spans in the incoming trace and exports them', async (t) => {
    const { collector, peer } = await collectorAndPeer(t);
    const { stream: destination, lines: logLines } = memoryDestination();
    const logger = createLogger({ destination });
    const tracing = createTracing({ serviceName: 'agentmesh-test', otlpEndpoint: collector.url, logger });
    assert.equal(tracing.enabled, true);

    const span = tracing.startRequestSpan({ method: 'POST', url: '/message:send', headers: { traceparent: INCOMING } });
    assert.equal(span.traceId, TRACE_ID);
    await requestContext.run({ reqId: 'r1', traceId: span.traceId, otelContext: span.context }, () =>
      tracedFetch(tracing, `${peer.url}/downstream`, { method: 'POST', body: '{}' }),
    );
    span.end({ statusCode: 200, route: '/message:send' });

    const outbound = parse(peer.seen[0]?.traceparent as string);
    assert.equal(outbound.traceId, TRACE_ID);
    assert.notEqual(outbound.spanId, PARENT_ID);

    await tracing.shutdown(); // flushes the batch processor
    const exported = collector.bodies.join('\n');
    assert.equal(collector.seen[0]?.['content-type'], 'application/json');
    assert.ok(exported.includes(TRACE_ID), 'spans carry the incoming trace id');
    assert.ok(exported.includes('POST /message:send'), 'server span named after the route');
    assert.ok(exported.includes('agentmesh-test'), 'service.name resource');
    assert.ok(exported.includes(outbound.spanId), 'the client span is the parent the peer saw');
    assert.ok(logLines.some((l) => l.includes('tracing enabled') && l.includes('/v1/traces')));
  });

  test("a client span parents the called service; the caller's traceparent becomes its parent", async (t) => {
    const { collector, peer } = await collectorAndPeer(t);
    const tracing = createTracing({ serviceName: 'agentmesh-test', otlpEndpoint: collector.url, logger: silent });
    // No span active, no request: as a step call made from a workflow resumed later.
    await tracedFetch(tracing, `${peer.url}/agents/scorer/message:send`, { method: 'POST', headers: { traceparent: INCOMING }, body: '{}' });
    const outbound = parse(peer.seen[0]?.traceparent as string);
    assert.equal(outbound.traceId, TRACE_ID);
    assert.notEqual(outbound.spanId, PARENT_ID, 'the peer sees the client span, not the caller');
    await tracing.shutdown();
    const spans = collector.bodies.flatMap((b) => (JSON.parse(b) as any).resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans)));
    const client = spans.find((sp: any) => sp.spanId === outbound.spanId);
    assert.ok(client, 'the client span was exported');
    assert.equal(client.parentSpanId, PARENT_ID);
    assert.equal(client.name, 'POST /agents/{name}/message:send');
  });

  test('rejects an endpoint that is not a URL', () => {
    assert.throws(() => createTracing({ serviceName: 's', otlpEndpoint: 'not a url', logger: silent }), /"otlpEndpoint" option must be an absolute URL/);
  });
});
