import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { H, SERVERS, mask, peers, sameOnBoth, statuses, type Sent } from './data-plane-servers.js';
import { TS_CHILD_ARGV } from '../../helpers/typescript-child.js';
import { waitForOutput } from '../../helpers/child-output.js';

/**
 * node:http's limits — header size and count, URL length, the body limit, chunk extensions, how long a
 * client may take — reached by the same bytes on node:http's server and on the llhttp front, with the
 * same answers (data-plane-servers.ts compares); and what a connection may make the server keep
 * whatever it sends: no more than a head and a read, never what a client sends without end.
 */

const POST = `POST /plane/p HTTP/1.1\r\n${H}Content-Type: text/plain\r\n`;
const CHUNKED = `${POST}Transfer-Encoding: chunked\r\n\r\n`;
const GET = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\n${H}${extra}\r\n`;

const LIMITS: Record<string, Sent> = {
  'a header over 16 KiB': { parts: [GET('/plane/a', `X-Big: ${'a'.repeat(17_000)}\r\n`)] },
  'headers over 16 KiB together': { parts: [GET('/plane/a', `X-A: ${'a'.repeat(9_000)}\r\nX-B: ${'b'.repeat(9_000)}\r\n`)] },
  'a head of 16 KiB less a little': { parts: [GET('/plane/a', `X-Big: ${'a'.repeat(16_000)}\r\n`)] },
  'a target over 16 KiB': { parts: [GET(`/plane/${'a'.repeat(17_000)}`)] },
  'a control-plane target over 16 KiB': { parts: [GET(`/control?${'a'.repeat(17_000)}`)] },
  'a head over 16 KiB in many reads': { parts: Array.from({ length: 20 }, (_, i) => (i === 0 ? `GET /plane/a HTTP/1.1\r\n${H}` : `X-${i}: ${'a'.repeat(1_000)}\r\n`)) },
  '1,000 headers': { parts: [GET('/plane/a', Array.from({ length: 999 }, (_, i) => `x${i}:${i}\r\n`).join(''))] },
  '1,001 headers': { parts: [GET('/plane/a', Array.from({ length: 1_000 }, (_, i) => `x${i}:${i}\r\n`).join(''))] },
  '1,001 headers, the control plane\'s': { parts: [GET('/control', Array.from({ length: 1_000 }, (_, i) => `x${i}:${i}\r\n`).join(''))] },
  'a body at the limit': { parts: [`${POST}Content-Length: 64\r\n\r\n${'x'.repeat(64)}`] },
  'a body over the limit, declared': { parts: [`${POST}Content-Length: 65\r\n\r\n`] },
  'a body over the limit, declared, a request behind it': { parts: [`${POST}Content-Length: 65\r\n\r\n${'x'.repeat(65)}${GET('/plane/behind')}`] },
  'a body over the limit, chunked': { parts: [`${CHUNKED}40\r\n${'x'.repeat(64)}\r\n1\r\ny\r\n0\r\n\r\n`] },
  'a body over the limit, chunked, in reads': { parts: [CHUNKED, `40\r\n${'x'.repeat(64)}\r\n`, '1\r\ny\r\n', '0\r\n\r\n'] },
  'a body over the limit, Connection: close': { parts: [`${POST}Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n41\r\n${'x'.repeat(65)}\r\n0\r\n\r\n`] },
  'chunk extensions over 16 KiB': { parts: [`${CHUNKED}1;${'e'.repeat(17_000)}\r\nx\r\n0\r\n\r\n`] },
  'chunk extensions over 16 KiB in all, a byte a chunk': { parts: [CHUNKED, ...Array.from({ length: 20 }, () => `0000;${'e'.repeat(1_000)}\r\n`)] },
  'trailers over 16 KiB': { parts: [`${CHUNKED}1\r\nx\r\n0\r\nX-T: ${'t'.repeat(17_000)}\r\n\r\n`] },
  'a chunk size of 64 KiB of zeros': { parts: [`${CHUNKED}${'0'.repeat(65_536)}2\r\nhi\r\n0\r\n\r\n`] },
  'a chunk size of zeros without end': { parts: [CHUNKED, ...Array.from({ length: 16 }, () => '0'.repeat(65_536))] },
  'CRLFs between two requests, 64 KiB of them': { parts: [GET('/plane/1') + '\r\n'.repeat(32_768) + GET('/plane/2')] },
  'a header without end behind a held stream': { parts: [GET('/plane/held'), `GET /plane/2 HTTP/1.1\r\n${H}X-Long: `, ...Array.from({ length: 8 }, () => 'a'.repeat(4_096))] },
  'a chunk size without end behind a held stream': { parts: [GET('/plane/held'), CHUNKED, ...Array.from({ length: 8 }, () => '0'.repeat(65_536))] },
};

test('the llhttp front refuses what node:http\'s limits refuse, with node:http\'s answers', { timeout: 60_000 }, async (t) => {
  const seen = await sameOnBoth(t, LIMITS);
  assert.deepEqual(statuses(seen['a header over 16 KiB']!), ['HTTP/1.1 431']);
  assert.deepEqual(statuses(seen['a target over 16 KiB']!), ['HTTP/1.1 414']);
  assert.deepEqual(statuses(seen['a body over the limit, chunked']!), ['HTTP/1.1 413']);
  assert.deepEqual(statuses(seen['chunk extensions over 16 KiB']!), ['HTTP/1.1 400']);
  assert.deepEqual(statuses(seen['1,000 headers']!), ['HTTP/1.1 200']);
  assert.deepEqual(statuses(seen['1,001 headers']!), ['HTTP/1.1 431']);
  // No CRLF in the read that passed the limit: node:http's verdict is a target too long (client-errors.ts).
  assert.deepEqual(statuses(seen['a header without end behind a held stream']!), ['HTTP/1.1 200', 'HTTP/1.1 414']);
});

const SLOW: Record<string, Sent> = {
  'a head trickled past headersTimeout': { parts: ['GET /plane/a HTTP/1.1\r\n', 'Host: h\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n', 'X-C: 3\r\n'], gapMs: 120, quietMs: 400 },
  'nothing at all': { parts: [], quietMs: 600 },
  'a sized body trickled past requestTimeout': { parts: [`${POST}Content-Length: 10\r\n\r\n`, 'a', 'b', 'c', 'd', 'e', 'f', 'g'], gapMs: 120, quietMs: 400 },
  'a chunked body trickled past requestTimeout': { parts: [CHUNKED, '1\r\na\r\n', '1\r\nb\r\n', '1\r\nc\r\n', '1\r\nd\r\n', '1\r\ne\r\n', '1\r\nf\r\n'], gapMs: 120, quietMs: 400 },
  'a slow body behind an answered request': { parts: [GET('/plane/1') + `${POST}Content-Length: 10\r\n\r\n`, 'a', 'b', 'c', 'd', 'e', 'f', 'g'], gapMs: 120, quietMs: 400 },
  'a body in pieces, in time': { parts: [`${POST}Content-Length: 3\r\n\r\n`, 'a', 'b', 'c'], gapMs: 50, quietMs: 300 },
  'a slow head behind a held stream': { parts: [GET('/plane/held'), 'GET /plane/2 HTTP/1.1\r\n', 'Host: h\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n', 'X-C: 3\r\n'], gapMs: 120, quietMs: 400 },
};

test('a client too slow with its head or body gets node:http\'s 408 from either server', { timeout: 60_000 }, async (t) => {
  const seen = await sameOnBoth(t, SLOW, { headersTimeoutMs: 250, requestTimeoutMs: 500 });
  for (const name of ['a head trickled past headersTimeout', 'nothing at all', 'a sized body trickled past requestTimeout', 'a chunked body trickled past requestTimeout']) {
    assert.deepEqual(statuses(seen[name]!), ['HTTP/1.1 408'], name);
    assert.equal(seen[name]!.closed, true, name);
  }
  assert.deepEqual(statuses(seen['a body in pieces, in time']!), ['HTTP/1.1 200']);
});

/** A connection to `port` that has sent `head`. */
async function opened(port: number, head: string): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  socket.write(head);
  return socket;
}

/** Sends `bytes` on `socket`, `times` over, as fast as the server reads them. */
async function flood(socket: Socket, bytes: Buffer, times: number): Promise<void> {
  for (let i = 0; i < times && !socket.destroyed; i++) {
    if (!socket.write(bytes)) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
  }
}

/** The bytes a server child keeps (garbage collected first): buffers and the JavaScript heap. */
async function kept(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/memory`);
  const { heapUsed, external } = (await res.json()) as Record<string, number>;
  return heapUsed! + external!;
}

test('what a client sends without end is not kept, on either server', { timeout: 60_000 }, async (t) => {
  // 16 MiB a connection, no token needed: the old front kept every read of a request not yet whole, for a
  // hand-over. Each server runs in a process of its own (data-plane-server-child.ts), which collects its garbage
  // before it answers what it keeps; the connection is still open, its request unfinished, when it is asked.
  const MiB = 1024 * 1024;
  const zeros = Buffer.alloc(64 * 1024, '0');
  const extensions = Buffer.from(`1;${'e'.repeat(16_000)}\r\nx\r\n`.repeat(4));
  for (const kind of SERVERS) {
    const child = spawn(process.execPath, [...TS_CHILD_ARGV, '--expose-gc', fileURLToPath(new URL('./data-plane-server-child.ts', import.meta.url)), kind], { stdio: ['pipe', 'pipe', 'inherit'] });
    t.after(() => child.kill());
    const port = Number(await waitForOutput(child, /listening (\d+)/, 'the server child'));
    const grew: Record<string, number> = {};
    const measure = async (what: string, send: () => Promise<Socket>): Promise<void> => {
      const before = await kept(port);
      const socket = await send();
      grew[what] = (await kept(port)) - before;
      socket.destroy();
    };
    await measure('chunk-size digits', async () => {
      const socket = await opened(port, CHUNKED);
      await flood(socket, zeros, 256);
      return socket;
    });
    await measure('chunk extensions', async () => {
      const socket = await opened(port, CHUNKED);
      await flood(socket, extensions, 256);
      return socket;
    });
    await measure('behind a held stream', async () => {
      const socket = await opened(port, GET('/plane/held'));
      await once(socket, 'data');
      socket.write(CHUNKED);
      await flood(socket, zeros, 256);
      return socket;
    });
    for (const [what, bytes] of Object.entries(grew)) assert.ok(bytes < 2 * MiB, `${kind}, ${what}: ${(bytes / MiB).toFixed(1)} MiB kept`);
  }
});

/** Writes a GET of `path` on `socket` and resolves with the answer once its body (the path echoed) has come. */
async function answered(socket: Socket, path: string): Promise<string> {
  let text = '';
  const whole = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.endsWith(`GET ${path} -`)) resolve();
    });
    socket.once('close', () => reject(new Error(`closed before the answer to ${path}: ${text}`)));
  });
  socket.write(GET(path));
  await whole;
  return mask(text);
}

test('a thousand idle connections leave either server answering others', { timeout: 60_000 }, async (t) => {
  const answers: string[] = [];
  for (const peer of await peers(t)) {
    const idle = await Promise.all(Array.from({ length: 1_000 }, () => opened(peer.port, '')));
    // A caller on a connection of its own, and one on a connection that idled first.
    const fresh = await opened(peer.port, '');
    answers.push(await answered(fresh, '/plane/fresh'));
    const late = await answered(idle[0]!, '/plane/idled');
    for (const socket of [fresh, ...idle]) socket.destroy();
    assert.match(late, /^HTTP\/1\.1 200 /, peer.kind);
  }
  assert.match(answers[0]!, /^HTTP\/1\.1 200 [\s\S]*GET \/plane\/fresh -$/);
  assert.equal(answers[1], answers[0]);
});
