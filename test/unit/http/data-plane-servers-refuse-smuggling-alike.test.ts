import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H, sameOnBoth, statuses, type Sent } from './data-plane-servers.js';

/**
 * Requests whose framing two parsers could read two ways (RFC 9112 §6.3, §11.2), each sent to node:http's
 * server and to the llhttp front: the front must give node:http's verdict on every one, byte for byte,
 * and no request hidden in another's bytes may reach the handler (data-plane-servers.ts compares).
 */

const POST = `POST /plane/s HTTP/1.1\r\n${H}Content-Type: text/plain\r\n`;
/** A whole request, sent as the data of another's chunk. */
const HIDDEN = `POST /plane/hidden HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\nhi`;
const CHUNK_OF_HIDDEN = `${Buffer.byteLength(HIDDEN).toString(16)}\r\n${HIDDEN}\r\n`;

const CASES: Record<string, Sent> = {
  'Content-Length and chunked': { parts: [`${POST}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /plane/x HTTP/1.1\r\n${H}\r\n`] },
  'chunked and Content-Length': { parts: [`${POST}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\nGET /plane/x HTTP/1.1\r\n${H}\r\n`] },
  'two Content-Lengths that differ': { parts: [`${POST}Content-Length: 1\r\nContent-Length: 2\r\n\r\nok`] },
  'two Content-Lengths alike': { parts: [`${POST}Content-Length: 2\r\nContent-Length: 2\r\n\r\nok`] },
  'a Content-Length list': { parts: [`${POST}Content-Length: 2, 2\r\n\r\nok`] },
  'a signed Content-Length': { parts: [`${POST}Content-Length: +2\r\n\r\nok`] },
  'a negative Content-Length': { parts: [`${POST}Content-Length: -1\r\n\r\nok`] },
  'a hexadecimal Content-Length': { parts: [`${POST}Content-Length: 0x2\r\n\r\nok`] },
  'a Content-Length past 64 bits': { parts: [`${POST}Content-Length: 99999999999999999999999\r\n\r\nok`] },
  'chunked, identity': { parts: [`${POST}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`] },
  'gzip without chunked': { parts: [`${POST}Transfer-Encoding: gzip\r\n\r\n2\r\nhi\r\n0\r\n\r\n`] },
  'gzip, chunked': { parts: [`${POST}Transfer-Encoding: gzip, chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n`] },
  'chunked twice, in two headers': { parts: [`${POST}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n`] },
  'a Transfer-Encoding folded over two lines': { parts: [`${POST}Transfer-Encoding: \r\n chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n`] },
  'a space before the colon': { parts: [`${POST}Transfer-Encoding : chunked\r\nContent-Length: 2\r\n\r\nok`] },
  'a chunk size that is no number': { parts: [`${POST}Transfer-Encoding: chunked\r\n\r\nzz\r\n`] },
  'a chunk size with 0x': { parts: [`${POST}Transfer-Encoding: chunked\r\n\r\n0x2\r\nhi\r\n0\r\n\r\n`] },
  'a chunk size past 64 bits': { parts: [`${POST}Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\nhi\r\n0\r\n\r\n`] },
  'a chunk size with spaces after it': { parts: [`${POST}Transfer-Encoding: chunked\r\n\r\n2  \r\nhi\r\n0\r\n\r\n`] },
  'a chunk whose data is longer than its size': { parts: [`${POST}Transfer-Encoding: chunked\r\n\r\n2\r\nhiX\r\n0\r\n\r\n`] },
  'a chunk ended by a bare LF': { parts: [`${POST}Transfer-Encoding: chunked\r\n\r\n2\nhi\n0\n\n`] },
  'a chunk extension and trailers': { parts: [`${POST}Transfer-Encoding: chunked\r\n\r\n2;a=b\r\nhi\r\n0\r\nX-T: 1\r\n\r\nGET /plane/after HTTP/1.1\r\n${H}\r\n`] },
  'a bad trailer': { parts: [`${POST}Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nNoColon\r\n\r\n`] },
  'a chunk hiding a whole request, then a bad chunk size, in separate reads': { parts: [`${POST}Transfer-Encoding: chunked\r\n\r\n`, CHUNK_OF_HIDDEN, `zz\r\nGET /plane/after HTTP/1.1\r\n${H}\r\n\r\n`] },
  'a chunk hiding a whole request, then a bad chunk size, in one read': { parts: [`${POST}Transfer-Encoding: chunked\r\n\r\n${CHUNK_OF_HIDDEN}zz\r\n`] },
  'a chunk hiding a whole request, the client then gone': { parts: [`${POST}Transfer-Encoding: chunked\r\n\r\n`, CHUNK_OF_HIDDEN], end: true },
  'a missing last chunk, then a second request, the client then gone': { parts: [`${POST}Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n`, `GET /plane/second HTTP/1.1\r\n${H}\r\n`], end: true },
  'a sized body cut short, then a second request, the client then gone': { parts: [`${POST}Content-Length: 40\r\n\r\nhi`, `GET /plane/second HTTP/1.1\r\n${H}\r\n`], end: true },
  'a header without a colon': { parts: [`GET /plane/a HTTP/1.1\r\n${H}NoColon\r\n\r\n`] },
  'an obs-folded header': { parts: [`GET /plane/a HTTP/1.1\r\n${H}X-A: a\r\n b\r\n\r\n`] },
  'a bare LF in a value': { parts: [`GET /plane/a HTTP/1.1\r\n${H}X-A: a\nb\r\n\r\n`] },
  'bare LFs as line ends': { parts: [`GET /plane/a HTTP/1.1\n${H.replace('\r', '')}\n`] },
  'a bare CR in a value': { parts: [`GET /plane/a HTTP/1.1\r\n${H}X-A: a\rb\r\n\r\n`] },
  'a NUL in a value': { parts: [`GET /plane/a HTTP/1.1\r\n${H}X-A: a\u0000b\r\n\r\n`] },
  'a NUL in the target': { parts: [`GET /plane/a\u0000 HTTP/1.1\r\n${H}\r\n`] },
  'a control character in a name': { parts: [`GET /plane/a HTTP/1.1\r\n${H}X\u0001A: a\r\n\r\n`] },
  'two Hosts': { parts: [`GET /plane/a HTTP/1.1\r\n${H}Host: other\r\n\r\n`] },
  'a request line with two spaces': { parts: [`GET  /plane/a HTTP/1.1\r\n${H}\r\n`] },
  'an unknown version': { parts: [`GET /plane/a HTTP/1.2\r\n${H}\r\n`] },
  'HTTP/2 preface': { parts: ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'] },
  'CRLFs before a request': { parts: [`\r\n\r\nGET /plane/a HTTP/1.1\r\n${H}\r\n`] },
};

test('the llhttp front gives node:http\'s verdict on every smuggling attempt, and no hidden request reaches the handler', { timeout: 60_000 }, async (t) => {
  const seen = await sameOnBoth(t, CASES);
  for (const [name, answer] of Object.entries(seen)) assert.ok(!answer.ran.some((ran) => ran.includes('/hidden')), `${name}: a hidden request ran`);
  // node:http's own verdicts, so that the comparison is known to compare refusals.
  assert.deepEqual(statuses(seen['two Content-Lengths that differ']!), ['HTTP/1.1 400']);
  assert.deepEqual(statuses(seen['a chunk hiding a whole request, then a bad chunk size, in separate reads']!), ['HTTP/1.1 400']);
  assert.deepEqual(statuses(seen['a chunk extension and trailers']!), ['HTTP/1.1 200', 'HTTP/1.1 200']);
  assert.equal(seen['a chunk hiding a whole request, then a bad chunk size, in one read']!.closed, true);
});
