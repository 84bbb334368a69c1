import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { Agent } from 'undici';
import { classifyFailure } from '../../../src/gateway/routing/attempt-failure.js';
import { faultKindOf } from '../../../src/gateway/routing/fault-accounting.js';
import { ExchangeAbort, exchange, type ExchangeRequest, type UpstreamAnswer } from '../../../src/gateway/routing/upstream-exchange.js';
import { Http1Upstream, loadLlhttp } from '../../../src/gateway/routing/upstream-http1.js';

/**
 * The llhttp client (ADR 0064) and undici's `dispatch` give the forwarder
 * the same answers and the same failures: each case runs against both, so
 * what the gateway maps today (retries, breakers, the client's errors) is
 * what it maps with either client.
 */

type Client = { name: string; exchange: (request: ExchangeRequest, abort?: ExchangeAbort) => Promise<UpstreamAnswer>; close: () => Promise<void> };

/** The deadlines of the cases that pin a timeout: short, so that they end soon. */
const TIMEOUTS = { connectTimeoutMs: 1_000, headersTimeoutMs: 300, bodyTimeoutMs: 300 };
/** Every other case's: a loaded host may take more than 300 ms to answer, which is not what those cases pin. */
const UNHURRIED = { connectTimeoutMs: 10_000, headersTimeoutMs: 10_000, bodyTimeoutMs: 10_000 };

function undiciClient(timeouts = TIMEOUTS): Client {
  const agent = new Agent({ connectTimeout: timeouts.connectTimeoutMs, headersTimeout: timeouts.headersTimeoutMs, bodyTimeout: timeouts.bodyTimeoutMs });
  return { name: 'undici', exchange: (request, abort = new ExchangeAbort()) => exchange(agent, request, abort), close: () => agent.destroy() };
}

function llhttpClient(timeouts = TIMEOUTS): Client {
  const client = Http1Upstream.create(timeouts);
  if (typeof client === 'string') throw new Error(client);
  return { name: 'llhttp', exchange: (request, abort = new ExchangeAbort()) => client.exchange(request, abort), close: () => client.destroy() };
}

async function listen(server: Server | ReturnType<typeof createNetServer>): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The test server: routes by path; counts the connections it accepted. */
type Seen = { headers: IncomingMessage['headers']; body: string; port: number | undefined };

function upstream(): { server: Server; connections: () => number; lastRequest: () => Seen | undefined } {
  let connections = 0;
  let last: Seen | undefined;
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/small': (_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-length': 11 }).end('{"ok":true}'),
    '/chunked': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"a":');
      res.end('1}');
    },
    '/large': (_req, res) => res.writeHead(200, { 'content-length': 100_000 }).end(Buffer.alloc(100_000, 120)),
    '/sse': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      setImmediate(() => res.end('data: 2\n\n'));
    },
    '/sse-open': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
    },
    '/early': (_req, res) => {
      res.writeEarlyHints({ link: '</a.css>; rel=preload' });
      res.writeHead(201, { 'content-length': 2 }).end('ok');
    },
    '/close': (_req, res) => res.writeHead(200, { 'content-length': 2, connection: 'close' }).end('ok'),
    '/cookies': (_req, res) => res.writeHead(200, [['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['content-length', '0']]).end(),
    '/silent': () => undefined,
    '/stalls': (_req, res) => {
      res.writeHead(200, { 'content-length': 10 });
      res.write('12345');
    },
    '/many-headers': (_req, res) => res.writeHead(200, [...Array.from({ length: 40 }, (_, i) => [`x-h${i}`, String(i)]), ['__proto__', 'p'], ['content-length', '0']]).end(),
    '/head': (_req, res) => res.writeHead(200, { 'content-length': 1234 }).end(),
    '/huge': (_req, res) => res.writeHead(200, { 'content-length': 4_000_000 }).end(Buffer.alloc(4_000_000, 120)),
  };
  const server = createHttpServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      last = { headers: req.headers, body, port: req.socket.remotePort };
      const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
      if (route === undefined) res.writeHead(404, { 'content-length': 0 }).end();
      else route(req, res);
    });
  });
  server.on('connection', () => connections++);
  return { server, connections: () => connections, lastRequest: () => last };
}

/** A raw server answering every request's bytes with `answer` (a hostile or broken instance). */
async function rawAnswering(answer: string | ((socket: Socket, first: Buffer) => void)): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket)).on('error', () => undefined);
    socket.once('data', (first: Buffer) => (typeof answer === 'string' ? socket.write(answer) : answer(socket, first)));
  });
  const url = await listen(server);
  return {
    url,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Runs `check` against a {@link rawAnswering} server answering `answer` (its URL given), and closes the server after, whatever `check` did. */
async function withRawAnswering(answer: Parameters<typeof rawAnswering>[0], check: (url: string) => Promise<void>): Promise<void> {
  const server = await rawAnswering(answer);
  try {
    await check(server.url);
  } finally {
    await server.close();
  }
}

const post = (origin: string, path: string, extra: Partial<ExchangeRequest> = {}): ExchangeRequest => ({ origin, path, method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from('{"q":1}'), ...extra });

async function text(answer: UpstreamAnswer): Promise<string> {
  if (answer.bytes !== undefined) return answer.bytes.toString();
  const chunks: Buffer[] = [];
  for await (const chunk of answer.body!) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

test('the llhttp binding of this Node passes its check', () => {
  assert.equal(typeof loadLlhttp(), 'object');
});

for (const make of [undiciClient, llhttpClient]) {
  const client = make(UNHURRIED);
  /** The same client with the short deadlines, for the cases about them. */
  const hurried = make(TIMEOUTS);
  describe(`the ${client.name} client`, () => {
    const up = upstream();
    let origin = '';
    before(async () => {
      origin = await listen(up.server);
    });
    after(async () => {
      await client.close();
      await hurried.close();
      up.server.closeAllConnections();
      up.server.close();
    });

    test('a small sized answer comes whole, as bytes, with its headers', async () => {
      const answer = await client.exchange(post(origin, '/small'));
      assert.equal(answer.statusCode, 200);
      assert.equal(answer.body, undefined);
      assert.equal(answer.bytes?.toString(), '{"ok":true}');
      assert.equal(answer.headers['content-type'], 'application/json');
      assert.equal(up.lastRequest()?.body, '{"q":1}');
      assert.equal(up.lastRequest()?.headers['content-length'], '7');
      assert.equal(up.lastRequest()?.headers['content-type'], 'application/json');
    });

    test('chunked, large and event-stream answers come as streams', async () => {
      for (const [path, expected] of [
        ['/chunked', '{"a":1}'],
        ['/large', 'x'.repeat(100_000)],
        ['/sse', 'data: 1\n\ndata: 2\n\n'],
      ] as const) {
        const answer = await client.exchange(post(origin, path));
        assert.equal(answer.bytes, undefined, path);
        assert.equal(await text(answer), expected, path);
      }
    });

    test('a streamed answer is read only as fast as its reader reads', async () => {
      const answer = await client.exchange(post(origin, '/large'));
      const body = answer.body!;
      // Nothing read: what arrives stops at the stream's buffer and the socket's.
      await new Promise((resolve) => setImmediate(resolve));
      assert.ok(body.readableLength <= 100_000);
      assert.equal(await text(answer), 'x'.repeat(100_000));
    });

    test('an interim 1xx answer is skipped', async () => {
      const answer = await client.exchange(post(origin, '/early'));
      assert.equal(answer.statusCode, 201);
      assert.equal(answer.bytes?.toString(), 'ok');
    });

    test('a repeated answer header comes as an array of its values', async () => {
      const answer = await client.exchange(post(origin, '/cookies'));
      assert.deepEqual(answer.headers['set-cookie'], ['a=1', 'b=2']);
    });

    test('an answer with more headers than the parser holds at once has all of them, hostile names as plain ones', async () => {
      const answer = await client.exchange(post(origin, '/many-headers'));
      assert.equal(answer.headers['x-h0'], '0');
      assert.equal(answer.headers['x-h39'], '39');
      assert.ok(Object.hasOwn(answer.headers, '__proto__'));
      assert.equal(Object.getPrototypeOf(answer.headers), Object.prototype);
    });

    test('a HEAD answer has no body whatever its Content-Length', async () => {
      const answer = await client.exchange(post(origin, '/head', { method: 'HEAD', body: null }));
      assert.equal(answer.statusCode, 200);
      assert.equal(answer.bytes?.length ?? 0, 0);
      const after = await client.exchange(post(origin, '/small'));
      assert.equal(after.bytes?.toString(), '{"ok":true}');
    });

    test('calls one after another reuse one kept-alive connection; an answer that closes it is not reused', async () => {
      await client.exchange(post(origin, '/small'));
      const before = up.connections();
      for (let i = 0; i < 5; i++) assert.equal((await client.exchange(post(origin, '/small'))).statusCode, 200);
      assert.equal(up.connections(), before);
      assert.equal((await client.exchange(post(origin, '/close'))).bytes?.toString(), 'ok');
      const closed = up.lastRequest()?.port;
      assert.equal((await client.exchange(post(origin, '/small'))).statusCode, 200);
      assert.notEqual(up.lastRequest()?.port, closed);
    });

    test('an instance that closes the connection with its answer gets the next call on a new one', async () => {
      await withRawAnswering((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'), async (url) => {
        assert.equal((await client.exchange(post(url, '/'))).bytes?.toString(), 'ok');
        assert.equal((await client.exchange(post(url, '/'))).bytes?.toString(), 'ok');
      });
    });

    test('an interim answer says nothing of a body, whatever its head claims: the final answer follows its head', async () => {
      // RFC 9110: a 1xx ends with its head. Read as a body, its Content-Length would swallow the final answer's start.
      await withRawAnswering('HTTP/1.1 104 Upload Resumption Supported\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', async (url) => {
        const answer = await client.exchange(post(url, '/'));
        assert.equal(answer.statusCode, 200);
        assert.equal(answer.bytes?.toString(), 'ok');
      });
    });

    test('a body an instance sends after its HEAD answer never reaches the next call', async () => {
      // A misbehaving instance: a HEAD answer's body, written late. On a connection kept for the next call it
      // would be read as the start of that call's answer.
      await withRawAnswering((socket, first) => {
        let owesBody = false;
        const answer = (data: Buffer): void => {
          if (data.toString('latin1').startsWith('HEAD ')) {
            owesBody = true;
            socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n');
          } else {
            socket.write(`${owesBody ? 'ok' : ''}HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi`);
            owesBody = false;
          }
        };
        answer(first);
        socket.on('data', answer);
      }, async (url) => {
        assert.equal((await client.exchange(post(url, '/', { method: 'HEAD', body: null }))).statusCode, 200);
        // A turn later: both clients free a connection for the next call a turn after its answer.
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal((await client.exchange(post(url, '/'))).bytes?.toString(), 'hi');
      });
    });

    test('an answer followed by bytes no request asked for comes whole, and the next call goes on a new connection', async () => {
      // The stray bytes begin another answer: a connection reused with them would hand that answer to the next call.
      let connections = 0;
      await withRawAnswering((socket) => {
        connections++;
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 2');
        socket.on('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
      }, async (url) => {
        assert.equal((await client.exchange(post(url, '/'))).bytes?.toString(), 'ok');
        // A turn later: both clients free a connection for the next call a turn after its answer.
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal((await client.exchange(post(url, '/'))).bytes?.toString(), 'ok');
        assert.equal(connections, 2);
      });
    });

    test('a streamed answer whose reader lags past the body timeout is not cut: the socket waits for the reader', async () => {
      // Its headers may take a while on a loaded host (4 MB written at once): only its body timeout is the point.
      const lagging = make({ ...TIMEOUTS, headersTimeoutMs: 10_000 });
      try {
        const answer = await lagging.exchange(post(origin, '/huge'));
        // Unread longer than the body timeout: a call that times out after its headers timeout has waited as long.
        await assert.rejects(hurried.exchange(post(origin, '/silent')));
        assert.equal(answer.body?.errored ?? null, null);
        assert.equal((await text(answer)).length, 4_000_000);
      } finally {
        await lagging.close();
      }
    });

    test('an abort before the answer rejects with its reason', async () => {
      const abort = new ExchangeAbort();
      const pending = client.exchange(post(origin, '/silent'), abort);
      const reason = new Error('the client went away');
      setImmediate(() => abort.abort(reason));
      await assert.rejects(pending, (err) => err === reason);
    });

    test('an abort while the body streams destroys the stream', async () => {
      const abort = new ExchangeAbort();
      const answer = await client.exchange(post(origin, '/sse-open'), abort);
      abort.abort(new Error('the client went away'));
      await assert.rejects(text(answer));
    });

    test('no answer headers in time: a timeout that may have run the request', async () => {
      await assert.rejects(hurried.exchange(post(origin, '/silent')), (err) => {
        assert.deepEqual(classifyFailure(err), { kind: 'timeout', notSent: false, reason: 'UND_ERR_HEADERS_TIMEOUT' });
        return true;
      });
    });

    test('a body that stalls: a body timeout', async () => {
      // Sized and small: read whole, so the exchange itself fails.
      await assert.rejects((async () => text(await hurried.exchange(post(origin, '/stalls'))))(), (err) => {
        assert.equal(classifyFailure(err).kind, 'timeout');
        return true;
      });
    });

    test('a refused connection: a connect error, never sent', async () => {
      const closed = createNetServer();
      const url = await listen(closed);
      closed.close();
      await once(closed, 'close');
      await assert.rejects(client.exchange(post(url, '/small')), (err) => {
        assert.deepEqual(classifyFailure(err), { kind: 'connect_error', notSent: true, reason: 'ECONNREFUSED' });
        assert.equal(faultKindOf(err), 'unreachable');
        return true;
      });
    });

    test("a header the client sent that cannot be framed is the client's error, not the instance's", async () => {
      for (const headers of [{ 'x-bad': 'a\r\nx-smuggled: 1' }, { 'bad header': '1' }, { 'transfer-encoding': 'chunked' }] as Array<Record<string, string>>) {
        await assert.rejects(client.exchange(post(origin, '/small', { headers })), (err) => {
          assert.equal(faultKindOf(err), 'not-instance', JSON.stringify(headers));
          return true;
        });
      }
    });

    test('a long header value that passed once passes again; one that differs from it by a framing character is still refused', async () => {
      const bearer = `Bearer ${'e'.repeat(600)}`;
      for (let i = 0; i < 3; i++) {
        const answer = await client.exchange(post(origin, '/small', { headers: { authorization: bearer } }));
        await text(answer);
      }
      // The same length and the same first bytes as the value checked before: compared, not taken for it.
      const smuggled = `${bearer.slice(0, -15)}\r\nx-smuggled: 1`;
      assert.equal(smuggled.length, bearer.length);
      await assert.rejects(client.exchange(post(origin, '/small', { headers: { authorization: smuggled } })), (err) => {
        assert.equal(faultKindOf(err), 'not-instance');
        return true;
      });
      const answer = await client.exchange(post(origin, '/small', { headers: { authorization: bearer } }));
      await text(answer);
    });

    test('malformed and smuggling answers fail as network errors', async () => {
      const hostile = [
        'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok',
        'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n',
        'NOT HTTP AT ALL\r\n\r\n',
        `HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(20_000)}\r\nContent-Length: 0\r\n\r\n`,
        // A switch of protocol no request asked for, without the Upgrade header that would say so.
        'HTTP/1.1 101 Switching Protocols\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
      ];
      for (const answer of hostile) {
        await withRawAnswering(answer, async (url) => {
          await assert.rejects(
            (async () => text(await client.exchange(post(url, '/'))))(),
            (err) => {
              assert.equal(classifyFailure(err).kind, 'network_error', answer.slice(0, 60));
              assert.equal(faultKindOf(err), 'inducible');
              return true;
            },
          );
        });
      }
    });

    test('an instance closing the connection before its answer is over: a network error', async () => {
      await withRawAnswering((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345'), async (url) => {
        await assert.rejects(
          (async () => text(await client.exchange(post(url, '/'))))(),
          (err) => {
            assert.equal(classifyFailure(err).kind, 'network_error');
            return true;
          },
        );
      });
    });

    test('an answer framed by the connection closing comes whole', async () => {
      await withRawAnswering((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"till":"close"}'), async (url) => {
        assert.equal(await text(await client.exchange(post(url, '/'))), '{"till":"close"}');
      });
    });
  });
}
