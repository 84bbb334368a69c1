/**
 * SendMessage (JSON-RPC, blocking) through the gateway
 * to a bridged ACP agent vs to an equivalent native agent, as a ratio. Both
 * agents echo the text back as their output; the native one is an agentmesh
 * runtime agent (its task written durably to SQLite), the ACP one a minimal
 * node:http ACP server answering `sync` and `stream` runs from memory (what a
 * light ACP SDK server does; the bridge makes a blocking send a `stream` run). Everything runs in this process, so the figures are
 * end-to-end latency and throughput, not the gateway's CPU alone. Rounds
 * alternate the two targets; the median round is reported.
 *
 * Run: `npm run bench -- --only acp [--rounds 3]` (1,000 calls per round, 8 in flight).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineAgent } from '../../src/runtime/index.js';
import { createClient, fetchToken, startGateway, topUp } from '../../test/helpers/gateway-fixture.js';
import { call, startRegistry } from '../../test/helpers/registry-fixture.js';
import { startRuntime } from '../../test/helpers/runtime-fixture.js';
import { until } from '../../test/helpers/until.js';

/** One target's median round. */
export interface AcpBridgeRow {
  perSecond: number;
  p50: number;
  p99: number;
}

export interface AcpBridgeBenchReport {
  calls: number;
  concurrency: number;
  rounds: number;
  native: AcpBridgeRow;
  bridged: AcpBridgeRow;
}

/** A minimal ACP server: manifests, ping, and `sync` or `stream` runs that echo their input. */
async function startAcpEcho(): Promise<{ url: string; close: () => Promise<void> }> {
  const manifest = { name: 'acp-echo', description: 'Echoes text', input_content_types: ['text/plain'], output_content_types: ['text/plain'] };
  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/ping') return json(res, 200, {});
    if (req.method === 'GET' && path === '/agents') return json(res, 200, { agents: [manifest] });
    if (req.method === 'GET' && path === '/agents/acp-echo') return json(res, 200, manifest);
    if (req.method === 'POST' && path === '/runs') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const now = new Date().toISOString();
        const parts = body.input.flatMap((m: { parts: unknown[] }) => m.parts);
        const message = { role: 'agent/acp-echo', parts };
        const run = { agent_name: 'acp-echo', run_id: randomUUID(), session_id: body.session_id, status: 'completed', output: [message], created_at: now, finished_at: now };
        if (body.mode !== 'stream') return json(res, 200, run);
        // The events a stream run carries: created, the message, completed.
        const events = [{ type: 'run.created', run: { ...run, status: 'created', output: [], finished_at: undefined } }, { type: 'message.completed', message }, { type: 'run.completed', run }];
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }).end(events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join(''));
      });
      return;
    }
    json(res, 404, { code: 'not_found', message: 'not here' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const native = defineAgent({
  card: { name: 'native-echo', description: 'Echoes text', defaultInputModes: ['text/plain'], defaultOutputModes: ['text/plain'] },
  defaultSkill: 'echo',
  skills: { echo: { description: 'Echoes text', handler: async (text: string) => text } },
});

export async function runAcpBridgeBench({ calls = 1000, concurrency = 8, rounds, log }: { calls?: number; concurrency?: number; rounds: number; log: (line: string) => void }): Promise<AcpBridgeBenchReport> {
  // Closed last-first whatever happens, so a failed run leaves no server behind.
  const closers: Array<() => Promise<unknown>> = [];
  try {
    const registry = await startRegistry({ probeIntervalMs: 500 });
    closers.push(() => registry.close());
    const gw = await startGateway(registry.url, { defaultRequestsPerMinute: 1_000_000, tenantRequestsPerMinute: 1_000_000, logLevel: 'silent' });
    const host = await startRuntime([native], { registryUrl: registry.url, gatewayJwksUrl: `${gw.url}/.well-known/jwks.json`, requireGatewayAssertion: true });
    closers.push(() => gw.close(), () => host.close());
    const acp = await startAcpEcho();
    closers.push(() => acp.close());
    const registered = await call(registry.url, 'POST', '/v1/agents', { protocol: 'acp', url: acp.url });
    if (registered.status !== 201) throw new Error(`registering the ACP agent answered ${registered.status}`);
    await until('the gateway to route to both', async () => ['native-echo', 'acp-echo'].every((n) => gw.gateway.router.agent(n)?.instances.some((i) => i.inRotation) ?? false), 10_000);
    const token = await fetchToken(gw.url, await createClient(gw.url, { name: 'bench', tenant: 'bench', scopes: ['a2a:message:send', 'a2a:tasks:read'] }));
    await topUp(gw.url, 'bench', 1_000_000);

    async function send(agent: string): Promise<void> {
      const res = await fetch(`${gw.url}/agents/${agent}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'hello' }] } } }),
      });
      const body = (await res.json()) as { result?: { task?: { status?: { state?: string } } } };
      if (body.result?.task?.status?.state !== 'TASK_STATE_COMPLETED') throw new Error(`${agent}: ${JSON.stringify(body).slice(0, 300)}`);
    }

    async function round(agent: string): Promise<{ perSecond: number; p50: number; p99: number }> {
      const latencies: number[] = [];
      let next = 0;
      const start = performance.now();
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next++ < calls) {
          const t = performance.now();
          await send(agent);
          latencies.push(performance.now() - t);
        }
      }));
      const seconds = (performance.now() - start) / 1000;
      latencies.sort((a, b) => a - b);
      return { perSecond: calls / seconds, p50: latencies[Math.floor(latencies.length / 2)]!, p99: latencies[Math.floor(latencies.length * 0.99)]! };
    }

    for (const agent of ['native-echo', 'acp-echo']) for (let i = 0; i < 50; i++) await send(agent);
    log(`acp: SendMessage through the gateway, native then bridged, ${calls} calls x ${rounds} rounds at ${concurrency} in flight…`);
    const results: Record<string, Array<{ perSecond: number; p50: number; p99: number }>> = { 'native-echo': [], 'acp-echo': [] };
    for (let r = 0; r < rounds; r++) {
      for (const agent of r % 2 === 0 ? ['native-echo', 'acp-echo'] : ['acp-echo', 'native-echo']) results[agent]!.push(await round(agent));
    }
    const median = (agent: string) => [...results[agent]!].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(rounds / 2)]!;
    return { calls, concurrency, rounds, native: median('native-echo'), bridged: median('acp-echo') };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}

export function formatAcpBridgeBench(r: AcpBridgeBenchReport): string[] {
  return [
    `SendMessage through the gateway to a native agent and to a bridged ACP agent, ${r.calls} calls x ${r.rounds} rounds, ${r.concurrency} in flight (median round):`,
    `  native agent        ${r.native.perSecond.toFixed(0)} calls/s  p50 ${r.native.p50.toFixed(2)} ms  p99 ${r.native.p99.toFixed(2)} ms`,
    `  bridged ACP agent   ${r.bridged.perSecond.toFixed(0)} calls/s  p50 ${r.bridged.p50.toFixed(2)} ms  p99 ${r.bridged.p99.toFixed(2)} ms`,
    `  bridged ÷ native: throughput ${(r.bridged.perSecond / r.native.perSecond).toFixed(2)}×, p50 latency ${(r.bridged.p50 / r.native.p50).toFixed(2)}×`,
  ];
}
