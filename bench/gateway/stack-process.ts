/**
 * Harness side of `stack-target.ts`, shared by the gateway and scale
 * benchmarks: fork a child of a kind, wait for its URLs, ask it for its CPU
 * time and call counts, and provision the OAuth client the load calls with.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { CallCounts } from '../scale/call-counters.js';

/** A started stack child and what its `ready` message said (`url`, or the gateway's `gatewayUrl`). */
export interface StackChild {
  child: ChildProcess;
  message: Record<string, string>;
}

/**
 * Forks `stack-target.js` and sends it `start`. BENCH_GATEWAY_NODE_OPTIONS
 * (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p") profiles the children (file names
 * carry their pids, logged). BENCH_GATEWAY_ONLY_NODE_OPTIONS adds flags to the
 * gateway's child alone (kind `control`), e.g. a heap setting tried on it.
 */
export async function startStackChild(start: Record<string, unknown>): Promise<StackChild> {
  const flags = (name: string) => process.env[name]?.split(' ').filter(Boolean) ?? [];
  const execArgv = [...flags('BENCH_GATEWAY_NODE_OPTIONS'), ...(start['kind'] === 'control' ? flags('BENCH_GATEWAY_ONLY_NODE_OPTIONS') : [])];
  const child = fork(fileURLToPath(new URL('./stack-target.js', import.meta.url)), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  child.send({ type: 'start', ...start });
  const [message] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => [{ type: 'exit' }])])) as [Record<string, string>];
  if (message['type'] !== 'ready') {
    child.kill('SIGKILL');
    throw new Error(`bench child (${String(start['kind'])}) failed to start`);
  }
  if (execArgv.length > 0) process.stdout.write(`bench child ${String(start['kind'])}: pid ${child.pid}\n`);
  return { child, message };
}

function ask<T>(child: ChildProcess, type: 'cpu' | 'stats' | 'spoe' | 'spoe-stats', extra: Record<string, unknown> = {}): Promise<T> {
  return new Promise<T>((resolve) => {
    const onMessage = (m: { type?: string }) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      resolve(m as T);
    };
    child.on('message', onMessage);
    child.send({ type, ...extra });
  });
}

/** Starts the SPOE policy agent in a `control` child (beside its gateway, over its parts); resolves to the agent's port. */
export async function startSpoeAgentIn(child: ChildProcess, cacheVerdicts: boolean): Promise<number> {
  return (await ask<{ port: number }>(child, 'spoe', { cacheVerdicts })).port;
}

/** Answers the SPOE policy agents of a `control` child saw fail (an error status or a JSON-RPC error), and calls they never saw answered. */
export async function spoeFailuresIn(child: ChildProcess): Promise<number> {
  const m = await spoeCountsIn(child);
  return m.failedAnswers + m.abandoned;
}

/** The SPOE agents' counters in a `control` child: failures, and the NOTIFY frames, socket reads and writes so far. */
export function spoeCountsIn(child: ChildProcess): Promise<{ failedAnswers: number; abandoned: number; notifies: number; reads: number; writes: number }> {
  return ask(child, 'spoe-stats');
}

/** CPU time (user + system) a bench child has used so far, µs. */
export async function cpuOf(child: ChildProcess): Promise<number> {
  return (await ask<{ micros?: number }>(child, 'cpu')).micros ?? 0;
}

/** CPU time so far, µs, and the statements, transactions and Redis commands sent so far (zero for a child not on shared state). */
export async function statsOf(child: ChildProcess): Promise<CallCounts & { micros: number }> {
  const m = await ask<Partial<CallCounts> & { micros?: number }>(child, 'stats');
  return { micros: m.micros ?? 0, pgStatements: m.pgStatements ?? 0, pgTransactions: m.pgTransactions ?? 0, redisCommands: m.redisCommands ?? 0 };
}

/** Fetch with a JSON answer. */
export async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** The quota of the bench client and the HAProxy rate limit: on, costing their count per call, far above the load. */
export const REQUESTS_PER_MINUTE = 10_000_000;
const SCOPES = ['a2a:message:send', 'a2a:tasks:read'];

/**
 * Creates the bench's OAuth client (tenant `bench`, quota on but far above
 * the load), tops its tenant up, and returns a function that fetches a fresh
 * token (a long run outlives the gateway's 15-minute tokens).
 */
export async function provisionBenchClient({ gatewayUrl, adminToken }: { gatewayUrl: string; adminToken: string }): Promise<() => Promise<string>> {
  const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const client = await json(`${gatewayUrl}/v1/clients`, {
    method: 'POST',
    headers: admin,
    // The quota stays on, set far above the load: the bench measures its cost, not its refusals.
    body: JSON.stringify({ name: 'bench', tenant: 'bench', scopes: SCOPES, authMethod: 'client_secret_basic', rateLimit: { requestsPerMinute: REQUESTS_PER_MINUTE, burst: 1000 } }),
  });
  if (client.status !== 201) throw new Error(`client creation answered ${client.status}: ${JSON.stringify(client.body)}`);
  const topUp = await json(`${gatewayUrl}/v1/tenants/bench/credits/topups`, { method: 'POST', headers: admin, body: JSON.stringify({ reference: 'bench', milliCredits: 1_000_000_000_000 }) });
  if (topUp.status >= 300) throw new Error(`the top-up answered ${topUp.status}: ${JSON.stringify(topUp.body)}`);
  const basic = Buffer.from(`${client.body.client_id}:${client.body.client_secret}`).toString('base64');
  return async () => {
    const answer = await json(`${gatewayUrl}/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    if (answer.status !== 200) throw new Error(`the token endpoint answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body.access_token as string;
  };
}
