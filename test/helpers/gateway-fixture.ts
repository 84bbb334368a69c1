import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGateway, type Gateway, type GatewayConfigInput, type GatewayOptions } from '../../src/gateway/index.js';
import { closeInTurn, directoryRemoval } from './close-in-turn.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/** A gateway on port 0 in a temporary data dir, in front of `registryUrl`; `options` passes a logger or metrics. */
export async function startGateway(registryUrl: string, config: GatewayConfigInput = {}, options: Omit<GatewayOptions, 'config'> = {}): Promise<{ gateway: Gateway; url: string; metricsUrl: string; close: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-gateway-'));
  const gateway = await createGateway({ ...options, config: { port: 0, metricsPort: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', registryUrl, adminToken: ADMIN_TOKEN, dev: true, allowHosts: ['127.0.0.1', 'localhost'], ...config } });
  const { url, metricsUrl } = await gateway.listen();
  return {
    gateway,
    url,
    metricsUrl,
    close: () => closeInTurn(gateway, directoryRemoval(dataDir)),
  };
}

/**
 * One JSON-RPC request (`method` with `params`, A2A 1.0) to `agent` through the gateway at
 * `gatewayUrl`, as the holder of `token`, with `options.headers` added; the raw response.
 */
export function callAgent(gatewayUrl: string, agent: string, token: string, method: string, params: unknown, options: { id?: number | string; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
  return fetch(`${gatewayUrl}/agents/${agent}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}`, ...options.headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: options.id ?? 1, method, params }),
    ...(options.signal !== undefined && { signal: options.signal }),
  });
}

/**
 * A SendStreamingMessage through the gateway (see {@link callAgent}) read to its end: the task it
 * streamed and that task's last state. Fails the test on a status other than 200.
 */
export async function streamThroughGateway(gatewayUrl: string, agent: string, token: string, message: unknown): Promise<{ taskId: string | undefined; state: string | undefined }> {
  const res = await callAgent(gatewayUrl, agent, token, 'SendStreamingMessage', { message }, { headers: { accept: 'text/event-stream' } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`SendStreamingMessage through the gateway answered ${res.status}: ${text.slice(0, 300)}`);
  let taskId: string | undefined;
  let state: string | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const result = JSON.parse(line.slice(5)).result ?? {};
    taskId ??= result.task?.id ?? result.statusUpdate?.taskId;
    state = result.task?.status?.state ?? result.statusUpdate?.status?.state ?? state;
  }
  return { taskId, state };
}

/** Registers an OAuth client through the management API; returns its id and secret. */
export async function createClient(gatewayUrl: string, input: { name: string; tenant: string; scopes: string[] }): Promise<{ clientId: string; clientSecret: string }> {
  const res = await fetch(`${gatewayUrl}/v1/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ ...input, authMethod: 'client_secret_basic' }),
  });
  const body = (await res.json()) as any;
  if (res.status !== 201) throw new Error(`client creation answered ${res.status}: ${JSON.stringify(body)}`);
  return { clientId: body.client_id ?? body.clientId, clientSecret: body.client_secret ?? body.clientSecret };
}

/** Client-credentials token (client_secret_basic). */
export async function fetchToken(gatewayUrl: string, client: { clientId: string; clientSecret: string }, scope?: string, signal?: AbortSignal): Promise<string> {
  const res = await fetch(`${gatewayUrl}/oauth/token`, {
    method: 'POST',
    ...(signal === undefined ? {} : { signal }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }).toString(),
  });
  const body = (await res.json()) as any;
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${JSON.stringify(body)}`);
  return body.access_token;
}

/** Adds credits to a tenant (admin token). */
export async function topUp(gatewayUrl: string, tenant: string, credits: number, reference = `ref-${Math.random()}`): Promise<void> {
  const res = await fetch(`${gatewayUrl}/v1/tenants/${tenant}/credits/topups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ reference, milliCredits: credits * 1000 }),
  });
  if (res.status >= 300) throw new Error(`top-up answered ${res.status}: ${await res.text()}`);
}

/** The tenant's balance, milli-credits available. */
/**
 * The tenant's whole balance (available + reserved): what settled charges lower. Held credits,
 * including the blocks gateway replicas lease (ADR 0010), are part of it.
 */
export async function balanceTotal(gatewayUrl: string, tenant: string): Promise<number> {
  const res = await fetch(`${gatewayUrl}/v1/tenants/${tenant}/credits`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const body = (await res.json()) as any;
  if (res.status !== 200) throw new Error(`balance answered ${res.status}: ${JSON.stringify(body)}`);
  return body.milliCredits;
}

export async function available(gatewayUrl: string, tenant: string): Promise<number> {
  const res = await fetch(`${gatewayUrl}/v1/tenants/${tenant}/credits`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const body = (await res.json()) as any;
  if (res.status !== 200) throw new Error(`balance answered ${res.status}: ${JSON.stringify(body)}`);
  return body.availableMilliCredits;
}

/** The gateway's delegation grant outcomes so far (issued, refreshed, retried, reused…), as its metrics listener at `metricsUrl` counts them. */
export async function delegationGrantOutcomes(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const counted: Record<string, number> = {};
  for (const [, outcome, value] of text.matchAll(/^agentmesh_identity_delegation_grants_total\{outcome="([a-z]+)"\} (\d+)$/gm)) counted[outcome!] = Number(value);
  return counted;
}
