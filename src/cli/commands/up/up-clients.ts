/**
 * The credentials `agentmesh up` keeps in its data dir so every start prints
 * the same ones: the gateway's admin token, the demo client and the
 * orchestrator's client. The gateway stores only keyed hashes of the
 * secrets; these files (mode 0600) are a convenience of the laptop mesh,
 * never of `serve gateway`.
 */
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONSOLE_SCOPE, GATEWAY_DELEGATE_SCOPE, type Gateway } from '../../../gateway/index.js';
import type { TextSink } from '../../io/cli-io.js';

/** An OAuth client's id and secret. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** The demo client's tenant. */
export const DEMO_TENANT = 'demo';
/**
 * What the demo tenant gets on the first start: 100,000 credits, enough for
 * every workflow of workflows/ with its defaults, the 10,000-lead
 * map-reduce included (about 30,000 credits: 2 per lead to enrich, 1 to score).
 */
export const DEMO_INITIAL_MILLI_CREDITS = 100_000_000;
// console:read: the printed demo client also signs in to the web console, as its tenant's admin (docs/console.md#signing-in).
const DEMO_SCOPES = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel', 'a2a:push:write', 'a2a:card:read', CONSOLE_SCOPE];
/** The mesh's own tenant: the orchestrator's client lives there and acts for the callers' tenants (gateway:delegate). */
const MESH_TENANT = 'agentmesh';
const ORCHESTRATOR_SCOPES = [GATEWAY_DELEGATE_SCOPE, 'a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel', 'a2a:card:read'];

/**
 * Reads a secret file, first narrowing it to 0600 when others may read it
 * (a copy or a restore can widen it; writeFileSync's mode applies only to a
 * new file).
 */
function readPrivate(file: string, warn: TextSink): string {
  if ((statSync(file).mode & 0o077) !== 0) {
    chmodSync(file, 0o600);
    warn.write(`warning: ${file} was readable by other users; its mode is now 0600\n`);
  }
  return readFileSync(file, 'utf8');
}

function writePrivate(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** The admin token of the local mesh: generated once into the data dir (0600). */
export function adminTokenOf(dataDir: string, warn: TextSink): string {
  const file = join(dataDir, 'gateway-admin-token');
  if (existsSync(file)) return readPrivate(file, warn).trim();
  const token = `amadm_${crypto.randomUUID().replaceAll('-', '')}`;
  writePrivate(file, `${token}\n`);
  return token;
}

/** The stored client when the gateway still knows it as active (a deleted or replaced database does not). */
async function storedClient(gateway: Gateway, file: string, warn: TextSink): Promise<ClientCredentials | undefined> {
  if (!existsSync(file)) return undefined;
  const stored = JSON.parse(readPrivate(file, warn)) as Partial<ClientCredentials>;
  if (typeof stored.clientId !== 'string' || typeof stored.clientSecret !== 'string') return undefined;
  const known = await gateway.app.inject({ method: 'GET', url: `/v1/clients/${encodeURIComponent(stored.clientId)}`, headers: { authorization: `Bearer ${gateway.config.adminToken}` } });
  if (known.statusCode !== 200 || (known.json() as { status?: string }).status !== 'active') return undefined;
  return { clientId: stored.clientId, clientSecret: stored.clientSecret };
}

async function createClient(gateway: Gateway, payload: Record<string, unknown>): Promise<ClientCredentials> {
  const res = await gateway.app.inject({
    method: 'POST',
    url: '/v1/clients',
    headers: { authorization: `Bearer ${gateway.config.adminToken}`, 'content-type': 'application/json' },
    payload: { authMethod: 'client_secret_basic', ...payload },
  });
  if (res.statusCode !== 201) throw new Error(`could not create the ${String(payload['name'])} client: ${res.body}`);
  const body = res.json() as { client_id?: string; clientId?: string; client_secret?: string; clientSecret?: string };
  return { clientId: (body.client_id ?? body.clientId)!, clientSecret: (body.client_secret ?? body.clientSecret)! };
}

/**
 * The demo client of the local mesh (tenant `demo`, the a2a scopes), created
 * on the first `up` with {@link DEMO_INITIAL_MILLI_CREDITS}. A stored client
 * the gateway no longer knows (mesh.db deleted by hand, the client revoked)
 * is created again, so the banner never prints credentials that fail; the
 * top-up's reference keeps a recreated client from getting credits twice.
 */
export async function demoClient(gateway: Gateway, dataDir: string, warn: TextSink): Promise<ClientCredentials> {
  const file = join(dataDir, 'demo-client.json');
  const stored = await storedClient(gateway, file, warn);
  if (stored) return stored;
  const client = await createClient(gateway, { name: 'demo', tenant: DEMO_TENANT, scopes: DEMO_SCOPES });
  // The reference names the amount: a reference is refused with another amount, and data dirs of older versions granted less.
  await gateway.ledger.topUp(DEMO_TENANT, DEMO_INITIAL_MILLI_CREDITS, `demo-initial-credits-${DEMO_INITIAL_MILLI_CREDITS}`);
  writePrivate(file, JSON.stringify(client));
  return client;
}

/**
 * The orchestrator's OAuth client of the local mesh, in the mesh's own
 * tenant with gateway:delegate: created on the first `up`, kept for the next.
 */
export async function orchestratorClient(gateway: Gateway, dataDir: string, warn: TextSink): Promise<ClientCredentials> {
  const file = join(dataDir, 'orchestrator-client.json');
  const stored = await storedClient(gateway, file, warn);
  if (stored) return stored;
  // Workflows make many calls per run (a 1,000-step run, a map of thousands of items): the default 1,000 rpm per agent is a demo client's.
  const client = await createClient(gateway, { name: 'orchestrator', tenant: MESH_TENANT, scopes: ORCHESTRATOR_SCOPES, rateLimit: { requestsPerMinute: 60_000, burst: 1_000 } });
  writePrivate(file, JSON.stringify(client));
  return client;
}
