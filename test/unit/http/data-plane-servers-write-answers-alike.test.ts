import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { Agent } from 'undici';
import type { ExchangeReply } from '../../../src/http/index.js';
import { H, exchange, peers, sameOnBoth, type Peer, type PeerHandler, type Sent } from './data-plane-servers.js';

/**
 * The answers the data plane gives — whole (written by the llhttp front itself, ADR 0067) or through
 * node:http's `ServerResponse` (a stream, a header node:http writes its own way) — written alike by
 * node:http's server and the llhttp front, each kept alive then followed by another request, or as a
 * HEAD (data-plane-servers.ts compares); and the front really in use for the plane's requests.
 */

/** Answers by path, each a form of answer the front writes itself or hands to node:http's ServerResponse. */
const FORMS: Record<string, (reply: ExchangeReply) => unknown> = {
  '/plane/json': (reply) => reply.send({ a: 1, s: 'é' }),
  '/plane/buffer': (reply) => reply.header('content-type', 'application/json').send(Buffer.from('{"b":2}')),
  '/plane/204': (reply) => reply.code(204).header('content-type', 'text/plain').send('dropped'),
  '/plane/304': (reply) => reply.code(304).header('etag', '"e"').send(),
  '/plane/299': (reply) => reply.code(299).send('an unnamed status'),
  '/plane/500': (reply) => reply.code(500).send(Buffer.alloc(0)),
  '/plane/length': (reply) => reply.header('content-length', 10).send(),
  '/plane/list': (reply) => reply.header('x-multi', ['a', 'b']).header('set-cookie', ['c=1', 'd=2']).send('listed'),
  '/plane/empty-list': (reply) => reply.header('x-none', []).send('none'),
  '/plane/cookie': (reply) => reply.header('cookie', ['a=1', 'b=2']).send('cookie'),
  '/plane/close': (reply) => reply.header('connection', 'close').send('closing'),
  '/plane/keep': (reply) => reply.header('connection', 'keep-alive').send('kept'),
  '/plane/keep-alive-header': (reply) => reply.header('keep-alive', 'timeout=9').send('own keep-alive'),
  '/plane/date': (reply) => reply.header('date', 'Thu, 01 Jan 2026 00:00:00 GMT').send('own date'),
  '/plane/304-stream': (reply) => reply.code(304).header('content-type', 'text/event-stream').send(Readable.from(['data: dropped\n\n'])),
  '/plane/chunked': (reply) => reply.header('transfer-encoding', 'chunked').header('content-type', 'text/plain').send(Readable.from(['a', 'b'])),
  '/plane/latin1': (reply) => reply.header('x-latin', 'caf\u00e9').send('é'),
  '/plane/bad-value': (reply) => reply.header('x-bad', 'a\nb').send('never'),
  '/plane/bad-name': (reply) => reply.header('x bad', 'v').send('never'),
  '/plane/raw-header': (reply) => {
    reply.raw.setHeader('x-raw', '1');
    return reply.send('raw');
  },
  '/plane/slow': async (reply) => {
    await new Promise((resolve) => setTimeout(resolve, 40));
    reply.send('slow');
  },
};

/** Which server made each plane request's `raw`: node:http's `IncomingMessage`, or the front's plain object. */
const raws: string[] = [];

const answerForm: PeerHandler = async (peer: Peer, request, reply) => {
  peer.ran.push(`${request.method} ${request.url}`);
  raws.push(request.raw.constructor.name);
  const form = FORMS[request.url];
  if (form !== undefined) {
    await form(reply);
    return;
  }
  reply.send(`${request.method} ${request.url}`);
};

const GET = (path: string): string => `GET ${path} HTTP/1.1\r\n${H}\r\n`;
const HEAD = (path: string): string => `HEAD ${path} HTTP/1.1\r\n${H}\r\n`;

const CASES: Record<string, Sent> = {
  ...Object.fromEntries(
    Object.keys(FORMS).flatMap((path) => [
      [`answer ${path}`, { parts: [GET(path), GET('/plane/after')] }],
      [`HEAD ${path}`, { parts: [HEAD(path), GET('/plane/after')] }],
    ]),
  ),
  'a slow answer, then quick ones pipelined behind it, in order': { parts: [GET('/plane/slow') + GET('/plane/json') + GET('/plane/a')] },
  'a stream, then answers written whole pipelined behind it': { parts: [GET('/plane/chunked') + GET('/plane/buffer') + GET('/plane/chunked') + GET('/plane/a')] },
  'a closing answer with requests pipelined behind it': { parts: [GET('/plane/close') + GET('/plane/a')] },
  'an answer that cannot be written, pipelined before another': { parts: [GET('/plane/bad-value') + GET('/plane/a')] },
  'a HEAD of a relayed length, then a GET': { parts: [HEAD('/plane/length'), GET('/plane/length')] },
};

test('the llhttp front writes every form of answer as node:http\'s server does', { timeout: 60_000 }, async (t) => {
  await sameOnBoth(t, CASES, {}, answerForm);
});

test('the llhttp front is in use: a plane request is no IncomingMessage, an answer given whole no ServerResponse', async (t) => {
  const [node, llhttp] = await peers(t, {}, answerForm);
  const writeHead = ServerResponse.prototype.writeHead;
  let heads = 0;
  ServerResponse.prototype.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
    heads++;
    return writeHead.apply(this, args);
  } as ServerResponse['writeHead'];
  raws.length = 0;
  try {
    const counted = async (peer: Peer, path: string): Promise<number> => {
      heads = 0;
      await exchange(peer, { parts: [GET(path)], quietMs: 50 });
      return heads;
    };
    assert.deepEqual([await counted(llhttp!, '/plane/a'), await counted(llhttp!, '/plane/json'), await counted(llhttp!, '/plane/chunked'), await counted(node!, '/plane/a')], [0, 0, 1, 1]);
  } finally {
    ServerResponse.prototype.writeHead = writeHead;
  }
  assert.deepEqual(raws, ['Object', 'Object', 'Object', 'IncomingMessage']);
});

test('a connection the llhttp front hands over stays node:http\'s, kept alive; the next connection is the front\'s', async (t) => {
  // A client that fetches a token first, then calls on the same pooled connection (undici's, one at most).
  const [, llhttp] = await peers(t, {}, answerForm);
  const dispatcher = new Agent({ connections: 1 });
  t.after(() => dispatcher.close());
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${llhttp!.port}${path}`, { dispatcher } as RequestInit);
    return { body: await res.text(), connection: res.headers.get('connection') };
  };
  raws.length = 0;
  assert.deepEqual(await get('/plane/a'), { body: 'GET /plane/a', connection: 'keep-alive' });
  assert.deepEqual(await get('/control'), { body: 'control', connection: 'keep-alive' });
  assert.deepEqual(await get('/plane/b'), { body: 'GET /plane/b', connection: 'keep-alive' });
  assert.deepEqual(raws, ['Object', 'IncomingMessage'], 'the call after the hand-over is node:http\'s, on the same connection');
  const fresh = await exchange(llhttp!, { parts: [GET('/plane/c')], transport: 'tcp', quietMs: 50 });
  assert.match(fresh.answer, /GET \/plane\/c$/);
  assert.deepEqual(raws, ['Object', 'IncomingMessage', 'Object'], 'a new connection is parsed by the front');
});
