import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H, onBoth, sameOnBoth, statuses, type Sent } from './data-plane-servers.js';

/**
 * Requests in a row on one connection, and the requests the front hands to node:http (control-plane
 * routes, `Expect`, upgrades, absolute-form targets, a GET with a body, HTTP/1.0), sent to node:http's
 * server and to the llhttp front: the same answers in the same order, the connection kept or closed
 * alike, the same requests run (data-plane-servers.ts compares). A connection the front hands over is
 * node:http's for good (ADR 0069), so it is kept alive exactly where node:http keeps it.
 */

const GET = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\n${H}${extra}\r\n`;
const POST = (path: string, body: string, extra = ''): string => `POST ${path} HTTP/1.1\r\n${H}Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
const CHUNKED = (path: string, body: string): string => `POST ${path} HTTP/1.1\r\n${H}Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;

const CASES: Record<string, Sent> = {
  'plane requests in one read': { parts: [POST('/plane/1', 'a') + GET('/plane/2') + CHUNKED('/plane/3', 'ccc') + GET('/plane/4')] },
  'plane requests a read each': { parts: [POST('/plane/1', 'a'), GET('/plane/2'), CHUNKED('/plane/3', 'ccc'), GET('/plane/4')] },
  'a slow answer, then quick ones behind it': { parts: [GET('/plane/slow') + GET('/plane/2') + GET('/plane/3')] },
  'a stream, then answers behind it': { parts: [GET('/plane/stream') + POST('/plane/2', 'b') + GET('/plane/stream') + GET('/plane/4')] },
  'a held stream, then requests behind it': { parts: [GET('/plane/held'), GET('/plane/2') + GET('/plane/3')] },
  'a control-plane request behind plane requests, in one read': { parts: [POST('/plane/1', 'a') + GET('/control') + GET('/plane/3')] },
  'a control-plane request behind a chunked one, in one read': { parts: [CHUNKED('/plane/1', 'abc') + GET('/control') + GET('/plane/3')] },
  'a control-plane request behind plane requests, in reads of their own': { parts: [GET('/plane/1'), GET('/control'), GET('/plane/3'), GET('/plane/4')] },
  'a control-plane request first': { parts: [GET('/control'), GET('/plane/2')] },
  'a control-plane request with a body behind a stream held a while': { parts: [GET('/plane/held'), POST('/control', 'x') + GET('/plane/3')], thenRelease: true },
  'a health check, its head in two reads (the last header apart)': { parts: [`GET /health HTTP/1.1\r\n${H}`, 'Accept: */*\r\n\r\n', GET('/plane/2')] },
  'a plane request with Connection: close, then another': { parts: [GET('/plane/1', 'Connection: close\r\n') + POST('/plane/2', 'b')] },
  'a plane request with Connection: close, then another a read later': { parts: [GET('/plane/1', 'Connection: close\r\n'), POST('/plane/2', 'b')] },
  'a plane POST with Connection: close, then another': { parts: [POST('/plane/1', 'a', 'Connection: close\r\n') + POST('/plane/2', 'b')] },
  'a chunked POST with Connection: close, then another': { parts: [CHUNKED('/plane/1', 'abc').replace('Transfer-Encoding', 'Connection: close\r\nTransfer-Encoding') + GET('/plane/2')] },
  'a health check with Connection: close, then a plane POST': { parts: [GET('/health', 'Connection: close\r\n') + POST('/plane/2', 'b')] },
  'a plane request with Connection: close, then CRLFs': { parts: [GET('/plane/1', 'Connection: close\r\n') + '\r\n\r\n'] },
  'an answer that closes, with requests behind it': { parts: [GET('/plane/close') + GET('/plane/2')] },
  'a half-close after a plane GET': { parts: [GET('/plane/1')], end: true },
  'a half-close after a plane POST': { parts: [POST('/plane/1', 'a')], end: true },
  'a half-close after a slow answer': { parts: [GET('/plane/slow')], end: true },
  'a half-close after two requests': { parts: [GET('/plane/1') + POST('/plane/2', 'b')], end: true },
  'a half-close after a health check': { parts: [GET('/health')], end: true },
  'a half-close after a stream': { parts: [GET('/plane/stream')], end: true },
  'a half-close behind a held stream': { parts: [GET('/plane/held')], end: true, thenRelease: true },
  'a half-close after a control-plane request behind a plane one': { parts: [GET('/plane/1') + GET('/control')], end: true },
  'a half-close after a control-plane request behind a slow answer': { parts: [GET('/plane/slow') + GET('/control') + GET('/plane/3')], end: true },
  'a half-close after a body over the limit': { parts: [POST('/plane/big', 'x'.repeat(65))], end: true },
  'a half-close after Connection: close': { parts: [GET('/plane/slow', 'Connection: close\r\n')], end: true },
  'a half-close in the middle of a head': { parts: [`GET /plane/1 HTTP/1.1\r\n${H}`], end: true },
  'a half-close in the middle of a sized body': { parts: [`POST /plane/1 HTTP/1.1\r\n${H}Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nab`], end: true },
  'a half-close in the middle of a chunked body': { parts: [`POST /plane/1 HTTP/1.1\r\n${H}Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n`], end: true },
  'Expect: 100-continue, the body after the 100': { parts: [`POST /plane/e HTTP/1.1\r\n${H}Content-Type: text/plain\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n`, 'ok', GET('/plane/after')] },
  'Expect: 100-continue behind a plane request': { parts: [GET('/plane/1') + `POST /plane/e HTTP/1.1\r\n${H}Content-Type: text/plain\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n`, 'ok', GET('/plane/after')] },
  'an expectation node:http does not know': { parts: [GET('/plane/e', 'Expect: something\r\n'), GET('/plane/after')] },
  'an upgrade of a plane path, with a request behind it': { parts: [GET('/plane/u', 'Connection: upgrade\r\nUpgrade: websocket\r\n') + GET('/plane/after'), GET('/plane/later')] },
  'an upgrade, then requests a read later': { parts: [GET('/plane/u', 'Connection: upgrade\r\nUpgrade: websocket\r\n'), GET('/plane/after')] },
  'an absolute-form target of the plane': { parts: [`GET http://h/plane/a HTTP/1.1\r\n${H}\r\n`, GET('/plane/after')] },
  'an absolute-form target of the control plane': { parts: [`GET http://h/control HTTP/1.1\r\n${H}\r\n`, GET('/plane/after')] },
  'an asterisk-form target': { parts: ['OPTIONS * HTTP/1.1\r\n' + H + '\r\n', GET('/plane/after')] },
  'a GET with a sized body': { parts: [`GET /plane/a HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\nok` + GET('/plane/after')] },
  'a GET with a chunked body': { parts: [`GET /plane/a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n` + GET('/plane/after')] },
  'a HEAD with a body': { parts: [`HEAD /plane/a HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\nok`, GET('/plane/after')] },
  'HTTP/1.0': { parts: [`GET /plane/a HTTP/1.0\r\n${H}\r\n`] },
  'HTTP/1.0 with keep-alive': { parts: [`GET /plane/a HTTP/1.0\r\n${H}Connection: keep-alive\r\n\r\n`, GET('/plane/after')] },
  'no Host': { parts: ['GET /plane/a HTTP/1.1\r\n\r\n'] },
  'a CORS request': { parts: [GET('/plane/a', 'Origin: https://x.example\r\n'), GET('/plane/after')] },
  'a method the plane does not serve': { parts: [`PROPFIND /plane/a HTTP/1.1\r\n${H}\r\n`, GET('/plane/after')] },
  'CONNECT': { parts: [`CONNECT h:443 HTTP/1.1\r\n${H}\r\n`, GET('/plane/after')] },
};

test('the llhttp front answers requests in a row, and those it hands over, as node:http\'s server does', { timeout: 60_000 }, async (t) => {
  const seen = await sameOnBoth(t, CASES);
  // node:http's own answers, so that the comparison is known to compare what matters.
  assert.deepEqual(statuses(seen['a control-plane request behind plane requests, in one read']!), ['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200']);
  assert.equal(seen['a control-plane request first']!.closed, false, 'node:http keeps the connection a control-plane answer went out on');
  assert.deepEqual(statuses(seen['a health check, its head in two reads (the last header apart)']!), ['HTTP/1.1 200', 'HTTP/1.1 200']);
  // A client that half-closes (FIN after its requests, as `nc -N`) gets every answer, given before or after its
  // FIN is read, and the connection closes after the last (ADR 0069, "Half-close"); what it cut short is a 400.
  const halfClosed: Record<string, string[]> = {
    'a half-close after a plane GET': ['HTTP/1.1 200'],
    'a half-close after a plane POST': ['HTTP/1.1 200'],
    'a half-close after a slow answer': ['HTTP/1.1 200'],
    'a half-close after two requests': ['HTTP/1.1 200', 'HTTP/1.1 200'],
    'a half-close after a health check': ['HTTP/1.1 200'],
    'a half-close after a stream': ['HTTP/1.1 200'],
    'a half-close behind a held stream': ['HTTP/1.1 200'],
    'a half-close after a control-plane request behind a plane one': ['HTTP/1.1 200', 'HTTP/1.1 200'],
    'a half-close after a control-plane request behind a slow answer': ['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200'],
    'a half-close after a body over the limit': ['HTTP/1.1 413'],
    'a half-close after Connection: close': ['HTTP/1.1 200'],
    'a half-close in the middle of a head': ['HTTP/1.1 400'],
    'a half-close in the middle of a sized body': ['HTTP/1.1 400'],
    'a half-close in the middle of a chunked body': ['HTTP/1.1 400'],
  };
  for (const [name, expected] of Object.entries(halfClosed)) {
    assert.deepEqual(statuses(seen[name]!), expected, name);
    assert.equal(seen[name]!.closed, true, `${name}: the connection closes after the last answer`);
  }
  assert.match(seen['a half-close after a slow answer']!.answer, /\r\n\r\nGET \/plane\/slow -$/, 'an answer given after the FIN was read is written whole');
  assert.deepEqual(seen['a half-close after two requests']!.ran, ['GET /plane/1', 'POST /plane/2']);
  assert.deepEqual(statuses(seen['Expect: 100-continue, the body after the 100']!), ['HTTP/1.1 100', 'HTTP/1.1 200', 'HTTP/1.1 200']);
});

test('a request after one that closes the connection never reaches the handler, on either server', { timeout: 30_000 }, async (t) => {
  // RFC 9112 §9.6: a server does not process requests after one that asked to close; node:http's parser
  // refuses their bytes (400). Neither server may run them, whatever answer the client gets; nor a request
  // read behind one the plane refuses (its 413 closes the connection, data-plane.ts).
  const seen = await sameOnBoth(t, {
    'behind a plane request': { parts: [GET('/plane/1', 'Connection: close\r\n') + POST('/plane/never', 'x')] },
    'behind a health check': { parts: [GET('/health', 'Connection: close\r\n') + POST('/plane/never', 'x')] },
    'a read later': { parts: [GET('/plane/slow', 'Connection: close\r\n'), POST('/plane/never', 'x')] },
    'behind a chunked POST': { parts: [CHUNKED('/plane/1', 'abc').replace('Transfer-Encoding', 'Connection: close\r\nTransfer-Encoding') + POST('/plane/never', 'x')] },
    // Refused before its body is read (413): its answer closes the connection, so what follows it is never answered.
    'behind a body refused as too large': { parts: [POST('/plane/big', 'x'.repeat(65)) + GET('/plane/never') + GET('/control')] },
  });
  for (const [name, answer] of Object.entries(seen)) {
    assert.ok(!answer.ran.some((ran) => ran.includes('/never')), `${name}: ${answer.ran.join(', ')}`);
    assert.equal(answer.closed, true, name);
    // The request that asked to close is answered: the bytes after it are ignored, not answered with a 400 that
    // would take its answer's place (its call run, its answer lost).
    assert.deepEqual(statuses(answer), [name === 'behind a body refused as too large' ? 'HTTP/1.1 413' : 'HTTP/1.1 200'], name);
  }
});

test('behind a request it hands over, the front runs pipelined requests only once the answers before it are out, where node:http runs them as it reads them', { timeout: 30_000 }, async (t) => {
  // The one difference the suite knows (ADR 0069): a request the front hands to node:http waits, unread past its
  // head, until the answers before it are written (node:http cannot queue its answers behind the front's), and
  // node:http then reads what follows it. node:http alone reads on, runs the plane requests behind it and queues
  // their answers. Once the stream ends, both have answered the same, in the same order.
  const seen = await onBoth(t, { 'behind a held stream': { parts: [GET('/plane/held'), GET('/control') + GET('/plane/3') + POST('/plane/4', 'd')], thenRelease: true } });
  const [node, llhttp] = seen['behind a held stream']!;
  assert.deepEqual(node.ranWhileHeld, ['GET /plane/3', 'GET /plane/held', 'POST /plane/4']);
  assert.deepEqual(llhttp.ranWhileHeld, ['GET /plane/held']);
  assert.deepEqual({ ...llhttp, ranWhileHeld: undefined }, { ...node, ranWhileHeld: undefined });
  assert.deepEqual(statuses(node), ['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200']);
});
