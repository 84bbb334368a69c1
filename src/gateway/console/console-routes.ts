/**
 * The web console on the gateway's Fastify side (docs/console.md): the built pages
 * at `/console/` (and `/` redirects there), and the read APIs they call under
 * `/v1/console/…`, each behind a console credential (see console-access.ts).
 * The A2A calls the console makes (Try it) go to `/agents/…` like any
 * client's, with the signed-in caller's token: nothing here is on that path.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AuditLog } from '../../audit/index.js';
import type { ActAsAnswer, ConsoleAgentDetail, ConsoleAgentList, ConsoleAgentView, ConsoleOverview, ConsoleSession, LowBalanceAnswer, LowBalanceState } from '../../contracts/console/index.js';
import type { Logger } from '../../observability/index.js';
import { Errors } from '../../protocol/index.js';
import type { CreditLedger } from '../../tenancy/index.js';
import { GATEWAY_ADMIN_SCOPE, GATEWAY_DELEGATE_SCOPE, type Identity } from '../identity/index.js';
import { ORIGINAL_CARD_EXTENSION_URI, rewriteCard, type AgentRoute, type GatewayExtension, type InstanceStats, type UpstreamRouter } from '../routing/index.js';
import { consoleViewer, mayView, type ConsoleViewer } from './console-access.js';
import { consoleAuditRoutes } from './console-audit-routes.js';
import { consoleReviewRoutes } from './console-review-routes.js';
import { consoleTaskStream } from './console-task-stream.js';
import { LiveStreamSlots } from './live-streams.js';
import { loadConsoleFiles, type ConsoleFile } from './console-files.js';
import type { ConsoleOidcSettings } from './console-oidc-config.js';
import { relayToRegistry } from './registry-relay.js';
import type { HealthHistory } from './health-history.js';
import type { MetricsHistory } from './metrics-history.js';
import { TenantTrafficReader } from './tenant-traffic.js';

/** What {@link consoleRoutes} needs. */
export interface ConsoleRoutesOptions {
  identity: Identity;
  router: UpstreamRouter;
  ledger: CreditLedger;
  history: MetricsHistory;
  /** Each instance's probe state and latency over the last hour. */
  health: HealthHistory;
  audit: AuditLog;
  registryUrl: string;
  registryToken: string | undefined;
  /** A token with the registry's `registry:review` scope, for the reviews view's decisions. */
  registryReviewToken?: string | undefined;
  /** The built console; undefined or missing: `/console/` says how to build it. */
  consoleDir: string | undefined;
  /** Sign-in through an external OpenID Connect issuer; undefined: not offered. */
  oidc?: ConsoleOidcSettings | undefined;
  log: Logger;
  /** Lifetime of the assertions the live task list's reads carry (the gateway's `assertionTtlSeconds`). */
  assertionTtlSeconds: number;
  /** The gateway's public base URL: the cards a tenant admin reads point there, never at an instance. */
  publicUrl: () => string;
  /** The extensions the gateway declares on an agent's served card (the approvals extension): the card a tenant admin reads is the served one. */
  cardExtensions?: (agent: string) => GatewayExtension[];
  /** The ledger's default low-balance threshold (the gateway's `lowBalanceMilliCredits`), shown when a tenant has none of its own. */
  lowBalanceMilliCredits: number;
}

/**
 * The console page's policy: scripts, styles and connections to this origin
 * only (no inline script or style element, no CDN), nothing may frame it.
 */
export const CONSOLE_CSP = consoleCsp([]);

/**
 * The page's policy, with `connectOrigins` added to connect-src: the OpenID
 * Connect issuer's origin when the console signs in through one (the page
 * fetches its discovery document and its token endpoint), nothing else.
 */
export function consoleCsp(connectOrigins: readonly string[]): string {
  return `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src ${["'self'", ...connectOrigins].join(' ')}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

const REGISTRY_TIMEOUT_MS = 3_000;
/** A tenant id, as the identity and delegation checks spell it. */
const ACT_AS_TENANT = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
/** What a platform admin may do in a tenant from the console: Try it, tasks, workflow runs; never manage the gateway with it. */
const ACT_AS_SCOPES = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel', 'a2a:card:read', GATEWAY_DELEGATE_SCOPE];
/** Tenants under their low-balance threshold a platform admin's overview lists, lowest first. */
const LOW_BALANCES_SHOWN = 20;

type HealthCounts = Record<'healthy' | 'degraded' | 'down' | 'unknown', number>;

/** The console's view of one agent. */
/**
 * What the console shows of an agent. A tenant admin is not told where its
 * instances run (their URLs), nor which other tenants an agent is shared
 * with, as the overview numbers the hosts instead of naming them.
 */
function agentSummary(route: AgentRoute, stats: readonly InstanceStats[], platform: boolean, tenant: string): ConsoleAgentView {
  const { record, instances } = route;
  const skills = (record.card.skills ?? []).map((skill) => {
    const meta = record.metadata.skills !== undefined && Object.hasOwn(record.metadata.skills, skill.id) ? record.metadata.skills[skill.id] : undefined;
    return { id: skill.id, name: skill.name, description: skill.description, tags: skill.tags ?? [], examples: skill.examples ?? [], inputSchema: meta?.inputSchema, pricing: meta?.pricing, ...(meta?.workflow !== undefined && { workflow: meta.workflow }) };
  });
  return {
    name: record.name,
    description: record.card.description,
    version: record.card.version,
    health: record.health,
    status: record.status,
    department: record.metadata.department,
    tenants: platform ? (record.metadata.tenants ?? []) : (record.metadata.tenants ?? []).filter((t) => t === tenant),
    signed: record.signed,
    // A bridged agent speaks another protocol (ACP): the console skips what the bridge cannot do (ListTasks).
    ...(record.bridge !== undefined && { bridged: record.bridge.protocol }),
    skills,
    instances: instances.map((i) => {
      const seen = stats.find((s) => s.agent === record.name && s.instance === i.id);
      return { id: i.id, ...(platform && { url: i.url }), inRotation: i.inRotation, kind: i.kind, probe: i.probe, lastHeartbeatAt: i.lastHeartbeatAt, breaker: seen?.breaker, outstanding: seen?.outstanding ?? 0, requests: seen?.requests ?? 0 };
    }),
  };
}

/**
 * The card a tenant admin reads: the one the gateway serves A2A clients
 * (interfaces at `<gateway>/agents/<name>`, the gateway's security schemes),
 * without the agent's original signed card (which names the instance it was
 * published from). A tenant admin is not told where instances run.
 */
function tenantCard(route: AgentRoute, publicUrl: string, gatewayExtensions: readonly GatewayExtension[]): unknown {
  const card = rewriteCard(route.record, route.instances.map((i) => i.url), publicUrl, gatewayExtensions) as { capabilities?: { extensions?: Array<{ uri?: string }> } };
  const extensions = card.capabilities?.extensions?.filter((e) => e.uri !== ORIGINAL_CARD_EXTENSION_URI);
  if (card.capabilities !== undefined) card.capabilities = { ...card.capabilities, extensions: extensions ?? [] };
  // Anything else naming an instance (a provider or documentation URL on the agent's own host) is the gateway's URL here.
  let text = JSON.stringify(card);
  for (const origin of new Set(route.instances.flatMap((i) => originOf(i.url) ?? []))) text = text.split(origin).join(publicUrl.replace(/\/+$/, ''));
  return JSON.parse(text) as unknown;
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** The registry's ranking of `text` (names, best first), or undefined when it cannot answer. */
async function registrySearch(options: ConsoleRoutesOptions, text: string): Promise<string[] | undefined> {
  try {
    const res = await fetch(`${options.registryUrl.replace(/\/$/, '')}/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(options.registryToken !== undefined && { authorization: `Bearer ${options.registryToken}` }) },
      body: JSON.stringify({ query: { text }, pageSize: 100 }),
      signal: AbortSignal.timeout(REGISTRY_TIMEOUT_MS),
    });
    if (res.status !== 200) return undefined;
    const body = (await res.json()) as { results?: Array<{ metadata?: { name?: unknown } }> };
    return (body.results ?? []).map((r) => r.metadata?.name).filter((n): n is string => typeof n === 'string');
  } catch {
    return undefined;
  }
}

async function registryReady(options: ConsoleRoutesOptions): Promise<'ready' | 'not_ready' | 'unreachable'> {
  try {
    const res = await fetch(`${options.registryUrl.replace(/\/$/, '')}/ready`, { signal: AbortSignal.timeout(REGISTRY_TIMEOUT_MS) });
    await res.arrayBuffer();
    return res.status === 200 ? 'ready' : 'not_ready';
  } catch {
    return 'unreachable';
  }
}

/**
 * Whether `tenant` is under its low-balance threshold, as the ledger decides
 * it (the tenant's own threshold, else the gateway's `lowBalanceMilliCredits`):
 * the threshold that fires the ledger's low-balance event, so the page and
 * the alerts agree.
 */
async function lowBalanceOf(ledger: CreditLedger, tenant: string, defaultThreshold: number): Promise<LowBalanceState> {
  const [low] = await ledger.lowBalances({ tenant });
  return { lowBalance: low !== undefined, lowBalanceThresholdMilliCredits: low?.thresholdMilliCredits ?? defaultThreshold };
}

function visibleAgents(router: UpstreamRouter, viewer: ConsoleViewer): AgentRoute[] {
  return router
    .agents()
    .filter((a) => mayView(viewer, a.record.metadata.tenants))
    .sort((a, b) => a.record.name.localeCompare(b.record.name));
}

function sendFile(reply: FastifyReply, file: ConsoleFile, ifNoneMatch: string | undefined, csp: string): FastifyReply {
  reply.header('etag', file.etag).header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (file.type.startsWith('text/html')) reply.header('content-security-policy', csp);
  if (ifNoneMatch === file.etag) return reply.code(304).send();
  return reply.type(file.type).send(file.body);
}

/** Registers the console's pages and APIs. */
export async function consoleRoutes(app: FastifyInstance, options: ConsoleRoutesOptions): Promise<void> {
  const { identity, router, ledger, history } = options;
  let files: ReadonlyMap<string, ConsoleFile> | undefined;
  const fileOf = (path: string): ConsoleFile | undefined => {
    // A folder not built yet (the gateway started before `npm run build` finished) is looked for again.
    if (files === undefined || files.size === 0) files = loadConsoleFiles(options.consoleDir);
    return files.get(path);
  };
  const tags = ['console'];
  const csp = options.oidc === undefined ? CONSOLE_CSP : consoleCsp([new URL(options.oidc.issuer).origin]);
  // What the sign-in page needs before anyone has signed in: public, the same for every caller.
  const publicConfig = JSON.stringify({ oidc: options.oidc ?? null });

  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/', 302));
  app.get('/console', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/', 301));
  app.get<{ Params: { '*': string } }>('/console/*', { schema: { hide: true } }, async (request, reply) => {
    const path = request.params['*'] === '' ? 'index.html' : request.params['*'];
    const file = fileOf(path);
    if (file !== undefined) return sendFile(reply, file, request.headers['if-none-match'], csp);
    if (path === 'index.html') {
      return reply.code(404).type('text/plain; charset=utf-8').send('The console is not built: run `npm run build` in the agentmesh package (it writes dist/console).\n');
    }
    return reply.code(404).type('text/plain; charset=utf-8').send('Not found\n');
  });

  await app.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply, payload) => {
      reply.header('cache-control', 'no-store');
      return payload;
    });

    // The live Tasks and Audit streams share one count of open streams.
    const slots = new LiveStreamSlots();
    await consoleAuditRoutes(scope, { identity, audit: options.audit, slots });
    await consoleTaskStream(scope, { identity, router, slots, assertionTtlSeconds: options.assertionTtlSeconds });
    await consoleReviewRoutes(scope, { identity, registryUrl: options.registryUrl, registryToken: options.registryToken, registryReviewToken: options.registryReviewToken, log: options.log });

    scope.get('/v1/console/config', { schema: { tags, summary: 'How the console may sign in (unauthenticated): the OpenID Connect issuer, when one is configured' } }, async (_request, reply) =>
      reply.type('application/json; charset=utf-8').send(publicConfig),
    );

    scope.get('/v1/console/session', { schema: { tags, summary: 'Who the console is signed in as, and what it sees' } }, async (request): Promise<ConsoleSession> => {
      const { principal, platform } = await consoleViewer(identity, request);
      return { subject: principal.subject, kind: principal.kind, tenant: principal.tenant, scopes: principal.scopes, platform, ...(principal.expiresAt !== undefined && { expiresAt: principal.expiresAt }) };
    });

    scope.post<{ Body: { tenant: string } }>(
      '/v1/console/act-as',
      {
        schema: {
          tags,
          summary: 'A platform admin acts in one tenant: a short-lived token for its A2A calls, used with x-agentmesh-on-behalf-of-tenant (gateway:admin)',
          body: { type: 'object', additionalProperties: false, required: ['tenant'], properties: { tenant: { type: 'string', pattern: ACT_AS_TENANT.source } } },
        },
      },
      async (request): Promise<ActAsAnswer> => {
        const viewer = await consoleViewer(identity, request);
        if (!viewer.platform) throw Errors.missingScope({ scope: GATEWAY_ADMIN_SCOPE });
        const { tenant } = request.body;
        // The admin's own client id: revoking that client revokes this token too. gateway:delegate makes every call
        // carry the tenant in the delegation header, so the audit trail records it as the admin's, on the tenant's behalf.
        const issued = await identity.issueAccessToken({ clientId: viewer.principal.clientId, tenant, scopes: ACT_AS_SCOPES, audience: identity.config.audience });
        options.audit.append({ eventType: 'console.act-as', actor: { kind: viewer.principal.kind, id: viewer.principal.clientId }, tenant, user: viewer.principal.subject, method: 'POST /v1/console/act-as', outcome: 'ok', detail: { scopes: ACT_AS_SCOPES.join(' '), expiresAt: new Date(issued.expiresAt * 1000).toISOString() } });
        options.log.info({ tenant, by: viewer.principal.subject }, 'a platform admin acts in a tenant from the console');
        return { tenant, token: issued.token, expiresAt: issued.expiresAt, scopes: ACT_AS_SCOPES, onBehalfOfHeader: 'x-agentmesh-on-behalf-of-tenant' };
      },
    );

    scope.get('/v1/console/overview', { schema: { tags, summary: 'Roles, agent health and the last hour of call metrics' } }, async (request): Promise<ConsoleOverview> => {
      const viewer = await consoleViewer(identity, request);
      const agents = visibleAgents(router, viewer);
      const health: HealthCounts = { healthy: 0, degraded: 0, down: 0, unknown: 0 };
      for (const a of agents) health[Object.hasOwn(health, a.record.health) ? (a.record.health as keyof HealthCounts) : 'unknown'] += 1;
      // The hosts of the agents (runtimes, the orchestrator): up when one of their instances takes traffic.
      const hosts = new Map<string, { agents: string[]; up: boolean }>();
      for (const a of agents) {
        for (const i of a.instances) {
          let origin: string;
          try {
            origin = new URL(i.url).origin;
          } catch {
            continue;
          }
          const host = hosts.get(origin) ?? { agents: [], up: false };
          if (!host.agents.includes(a.record.name)) host.agents.push(a.record.name);
          host.up ||= i.inRotation;
          hosts.set(origin, host);
        }
      }
      const gatewayReady = await app.inject({ method: 'GET', url: '/ready' });
      const roles = [
        { name: 'gateway', state: gatewayReady.statusCode === 200 ? 'ready' : 'not_ready', detail: (gatewayReady.json() as { checks?: unknown }).checks },
        { name: 'registry', state: await registryReady(options), ...(viewer.platform && { url: options.registryUrl }) },
        // A tenant admin is not told where the hosts run: they are numbered.
        ...[...hosts].map(([origin, h], i) => ({ name: viewer.platform ? `agents at ${origin}` : `agent host ${i + 1}`, state: h.up ? 'ready' : 'down', agents: h.agents })),
      ];
      // The traffic history counts every tenant's calls: a platform admin's view only (tenants see their credits instead).
      const tenant = viewer.principal.tenant;
      const today = new Date().toISOString().slice(0, 10);
      // A tenant admin's balance and what its calls were charged today (UTC); a platform admin reads them per tenant in Credits.
      const [balance, spent, low] = viewer.platform
        ? [undefined, undefined, undefined]
        : await Promise.all([ledger.balance(tenant).catch(() => undefined), ledger.usage({ tenant, from: today, to: today, groupBy: [] }).catch(() => undefined), lowBalanceOf(ledger, tenant, options.lowBalanceMilliCredits).catch(() => undefined)]);
      const credits = balance === undefined ? undefined : { ...balance, spentTodayMilliCredits: (spent ?? []).reduce((sum, r) => sum + r.milliCredits, 0), ...low };
      // A platform admin: the tenants under their threshold, lowest first.
      const lowBalances = viewer.platform ? await ledger.lowBalances({ limit: LOW_BALANCES_SHOWN }).catch(() => undefined) : undefined;
      return {
        at: new Date().toISOString(),
        tenant: viewer.platform ? null : viewer.principal.tenant,
        roles,
        agents: { total: agents.length, ...health },
        metrics: viewer.platform ? await history.points() : [],
        ...(credits !== undefined && { credits }),
        ...(lowBalances !== undefined && { lowBalances: lowBalances.map((b) => ({ tenant: b.tenant, availableMilliCredits: b.availableMilliCredits, thresholdMilliCredits: b.thresholdMilliCredits })) }),
      };
    });

    const traffic = new TenantTrafficReader(options.audit);
    scope.get<{ Querystring: { tenant?: string } }>(
      '/v1/console/traffic',
      {
        schema: {
          tags,
          summary: "A tenant's own calls per hour over the last day (its own tenant, or any for a platform admin): calls, failed, denied, latency, credits",
          querystring: { type: 'object', additionalProperties: false, properties: { tenant: { type: 'string', pattern: ACT_AS_TENANT.source } } },
        },
      },
      async (request) => {
        const viewer = await consoleViewer(identity, request);
        const tenant = request.query.tenant ?? viewer.principal.tenant;
        // One tenant never reads another's: the rows are filtered by tenant here, on the server.
        if (!viewer.platform && tenant !== viewer.principal.tenant) throw Errors.missingScope({ scope: GATEWAY_ADMIN_SCOPE });
        if (tenant === '') throw Errors.consoleTrafficNeedsTenant({});
        return traffic.of(tenant);
      },
    );

    scope.get<{ Params: { tenant: string } }>(
      '/v1/console/credits/:tenant/low-balance',
      { schema: { tags, summary: "Whether a tenant's available balance is under the low-balance threshold (its own tenant, or any for a platform admin)", params: { type: 'object', properties: { tenant: { type: 'string', minLength: 1, maxLength: 200 } } } } },
      async (request): Promise<LowBalanceAnswer> => {
        const viewer = await consoleViewer(identity, request);
        const tenant = request.params.tenant;
        // Another tenant's balance is as forbidden here as on the credits API.
        if (!viewer.platform && tenant !== viewer.principal.tenant) throw Errors.missingScope({ scope: GATEWAY_ADMIN_SCOPE });
        const balance = await ledger.balance(tenant);
        return { tenant, availableMilliCredits: balance.availableMilliCredits, ...(await lowBalanceOf(ledger, tenant, options.lowBalanceMilliCredits)) };
      },
    );

    scope.get<{ Querystring: { q?: string } }>(
      '/v1/console/agents',
      { schema: { tags, summary: 'The agents this caller may see, searched with the registry when q is given', querystring: { type: 'object', additionalProperties: false, properties: { q: { type: 'string', maxLength: 500 } } } } },
      async (request): Promise<ConsoleAgentList> => {
        const viewer = await consoleViewer(identity, request);
        let agents = visibleAgents(router, viewer);
        const q = request.query.q?.trim() ?? '';
        let ranked = false;
        if (q !== '') {
          const names = await registrySearch(options, q);
          if (names !== undefined) {
            const byName = new Map(agents.map((a) => [a.record.name, a]));
            agents = names.map((n) => byName.get(n)).filter((a): a is AgentRoute => a !== undefined);
            ranked = true;
          } else {
            const needle = q.toLowerCase();
            agents = agents.filter((a) => `${a.record.name} ${a.record.card.description}`.toLowerCase().includes(needle));
          }
        }
        const stats = router.stats();
        return { agents: agents.map((a) => agentSummary(a, stats, viewer.platform, viewer.principal.tenant)), ranked };
      },
    );

    scope.post<{ Body: { cardUrl: string; name?: string } }>(
      '/v1/console/agents',
      {
        schema: {
          tags,
          summary: "Register an agent by its card's URL (gateway:admin): the registry fetches the card",
          body: { type: 'object', additionalProperties: false, required: ['cardUrl'], properties: { cardUrl: { type: 'string', minLength: 1, maxLength: 2048 }, name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' } } },
        },
      },
      async (request, reply) => {
        const viewer = await consoleViewer(identity, request);
        if (!viewer.platform) throw Errors.missingScope({ scope: GATEWAY_ADMIN_SCOPE });
        // The registry checks the URL against its SSRF guard and the card against the A2A schema.
        const answer = await relayToRegistry(options, 'POST', '/v1/agents', request.body);
        options.log.info({ cardUrl: request.body.cardUrl, status: answer.status, by: viewer.principal.subject }, 'agent registration relayed to the registry');
        return reply.code(answer.status).type(answer.contentType).send(answer.body);
      },
    );

    const agentParams = { type: 'object', properties: { name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' } } } as const;

    scope.get<{ Params: { name: string } }>('/v1/console/agents/:name/configs', { schema: { tags, summary: "An agent's config versions, newest first (gateway:admin)", params: agentParams } }, async (request, reply) => {
      const viewer = await consoleViewer(identity, request);
      if (!viewer.platform) throw Errors.missingScope({ scope: GATEWAY_ADMIN_SCOPE });
      const answer = await relayToRegistry(options, 'GET', `/v1/agents/${request.params.name}/config/versions`);
      return reply.code(answer.status).type(answer.contentType).send(answer.body);
    });

    scope.post<{ Params: { name: string }; Body: { version: number } }>(
      '/v1/console/agents/:name/configs/rollback',
      { schema: { tags, summary: 'Roll an agent back to a config version: a new version with its content (gateway:admin)', params: agentParams, body: { type: 'object', additionalProperties: false, required: ['version'], properties: { version: { type: 'integer', minimum: 1 } } } } },
      async (request, reply) => {
        const viewer = await consoleViewer(identity, request);
        if (!viewer.platform) throw Errors.missingScope({ scope: GATEWAY_ADMIN_SCOPE });
        const answer = await relayToRegistry(options, 'POST', `/v1/agents/${request.params.name}/config/rollback`, request.body);
        options.log.info({ agent: request.params.name, version: request.body.version, status: answer.status, by: viewer.principal.subject }, 'config rollback relayed to the registry');
        return reply.code(answer.status).type(answer.contentType).send(answer.body);
      },
    );

    scope.get<{ Params: { name: string } }>(
      '/v1/console/agents/:name',
      { schema: { tags, summary: 'One agent: card, skills and their input schemas, instances and health', params: { type: 'object', properties: { name: { type: 'string', maxLength: 200 } } } } },
      async (request): Promise<ConsoleAgentDetail> => {
        const viewer = await consoleViewer(identity, request);
        const route = router.agent(request.params.name);
        // An agent this caller may not see is not found, as one that does not exist.
        if (route === undefined || !mayView(viewer, route.record.metadata.tenants)) throw Errors.agentNotRegistered({ agent: request.params.name });
        const card = viewer.platform ? route.record.card : tenantCard(route, options.publicUrl(), options.cardExtensions?.(route.record.name) ?? []);
        return { ...agentSummary(route, router.stats(), viewer.platform, viewer.principal.tenant), card, healthHistory: options.health.of(route.record.name, route.instances) };
      },
    );
  });
}
