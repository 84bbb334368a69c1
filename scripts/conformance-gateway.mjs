/**
 * The mesh `node scripts/conformance.mjs run --through-gateway` puts between
 * the conformance suite and the agent under test (docs/conformance.md,
 * "Through the gateway"): a registry, a gateway and the agent, each its own
 * `agentmesh` process on the embedded store, and a relay of this harness's
 * own in front of the gateway.
 *
 * The suite builds its clients from the card alone and has no option for a
 * credential, while every A2A call to the gateway needs a tenant's bearer
 * token. The relay is the suite's side of that: it adds
 * `Authorization: Bearer <token>` to every request and forwards it, as an
 * application would send its token. Everything behind it is the product as
 * deployed: the gateway authenticates the token, applies the tenant's quota,
 * reserves and settles credits and audits each call, and the agent accepts
 * only calls carrying the gateway's assertion (GATEWAY_JWKS_URL), so nothing
 * reaches it around the gateway.
 *
 * The card the suite reads must name URLs that go through the relay, or the
 * suite would call the gateway without a token. The gateway names its public
 * URL in the cards it serves (and as the tokens' issuer), so the gateway is
 * started with GATEWAY_PUBLIC_URL set to the relay's URL, as a gateway behind
 * a load balancer is given the balancer's: the served card, signature
 * included, is the gateway's own, not rewritten on the way.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The tenant, and the scopes of its client: every A2A operation the suite calls. */
const TENANT = 'tck';
const SCOPES = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel', 'a2a:push:write', 'a2a:card:read'];
/** Enough for every call of a run whatever the agent's price; the balance is checked on each call as for any tenant. */
const CREDITS = '1000000';

/** Headers that describe one connection, not the request: never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function forwardable(headers) {
  const out = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
  return out;
}

/**
 * An HTTP relay on 127.0.0.1 that forwards every request to `target` with
 * `Authorization: Bearer <token>` set, and streams the answer back as it
 * comes (Server-Sent Events included). The target and the token are set once
 * the gateway is up: the relay must listen first, since its URL is the
 * gateway's public URL.
 */
export async function startRelay() {
  const agent = new Agent({ keepAlive: true });
  const state = { target: undefined, token: undefined };
  const server = createServer((req, res) => {
    if (state.target === undefined) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('the gateway is not up yet\n');
      return;
    }
    const headers = { ...forwardable(req.headers), host: state.target.host, authorization: `Bearer ${state.token}` };
    const upstream = request({ agent, protocol: state.target.protocol, hostname: state.target.hostname, port: state.target.port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, forwardable(answer.headers));
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`relay: ${error.message}\n`);
      else res.destroy(error);
    });
    // A client that goes away (the suite closing a stream) closes the gateway's side too.
    res.on('close', () => { if (!res.writableFinished) upstream.destroy(); });
    req.pipe(upstream);
  });
  await new Promise((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    forwardTo(target, token) {
      state.target = new URL(target);
      state.token = token;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolveClose) => server.close(resolveClose));
      agent.destroy();
    },
  };
}

/**
 * Starts the relay, a registry, a gateway (public URL: the relay) and the
 * agent, which registers itself; creates the tenant's client, tops its
 * credits up and gets its token with the `agentmesh` CLI, as an operator
 * would; waits until the agent's card is served through the relay. Resolves
 * with the agent's URL through the relay (the suite's `--sut-host`).
 *
 * `startProcess(args, env, listening)` is the runner's: `node <args>`,
 * resolved with the URL the `listening` pattern finds in its output.
 * `policies` are files of policies (docs/policies.md) written for the
 * tenant with `agentmesh policy put` before the suite runs.
 */
export async function startThroughGateway({ cli, agentModule, agentName, agentEnv, policies = [], startProcess }) {
  const dirs = [];
  const dataDir = (role) => {
    const dir = mkdtempSync(join(tmpdir(), `conformance-${role}-`));
    dirs.push(dir);
    return dir;
  };
  const stops = [];
  const close = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    // The embedded store for every role: no database or bus of the caller's environment.
    const base = { ...process.env, NO_COLOR: '1', DATABASE_URL: '', REDIS_URL: '' };
    const registryToken = randomBytes(24).toString('hex');
    const adminToken = randomBytes(24).toString('hex');
    const relay = await startRelay();
    stops.push(relay.close);

    const registry = await startProcess([cli, 'serve', 'registry', '--port', '0', '--data-dir', dataDir('registry'), '--dev'],
      { ...base, REGISTRY_TOKEN: registryToken, AGENTMESH_ALLOW_HOSTS: 'localhost,127.0.0.1' }, /agentmesh registry listening on (http:\/\/\S+)/);
    stops.push(registry.stop);

    // The relay's URL is the gateway's public URL (cards, the tokens' issuer). One token serves the
    // whole run: an hour's lifetime outlasts a run of the suite even on a loaded machine.
    const gatewayDir = dataDir('gateway');
    const gateway = await startProcess([cli, 'serve', 'gateway', '--port', '0', '--data-dir', gatewayDir, '--dev'],
      { ...base, REGISTRY_URL: registry.url, REGISTRY_TOKEN: registryToken, GATEWAY_ADMIN_TOKEN: adminToken, GATEWAY_PUBLIC_URL: relay.url, GATEWAY_METRICS_PORT: '0', GATEWAY_TOKEN_TTL_SECONDS: '3600', AGENTMESH_ALLOW_HOSTS: 'localhost,127.0.0.1' },
      /agentmesh gateway listening on (http:\/\/\S+)/);
    stops.push(gateway.stop);

    // The agent takes calls only with the gateway's assertion, signed by a key of its JWKS, issued by its public URL.
    const agent = await startProcess([cli, 'agent', 'serve', agentModule, '--port', '0', '--data-dir', dataDir('agent'), '--dev'],
      { ...base, ...agentEnv, REGISTRY_URL: registry.url, REGISTRY_TOKEN: registryToken, GATEWAY_JWKS_URL: `${gateway.url}/.well-known/jwks.json`, GATEWAY_ISSUER: relay.url, AGENTMESH_REQUIRE_GATEWAY: '1' },
      /agentmesh runtime listening on (http:\/\/\S+)/);
    stops.push(agent.stop);

    // The tenant's client, its credits and its token, through the CLI and the management API.
    const run = (args, env = base) => execFileSync(process.execPath, [cli, ...args], { env, encoding: 'utf8' });
    const admin = ['--gateway', gateway.url, '--admin-token', adminToken];
    const created = JSON.parse(run(['clients', 'create', '--name', 'conformance-suite', '--tenant', TENANT, ...SCOPES.flatMap((s) => ['--scope', s]), ...admin, '--json']));
    run(['credits', 'topup', TENANT, CREDITS, '--reference', 'conformance-run', ...admin]);
    for (const file of policies) run(['policy', 'put', JSON.parse(readFileSync(file, 'utf8')).id, '--file', file, '--tenant', TENANT, ...admin]);
    const token = run(['token', '--gateway', gateway.url], { ...base, AGENTMESH_CLIENT_ID: created.client_id, AGENTMESH_CLIENT_SECRET: created.client_secret }).trim();
    relay.forwardTo(gateway.url, token);

    // The gateway learns of the agent from the registry's watch stream: wait until it routes to it.
    const url = `${relay.url}/agents/${agentName}`;
    await waitForCard(url, relay.url);
    /**
     * What the gateway did with the run, read back as an operator would: the
     * tenant's settled calls and credits while it runs, then, once it has
     * stopped (its answer journal written through), its audit trail and
     * whether the chain verifies.
     */
    const stop = async () => {
      try {
        const { total } = JSON.parse(run(['credits', 'usage', TENANT, ...admin, '--json']));
        // Holds still open: tasks the suite left waiting for input, which no settlement ends.
        const holds = JSON.parse(run(['credits', 'holds', TENANT, ...admin, '--json']));
        for (const s of stops.splice(0).reverse()) await s().catch(() => {});
        const rows = run(['audit', 'tail', '--limit', '10000', '--json', '--data-dir', gatewayDir]).split('\n').filter(Boolean).map((line) => JSON.parse(line));
        const verify = run(['audit', 'verify', '--data-dir', gatewayDir]).trim().split('\n').at(-1);
        return { charged: { calls: total.calls, credits: total.credits }, openHolds: holds.reservations.length, audited: countBy(rows.filter((r) => r.tenant === TENANT), auditKey), verify };
      } finally {
        await close();
      }
    };
    return { url, stop };
  } catch (error) {
    await close();
    throw error;
  }
}

/** An audit row's kind, outcome and error code, and the decision of the policies that decided it, if any. */
function auditKey(row) {
  const policy = row.detail?.policy;
  return [row.eventType, row.outcome, row.errorCode, policy === undefined ? undefined : `policy ${policy.outcome}`].filter(Boolean).join(' ');
}

function countBy(items, key) {
  const counts = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** Until the card is served through the relay, naming only URLs through it (else the suite would go around it). */
async function waitForCard(url, relayUrl) {
  const deadline = Date.now() + 60_000;
  let last = '';
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/.well-known/agent-card.json`).catch((error) => error);
    if (res instanceof Response && res.ok) {
      const interfaces = (await res.json()).supportedInterfaces ?? [];
      const around = interfaces.filter((i) => !i.url.startsWith(`${relayUrl}/`));
      if (interfaces.length === 0 || around.length > 0) throw new Error(`the card served through the relay names other URLs: ${JSON.stringify(interfaces)}`);
      return;
    }
    last = res instanceof Response ? `${res.status} ${await res.text()}` : res.message;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the gateway did not serve ${url}/.well-known/agent-card.json within 60 s: ${last}`);
}
