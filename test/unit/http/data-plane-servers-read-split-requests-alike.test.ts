import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H, sameOnBoth, statuses, type Sent } from './data-plane-servers.js';

/**
 * Requests whose bytes come in many reads — each byte a read of its own, or cut where a parser keeps
 * state (inside a name, between CR and LF, at a head's end, inside a chunk size) — sent to node:http's
 * server and to the llhttp front, in memory (each write one read) and over TCP (where node:http reads
 * a connection the front hands it straight from the socket). The same answers must come back: a
 * request the front hands to node:http goes with all its bytes, in order, whatever read they came in.
 */

const POST = `POST /plane/p HTTP/1.1\r\n${H}Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello`;
const CHUNKED = `POST /plane/c HTTP/1.1\r\n${H}Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\nhe\r\n3\r\nllo\r\n0\r\nX-T: 1\r\n\r\n`;
const GET = (path: string): string => `GET ${path} HTTP/1.1\r\n${H}\r\n`;
const CONTROL_POST = `POST /control HTTP/1.1\r\n${H}Content-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc`;

/** `text` cut before each of `at`. */
function cut(text: string, ...at: number[]): string[] {
  return [0, ...at].map((from, i) => text.slice(from, at[i] ?? text.length));
}

const CASES: Record<string, Sent> = {
  'a plane POST, a byte a read': { parts: [POST], bytewise: true },
  'a chunked plane POST, a byte a read': { parts: [CHUNKED], bytewise: true },
  'a control-plane POST, a byte a read': { parts: [CONTROL_POST], bytewise: true },
  'a plane GET then a control-plane one then a plane one, a byte a read': { parts: [GET('/plane/1') + GET('/control') + GET('/plane/3')], bytewise: true },
  'a chunked POST then a control-plane GET, a byte a read': { parts: [CHUNKED + GET('/control') + POST], bytewise: true },
  'a bad chunk size, a byte a read': { parts: [`POST /plane/c HTTP/1.1\r\n${H}Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\nzz\r\n`], bytewise: true },
  'two Content-Lengths, a byte a read': { parts: [`POST /plane/p HTTP/1.1\r\n${H}Content-Length: 1\r\nContent-Length: 1\r\n\r\na`], bytewise: true },
  'a head cut between CR and LF': { parts: cut(POST, 23, 24) },
  'a head cut inside a header name': { parts: cut(GET('/control') + GET('/plane/2'), 20) },
  'a head cut at its end': { parts: cut(POST, POST.indexOf('\r\n\r\n') + 2, POST.indexOf('\r\n\r\n') + 4) },
  'a chunk size cut in two': { parts: cut(CHUNKED, CHUNKED.indexOf('\r\n3') + 2, CHUNKED.indexOf('\r\n3') + 3) },
  'a body cut, the next request in its last read': { parts: cut(POST + GET('/control') + GET('/plane/3'), POST.length - 2) },
  'a control-plane head in three reads behind a plane answer': { parts: [GET('/plane/1'), 'GET /cont', 'rol HTTP/1.1\r\nHo', 'st: h\r\n\r\n' + GET('/plane/4')] },
};

const OVER_TCP: Record<string, Sent> = {
  'a control-plane GET in two reads, then a plane one': { parts: [`GET /health HTTP/1.1\r\n${H}`, `Accept: */*\r\n\r\n`, GET('/plane/2')], transport: 'tcp' },
  'a plane GET then a control-plane POST, a byte a read': { parts: [GET('/plane/1') + CONTROL_POST + GET('/plane/3')], bytewise: true, transport: 'tcp' },
  'a chunked POST then a control-plane GET in one read': { parts: [CHUNKED + GET('/control') + GET('/plane/3')], transport: 'tcp' },
  'a bad chunk size after a hidden request': { parts: [`POST /plane/c HTTP/1.1\r\n${H}Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n`, `1e\r\nGET /plane/hidden HTTP/1.1\r\n${H}\r\n\r\n`, 'zz\r\n'], transport: 'tcp' },
};

test('the llhttp front reads requests cut over many reads as node:http\'s server does', { timeout: 60_000 }, async (t) => {
  const seen = await sameOnBoth(t, CASES);
  assert.deepEqual(statuses(seen['a plane GET then a control-plane one then a plane one, a byte a read']!), ['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200']);
  assert.deepEqual(statuses(seen['a chunked plane POST, a byte a read']!), ['HTTP/1.1 200']);
  assert.match(seen['a chunked plane POST, a byte a read']!.answer, /POST \/plane\/c hello$/);
});

test('over TCP, a connection the llhttp front hands over is read by node:http from the request that left, in order', { timeout: 60_000 }, async (t) => {
  const seen = await sameOnBoth(t, OVER_TCP);
  assert.deepEqual(statuses(seen['a control-plane GET in two reads, then a plane one']!), ['HTTP/1.1 200', 'HTTP/1.1 200']);
  assert.deepEqual(statuses(seen['a bad chunk size after a hidden request']!), ['HTTP/1.1 400']);
  assert.deepEqual(seen['a bad chunk size after a hidden request']!.ran, []);
});
