/**
 * What one connection sends, without a token, does not grow the gateway, whatever it is: 512 MiB of
 * chunk-size digits (a chunk size without end), then 32 MiB of chunks each with the 16 KiB of
 * extensions node:http allows, then 64 MiB pipelined behind a streamed answer held open. The gateway
 * runs as `agentmesh serve gateway` in a process of its own, with each of its two HTTP/1.1 servers
 * (ADR 0069), and its resident memory is read from the kernel while the connection is still open, its
 * request unfinished.
 *
 * node:http's server (the default) reads a connection into one buffer it reuses: its memory moves by a
 * few megabytes. The llhttp front reads in JavaScript, a new buffer each read, which V8 collects only
 * once some 64 MiB of them are garbage: its memory rises by up to that once, then no more, however much
 * is sent (kept, it would have grown by what was sent: 512 MiB and more).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { defineAgent } from '../../../src/runtime/index.js';
import { startChildGateway } from '../../helpers/child-gateway.js';
import { ADMIN_TOKEN, createClient, fetchToken, topUp } from '../../helpers/gateway-fixture.js';
import { freePort } from '../../helpers/free-port.js';
import { startRegistry } from '../../helpers/registry-fixture.js';
import { holdUntilCanceled, startRuntime } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';

const MiB = 1024 * 1024;
const SERVERS = ['node', 'llhttp'] as const;
/** How far each server's resident memory may move over all three floods (see the file's head). */
const BOUND = { node: 16 * MiB, llhttp: 96 * MiB };
const holder = defineAgent({
  card: { name: 'holder', description: 'Streams a first event, then holds its answer open' },
  defaultSkill: 'hold',
  skills: { hold: holdUntilCanceled({ description: 'Holds', progress: 'holding' }) },
});

let registry: Awaited<ReturnType<typeof startRegistry>>;
let host: Awaited<ReturnType<typeof startRuntime>>;
const gateways: Partial<Record<(typeof SERVERS)[number], { url: string; pid: number; token: string; close(): Promise<void> }>> = {};
const dirs: string[] = [];

before(async () => {
  registry = await startRegistry({ probeIntervalMs: 200 });
  await Promise.all(
    SERVERS.map(async (server) => {
      const dataDir = mkdtempSync(join(tmpdir(), `agentmesh-gateway-${server}-`));
      dirs.push(dataDir);
      const env = {
        HOST: '127.0.0.1',
        GATEWAY_METRICS_PORT: '0',
        GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN,
        GATEWAY_DATA_PLANE_SERVER: server,
        REGISTRY_URL: registry.url,
        LOG_LEVEL: 'warn',
        AGENTMESH_DEV: '1',
        AGENTMESH_ALLOW_HOSTS: '127.0.0.1,localhost',
        DATABASE_URL: '',
      };
      const child = await startChildGateway(env, await freePort(), dataDir);
      gateways[server] = { url: child.url, pid: child.child.pid!, token: '', close: child.close };
    }),
  );
  // One runtime behind both gateways (it asks for no gateway assertion: each gateway signs with keys of its own).
  host = await startRuntime([holder], { registryUrl: registry.url });
  for (const server of SERVERS) {
    const gateway = gateways[server]!;
    gateway.token = await fetchToken(gateway.url, await createClient(gateway.url, { name: 'caller', tenant: 'acme', scopes: ['a2a:message:send'] }));
    await topUp(gateway.url, 'acme', 1_000);
    await until(`the ${server} gateway to route to the holder`, async () => (await fetch(`${gateway.url}/agents/holder/.well-known/agent-card.json`)).status === 200);
  }
});
after(async () => {
  await Promise.all(SERVERS.map((server) => gateways[server]?.close()));
  await host?.close();
  await registry?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The gateway process's resident memory (Linux: /proc), in bytes. */
function resident(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/** A connection to `url` that has sent `head`. */
async function opened(url: string, head: string): Promise<Socket> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  socket.write(head);
  return socket;
}

/** Sends `chunk` until `total` bytes are out or the gateway closes the connection; resolves with the bytes sent. */
async function flood(socket: Socket, chunk: Buffer, total: number): Promise<number> {
  let sent = 0;
  while (sent < total && !socket.destroyed && socket.writable) {
    sent += chunk.length;
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
  }
  return sent;
}

const chunkedHead = (host: string): string => `POST /agents/holder HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nA2A-Version: 1.0\r\nTransfer-Encoding: chunked\r\n\r\n`;

for (const server of SERVERS) {
  test(`${server}: 512 MiB of chunk-size digits, then extensions, then bytes behind a held stream, sent without a token, do not grow the gateway`, { timeout: 120_000 }, async () => {
    const gateway = gateways[server]!;
    const host = new URL(gateway.url).host;
    const zeros = Buffer.alloc(256 * 1024, '0');
    // 16 chunks of 16,000 bytes of extensions each (node:http's limit is 16 KiB a chunk), then their data.
    const extensions = Buffer.from(`1;${'e'.repeat(16_000)}\r\nx\r\n`.repeat(16));
    const grew: Record<string, number> = {};
    const sent: Record<string, number> = {};
    const before = resident(gateway.pid);
    const measure = async (what: string, start: () => Promise<Socket>, chunk: Buffer, total: number): Promise<void> => {
      const socket = await start();
      sent[what] = await flood(socket, chunk, total);
      grew[what] = resident(gateway.pid) - before;
      socket.destroy();
    };
    await measure('chunk-size digits', () => opened(gateway.url, chunkedHead(host)), zeros, 512 * MiB);
    await measure('chunk extensions', () => opened(gateway.url, chunkedHead(host)), extensions, 32 * MiB);
    await measure(
      'behind a held stream',
      async () => {
        const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendStreamingMessage', params: { message: { messageId: `held-${server}`, role: 'ROLE_USER', parts: [{ text: 'hold' }] } } });
        const socket = await opened(gateway.url, `POST /agents/holder HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${gateway.token}\r\nA2A-Version: 1.0\r\nAccept: text/event-stream\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        await once(socket, 'data');
        // Behind the stream, a request with no token whose chunk size never ends.
        socket.write(chunkedHead(host));
        return socket;
      },
      zeros,
      64 * MiB,
    );
    for (const [what, bytes] of Object.entries(grew)) {
      assert.ok(sent[what]! >= 32 * MiB, `${what}: only ${(sent[what]! / MiB).toFixed(0)} MiB could be sent`);
      assert.ok(bytes < BOUND[server], `${what}: the gateway grew by ${(bytes / MiB).toFixed(1)} MiB since the first flood began`);
    }
  });
}
