import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { DataPlaneRoute, ExchangeReply, ExchangeRequest } from '../../../src/http/index.js';
import { testServer } from './test-server.js';

/**
 * The data plane takes a body that came whole with its headers from the
 * request's buffer in one tick, and reads anything else as a stream. These
 * cases write raw bytes, split as the test says, so each way in is taken:
 * what the handler gets and what the client is answered must not depend on
 * how the bytes were split.
 */

const LIMIT = 64;

async function plane(t: TestContext) {
  const bodies: string[] = [];
  /** Whether each request was read as a stream (flowing) or taken whole from its buffer (never flowing). */
  const streamed: boolean[] = [];
  /** Each request's IncomingMessage reached its end and closed, as a stream read to its end does. */
  const ended: Array<Promise<unknown>> = [];
  const route: DataPlaneRoute = { prefix: '/plane/', routeLabel: () => '/plane/*' };
  const server = testServer({ dataPlane: route, bodyLimitBytes: LIMIT });
  route.handle = async (request: ExchangeRequest, reply: ExchangeReply): Promise<void> => {
    const body = Buffer.isBuffer(request.body) ? request.body.toString('latin1') : '<none>';
    bodies.push(body);
    // node:http's server (this test's default) gives the plane its IncomingMessage, a stream.
    const raw = request.raw as IncomingMessage;
    streamed.push(raw.readableFlowing === true);
    ended.push(Promise.all([raw.readableEnded || once(raw, 'end'), once(raw, 'close')]));
    reply.send({ body });
  };
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => server.app.close());
  const port = (server.app.server.address() as AddressInfo).port;
  t.after(async () => {
    await Promise.all(ended);
  });
  return { port, bodies, streamed, metrics: server.metrics };
}

/** Writes `pieces` one after the other (`gapMs` apart) on one connection; resolves with all the server sent once it closes. */
function exchange(port: number, pieces: string[], options: { gapMs?: number; cutAfter?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(received));
    socket.setTimeout(5_000, () => {
      socket.destroy();
      reject(new Error(`no end of the answer; got ${JSON.stringify(received)}`));
    });
    void (async () => {
      for (const [i, piece] of pieces.entries()) {
        if (i > 0 && options.gapMs !== undefined) await new Promise((r) => setTimeout(r, options.gapMs));
        socket.write(piece, 'latin1');
      }
      if (options.cutAfter === true) setTimeout(() => socket.destroy(), 30);
    })();
  });
}

function post(body: string, headers: Record<string, string> = {}): string {
  const all = { host: 'x', 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(body, 'latin1')), connection: 'close', ...headers };
  return `POST /plane/a HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`;
}

function chunkedPost(chunks: string[], headers: Record<string, string> = {}): string {
  const head = `POST /plane/a HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\nconnection: close\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return `${head}${chunks.map((c) => `${Buffer.byteLength(c, 'latin1').toString(16)}\r\n${c}\r\n`).join('')}0\r\n\r\n`;
}

const statusOf = (answer: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
const statuses = (answer: string): number[] => [...answer.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

describe('data plane body reader, however the body is split', () => {
  test('a body whole with its headers, and the same body in three slow pieces, give the handler the same bytes', async (t) => {
    const { port, bodies, streamed } = await plane(t);
    const body = 'héllo, the whole body \u0000\u00ff';
    const whole = await exchange(port, [post(body)]);
    const request = post(body);
    const split = request.indexOf('\r\n\r\n') + 4;
    const slow = await exchange(port, [request.slice(0, split), request.slice(split, split + 5), request.slice(split + 5)], { gapMs: 30 });
    assert.equal(statusOf(whole), 200);
    assert.equal(statusOf(slow), 200);
    assert.deepEqual(bodies, [body, body]);
    assert.deepEqual(streamed, [false, true], 'the whole body is taken from the buffer, the slow one read as a stream');
  });

  test('a chunked body, whole in one write or chunk by chunk, is joined (read as a stream: its end is not known by the next tick)', async (t) => {
    const { port, bodies, streamed } = await plane(t);
    const whole = await exchange(port, [chunkedPost(['ab', 'cd', 'ef'])]);
    const request = chunkedPost(['ab', 'cd', 'ef']);
    const slow = await exchange(port, [request.slice(0, request.indexOf('\r\n\r\n') + 4), request.slice(request.indexOf('\r\n\r\n') + 4, -5), request.slice(-5)], { gapMs: 30 });
    assert.deepEqual([statusOf(whole), statusOf(slow)], [200, 200]);
    assert.deepEqual(bodies, ['abcdef', 'abcdef']);
    assert.deepEqual(streamed, [true, true]);
  });

  test('the limit is the same whole or streamed: at it, accepted; one byte over, 413 on a closing connection and no handler', async (t) => {
    const { port, bodies } = await plane(t);
    const at = 'x'.repeat(LIMIT);
    assert.equal(statusOf(await exchange(port, [post(at)])), 200);
    assert.equal(statusOf(await exchange(port, [chunkedPost([at])])), 200);
    // Chunked, so no length to refuse early: over the limit whole in one write, and in slow chunks.
    const overWhole = await exchange(port, [chunkedPost(['x'.repeat(LIMIT), 'y'])]);
    assert.equal(statusOf(overWhole), 413);
    assert.match(overWhole, /connection: close/i);
    const over = chunkedPost(['x'.repeat(40), 'y'.repeat(40)]);
    const head = over.indexOf('\r\n\r\n') + 4;
    const overSlow = await exchange(port, [over.slice(0, head), over.slice(head, head + 45), over.slice(head + 45)], { gapMs: 30 });
    assert.equal(statusOf(overSlow), 413);
    // Declared over the limit: refused before any of it is read.
    assert.equal(statusOf(await exchange(port, [post('z'.repeat(LIMIT + 1))])), 413);
    assert.deepEqual(bodies, [at, at]);
  });

  test('a body cut midway, its first part with the headers, never reaches the handler and is counted as 400', async (t) => {
    const { port, bodies, metrics } = await plane(t);
    const request = post('0123456789'.repeat(5));
    await exchange(port, [request.slice(0, request.indexOf('\r\n\r\n') + 4 + 12)], { cutAfter: true });
    const counted = async (): Promise<string> => (await metrics.registry.metrics()).split('\n').filter((l) => l.startsWith('agentmesh_http_requests_total') && l.includes('/plane/*')).join('\n');
    let text = await counted();
    for (let i = 0; i < 200 && text === ''; i++) {
      await new Promise<void>((resolve) => setTimeout(resolve, 5));
      text = await counted();
    }
    assert.match(text, /status="400"\} 1/);
    assert.deepEqual(bodies, []);
  });

  test('two requests pipelined in one write each get their own body, answered in order', async (t) => {
    const { port, bodies } = await plane(t);
    const answer = await exchange(port, [`${post('first', { connection: 'keep-alive' })}${post('second')}`]);
    assert.deepEqual(statuses(answer), [200, 200]);
    assert.ok(answer.indexOf('"first"') < answer.indexOf('"second"'));
    assert.deepEqual(bodies, ['first', 'second']);
  });

  test('a malformed chunked body in one write is refused by the parser; the handler never runs', async (t) => {
    const { port, bodies } = await plane(t);
    const bad = 'POST /plane/a HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n';
    assert.equal(statusOf(await exchange(port, [bad])), 400);
    assert.deepEqual(bodies, []);
  });

  test('a typed empty body is an empty Buffer; an untyped one with length 0 is none', async (t) => {
    const { port, bodies } = await plane(t);
    assert.equal(statusOf(await exchange(port, [post('')])), 200);
    assert.equal(statusOf(await exchange(port, ['POST /plane/a HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\nconnection: close\r\n\r\n'])), 200);
    assert.deepEqual(bodies, ['', '<none>']);
  });
});
