import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { connect, type AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkLlhttp, checkServerInternals, loadLlhttp, loadServerInternals } from '../../../src/http/node-http-internals.js';
import { dataPlaneServerFactory, loadFrontInternals } from '../../../src/http/server/data-plane.js';
import { ServerState } from '../../../src/http/lifecycle/server-state.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createTracing } from '../../../src/observability/index.js';
import { memoryDestination } from '../../helpers/memory-log.js';

/**
 * node:http's internals the llhttp front drives are not documented (ADR 0069): each is checked by what it
 * does before the front relies on it, and a server whose check fails is node:http's, with one warn line
 * saying why.
 */

const REQUIRE = createRequire(import.meta.url);
const common = REQUIRE('node:_http_common') as Record<string, unknown>;
const incoming = REQUIRE('node:_http_incoming') as Record<string, unknown>;

test("this Node's internals pass the checks", () => {
  assert.equal(typeof loadLlhttp(), 'object');
  assert.equal(typeof loadServerInternals(), 'object');
});

test('a parser that reads a smuggling attempt otherwise than node:http did is refused', () => {
  const Real = common['HTTPParser'] as new () => { execute(data: Buffer): unknown };
  // A binding that reads one byte less of everything: every verdict moves.
  class Lenient extends Real {
    override execute(data: Buffer): unknown {
      return super.execute(data.subarray(0, Math.max(0, data.length - 1)));
    }
  }
  Object.assign(Lenient, Real);
  const reason = checkLlhttp({ ...common, HTTPParser: Lenient });
  assert.match(String(reason), /HTTPParser reports a canned (request|answer) otherwise than node:http did/);
});

test('node:http internals of another shape are refused, each with its reason', () => {
  assert.match(String(checkLlhttp({ ...common, HTTPParser: undefined })), /no HTTPParser/);
  assert.match(String(checkServerInternals({ IncomingMessage: class {} })), /no IncomingMessage#_addHeaderLine/);
  // A header rule that joins what node:http keeps first (a second Host).
  class Joining {
    _addHeaderLine(field: string, value: string, dest: Record<string, unknown>): void {
      const name = field.toLowerCase();
      dest[name] = dest[name] === undefined ? value : `${String(dest[name])}, ${value}`;
    }
  }
  assert.match(String(checkServerInternals({ ...incoming, IncomingMessage: Joining })), /builds headers otherwise/);
});

test('a server whose front cannot be used is node:http\'s, and says why once, at warn', async (t) => {
  const { stream, records } = memoryDestination();
  const log = createLogger({ level: 'info', destination: stream });
  const deps = {
    route: { prefix: '/plane/', routeLabel: () => '/plane/*', handle: async (_request: unknown, reply: { send(body: string): unknown }) => void reply.send('plane') },
    state: new ServerState({ name: 'test-role', version: '1', log }),
    log,
    requestLog: log,
    bodyLimitBytes: 1024,
    trustProxy: false,
    securityHeaders: false,
    tracing: createTracing({ serviceName: 'test-role', logger: log }),
    asyncContext: false,
    record: () => undefined,
  };
  const build = (load: () => string | ReturnType<typeof loadFrontInternals>) =>
    dataPlaneServerFactory(deps, { tls: undefined, http: { headersTimeout: 1_000, connectionsCheckingInterval: 500 }, front: { server: 'llhttp', requestTimeoutMs: 1_000, load } })(
      (_req: IncomingMessage, res: ServerResponse) => res.end('fastify'),
      { keepAliveTimeout: 5_000, requestTimeout: 1_000, connectionTimeout: 0 },
    );
  // With this Node's internals, the front takes the connections from node:http's own listener.
  assert.notEqual(build(loadFrontInternals).listeners('connection')[0]!.name, 'connectionListener');
  const server = build(() => 'HTTPParser is not as this test says');
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const warnings = records().filter((line) => line['level'] === 40);
  assert.deepEqual(
    warnings.map((line) => [line['msg'], line['reason']]),
    [['the data plane is served through node:http: its llhttp front cannot be used on this Node', 'HTTPParser is not as this test says']],
  );
  // node:http's own connection listener serves the plane: its request is node:http's IncomingMessage.
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  socket.write('GET /plane/a HTTP/1.1\r\nHost: h\r\n\r\n');
  const [answer] = (await once(socket, 'data')) as [Buffer];
  socket.destroy();
  assert.match(answer.toString('latin1'), /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nplane$/);
  assert.deepEqual(server.listeners('connection').map((listener) => listener.name), ['connectionListener']);
});
