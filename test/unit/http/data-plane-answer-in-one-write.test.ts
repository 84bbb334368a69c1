import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { duplexPair } from 'node:stream';
import type { DataPlaneRoute, DataPlaneServer, ExchangeReply, ExchangeRequest } from '../../../src/http/index.js';
import { testServer } from './test-server.js';

/**
 * The data plane writes an answer given whole with a body up to 16 KiB in one write of the socket, its
 * head and body together, not node:http's corked pair (a `writev` of two chunks): the llhttp front
 * copies them into one buffer, and on node:http's server the body goes as its latin1 string, which
 * node:http joins to its head. Over a connection handed over in memory each write of the server
 * arrives as a chunk of its own, so the chunks count the writes. Every byte value is written as given,
 * and a larger body still follows its head, byte for byte.
 */
async function answers(server: DataPlaneServer, bodies: Record<string, Buffer | string>): Promise<Map<string, Buffer[]>> {
  const handle = async (request: ExchangeRequest, reply: ExchangeReply): Promise<void> => {
    reply.header('content-type', 'application/octet-stream').header('x-latin', 'caf\u00e9').send(bodies[request.url]);
  };
  const route: DataPlaneRoute = { prefix: '/plane/', routeLabel: () => '/plane/*', handle };
  const s = testServer({ dataPlane: route, dataPlaneServer: server });
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const [client, served] = duplexPair();
    Object.assign(served, { remoteAddress: '127.0.0.1', remoteFamily: 'IPv4', remotePort: 0 });
    s.app.server.emit('connection', served);
    const byPath = new Map<string, Buffer[]>();
    for (const path of Object.keys(bodies)) {
      const chunks: Buffer[] = [];
      const expected = Buffer.byteLength(bodies[path]!);
      const onData = (chunk: Buffer): void => {
        chunks.push(chunk);
        const text = Buffer.concat(chunks);
        const end = text.indexOf('\r\n\r\n');
        if (end >= 0 && text.length - end - 4 >= expected) client.emit('answered');
      };
      client.on('data', onData);
      const answered = once(client, 'answered');
      client.write(`GET ${path} HTTP/1.1\r\nHost: h\r\n\r\n`);
      await answered;
      client.off('data', onData);
      byPath.set(path, chunks);
    }
    client.destroy();
    return byPath;
  } finally {
    await s.app.close();
  }
}

const SERVERS: DataPlaneServer[] = ['llhttp', 'node'];
/** Every byte value, twice: what a latin1 round trip of the body must keep. */
const EVERY_BYTE = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));

for (const server of SERVERS) {
  test(`an answer with a body up to 16 KiB leaves the ${server} server in one write, its head and body together`, async () => {
    const small = Buffer.from('{"jsonrpc":"2.0","id":1,"result":{"kind":"message"}}');
    const limit = Buffer.alloc(16_384, 0x61);
    const got = await answers(server, { '/plane/small': small, '/plane/limit': limit, '/plane/bytes': EVERY_BYTE, '/plane/text': 'a string body, é' });
    for (const [path, body] of [
      ['/plane/small', small],
      ['/plane/limit', limit],
      ['/plane/bytes', EVERY_BYTE],
    ] as const) {
      const chunks = got.get(path)!;
      assert.equal(chunks.length, 1, `${path}: one write`);
      const whole = chunks[0]!;
      const head = whole.subarray(0, whole.indexOf('\r\n\r\n') + 4).toString('latin1');
      assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(head, new RegExp(`\r\ncontent-length: ${body.length}\r\n`, 'i'));
      // The head's latin1 value is one byte, as node:http writes it.
      assert.ok(whole.includes(Buffer.from('x-latin: caf\u00e9\r\n', 'latin1')), `${path}: the latin1 header as one byte`);
      assert.deepEqual(whole.subarray(head.length), body, `${path}: the body follows its head, byte for byte`);
    }
    assert.equal(got.get('/plane/text')!.length, 1, 'a string body: one write, as before');
  });

  test(`an answer with a body over 16 KiB still follows its head whole from the ${server} server`, async () => {
    const large = Buffer.alloc(16_385);
    for (let i = 0; i < large.length; i++) large[i] = i % 251;
    const whole = Buffer.concat((await answers(server, { '/plane/large': large })).get('/plane/large')!);
    const headEnd = whole.indexOf('\r\n\r\n') + 4;
    assert.match(whole.subarray(0, headEnd).toString('latin1'), /\r\ncontent-length: 16385\r\n/i);
    assert.deepEqual(whole.subarray(headEnd), large);
  });
}
