import type { FastifyInstance, FastifyRequest } from 'fastify';
import { installBearerChallenge } from '../../http/index.js';
import { Errors, isRecord } from '../../protocol/index.js';
import type { AuditLog, AuditRow } from '../../audit/index.js';
import type { PolicyExplainAnswer, PolicyListAnswer, PolicyTestAnswer, PolicyVersionsAnswer, PolicyView } from '../../contracts/policies/index.js';
import { adminOrCaller, GATEWAY_ADMIN_SCOPE, type Identity, type Principal, type TenantScopedCaller } from '../identity/index.js';
import type { PolicyEngine } from './policy-engine.js';
import { entitiesOf, type CallFacts } from './policy-entities.js';
import { compilePolicy, counterCellsRead, decide, PolicySet } from './policy-set.js';
import { validatePolicy } from './policy-validate.js';
import type { PolicyRecord } from './policy-record.js';
import type { CounterCellRef, CounterValues } from './session-counters.js';

/** The scope a tenant's own administrator holds to read and write its tenant's policies. */
export const POLICIES_SCOPE = 'gateway:policies';

/** What the policies API needs. */
export interface PolicyRoutesOptions {
  engine: PolicyEngine;
  identity: Identity;
  audit: AuditLog;
}

type Id = { Params: { id: string }; Querystring: { tenant?: string; version?: string } };

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
const tenantQuery = { type: 'object', properties: { tenant: { type: 'string', minLength: 1, maxLength: 200 }, version: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' } } } as const;

/**
 * `/v1/policies…` (docs/policies.md, "The API"): `gateway:admin` (or the
 * admin token) reads and writes every tenant's policies and the
 * platform-wide ones; a principal holding `gateway:policies` reads and
 * writes its own tenant's only, and never sees another tenant's. Writes are
 * validated (a malformed condition refused with its line and column),
 * versioned, and in force on every replica at once. `test` decides a sample
 * call without sending it; `explain` reads an audited call's decision and
 * the policy versions that made it.
 */
export async function policyRoutes(app: FastifyInstance, o: PolicyRoutesOptions): Promise<void> {
  const tags = ['policies'];
  installBearerChallenge(app, { realm: 'agentmesh' });

  app.get<{ Querystring: { tenant?: string } }>('/v1/policies', { schema: { tags, summary: 'The policies in force', querystring: tenantQuery } }, async (request): Promise<PolicyListAnswer> => {
    const who = await caller(request, o.identity);
    const tenant = who.admin ? request.query.tenant : who.principal.tenant;
    return { policies: o.engine.list(tenant, who.admin) };
  });

  app.get<Id>('/v1/policies/:id', { schema: { tags, summary: 'A policy: its newest version, or ?version=', params: idParams, querystring: tenantQuery } }, async (request): Promise<PolicyView> => {
    const tenant = await tenantOf(request, o.identity, request.query.tenant);
    const version = request.query.version === undefined ? undefined : Number(request.query.version);
    const found = await o.engine.version(tenant, request.params.id, version);
    if (found === undefined) throw version === undefined ? Errors.policyNotFound({ quotedId: JSON.stringify(request.params.id) }) : Errors.policyVersionNotFound({ id: request.params.id, version });
    return found;
  });

  app.get<Id>('/v1/policies/:id/versions', { schema: { tags, summary: "A policy's versions, newest first", params: idParams, querystring: tenantQuery } }, async (request): Promise<PolicyVersionsAnswer> => {
    const tenant = await tenantOf(request, o.identity, request.query.tenant);
    const versions = await o.engine.versions(tenant, request.params.id);
    if (versions.length === 0) throw Errors.policyNotFound({ quotedId: JSON.stringify(request.params.id) });
    return { versions };
  });

  app.put<Id & { Body: unknown }>('/v1/policies/:id', { schema: { tags, summary: 'Write a new version of a policy', params: idParams } }, async (request, reply) => {
    const body = isRecord(request.body) ? request.body : {};
    const tenant = await tenantOf(request, o.identity, typeof body['tenant'] === 'string' ? body['tenant'] : undefined);
    const checked = validatePolicy({ ...body, id: request.params.id, ...(tenant !== undefined && { tenant }) });
    const written = await o.engine.put(checked, (await caller(request, o.identity)).principal.subject);
    return reply.code(written.version === 1 ? 201 : 200).send(written);
  });

  app.post<Id & { Body: unknown }>('/v1/policies/:id/rollback', { schema: { tags, summary: "Write an earlier version's policy as the newest version", params: idParams } }, async (request) => {
    const body = isRecord(request.body) ? request.body : {};
    const version = body['version'];
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw Errors.policyInvalid({ field: 'version', problem: 'the version to roll back to, a positive integer' });
    const tenant = await tenantOf(request, o.identity, typeof body['tenant'] === 'string' ? body['tenant'] : request.query.tenant);
    return o.engine.rollback(tenant, request.params.id, version, (await caller(request, o.identity)).principal.subject);
  });

  app.delete<Id>('/v1/policies/:id', { schema: { tags, summary: 'Delete a policy (a version of its own: it can be rolled back)', params: idParams, querystring: tenantQuery } }, async (request) => {
    const tenant = await tenantOf(request, o.identity, request.query.tenant);
    return o.engine.remove(tenant, request.params.id, (await caller(request, o.identity)).principal.subject);
  });

  app.post<{ Body: unknown }>('/v1/policies/test', { schema: { tags, summary: 'Decide a sample call without sending it' } }, async (request): Promise<PolicyTestAnswer> => {
    const who = await caller(request, o.identity);
    const body = isRecord(request.body) ? request.body : {};
    const facts = sampleFacts(isRecord(body['request']) ? body['request'] : {}, who);
    // Drafts (`policies`) are decided in place of the stored policy of the same id, or beside them: a policy tried before it is written.
    const drafts = Array.isArray(body['policies']) ? body['policies'].map((p, i) => {
      const checked = validatePolicy(isRecord(p) && !who.admin ? { ...p, tenant: who.principal.tenant } : p);
      return compilePolicy({ ...checked, version: 0, createdAt: Date.now(), createdBy: `draft ${i + 1}` });
    }) : [];
    const keyOf = (p: { record: PolicyRecord }) => `${p.record.tenant ?? ''}/${p.record.id}`;
    const drafted = new Set(drafts.map(keyOf));
    const set = new PolicySet([...o.engine.set.all().filter((p) => !drafted.has(keyOf(p))), ...drafts]);
    const applicable = set.applicable({ tenant: facts.principal.tenant, agent: facts.resource.agent, operation: facts.action.operation, skill: facts.action.skill });
    const cells = counterCellsRead(applicable);
    const counters = cells.length > 0 ? sampleCounters(isRecord(body['request']) ? body['request']['counters'] : undefined, cells) : undefined;
    const decision = decide(applicable, entitiesOf(facts, counters));
    return {
      outcome: decision.outcome,
      policies: decision.policies.map((p) => p.ref),
      applicable: applicable.map((p) => p.ref),
      ...(decision.errors.length > 0 && { errors: decision.errors }),
    };
  });

  app.get<{ Params: { seq: string } }>('/v1/policies/explain/:seq', { schema: { tags, summary: 'Which policies decided an audited call', params: { type: 'object', required: ['seq'], properties: { seq: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' } } } } }, async (request): Promise<PolicyExplainAnswer> => {
    const who = await caller(request, o.identity);
    const seq = Number(request.params.seq);
    const [row] = await o.audit.tail({ since: seq - 1, limit: 1 });
    if (row === undefined || row.seq !== seq || (!who.admin && row.tenant !== who.principal.tenant)) throw Errors.auditEntryNotFound({ seq });
    const decision = policyDetailOf(row);
    const policies: PolicyRecord[] = [];
    for (const ref of decision?.policies ?? []) {
      const parsed = /^(?:([^/]+)\/)?([^/@]+)@(\d+)$/.exec(ref);
      if (parsed === null) continue;
      const found = await o.engine.version(parsed[1], parsed[2]!, Number(parsed[3]));
      if (found !== undefined) policies.push(found);
    }
    return {
      seq,
      time: row.time,
      eventType: row.eventType,
      outcome: row.outcome,
      ...(row.targetAgent !== undefined && { agent: row.targetAgent }),
      ...(row.tenant !== undefined && { tenant: row.tenant }),
      ...(row.method !== undefined && { method: row.method }),
      decision: decision ?? { outcome: 'none', policies: [] },
      policies,
    };
  });
}

/** The caller, and whether it acts for every tenant. */
async function caller(request: FastifyRequest, identity: Identity): Promise<TenantScopedCaller> {
  const who = await adminOrCaller(request, identity);
  const { principal } = who;
  if (!who.admin && !principal.scopes.includes(POLICIES_SCOPE)) throw Errors.policiesOfOtherTenant({ tenant: principal.tenant, scope: POLICIES_SCOPE, admin: GATEWAY_ADMIN_SCOPE });
  return who;
}

/**
 * The tenant a request reads or writes under: an admin's as named (absent:
 * platform-wide), a tenant administrator's own always (naming another is
 * refused; naming none means its own, never the platform's).
 */
async function tenantOf(request: FastifyRequest, identity: Identity, named: string | undefined): Promise<string | undefined> {
  const who = await caller(request, identity);
  if (who.admin) return named;
  if (named !== undefined && named !== who.principal.tenant) throw Errors.policiesOfOtherTenant({ tenant: named, scope: POLICIES_SCOPE, admin: GATEWAY_ADMIN_SCOPE });
  return who.principal.tenant;
}

/** The `detail.policy` the proxy's step wrote on an audited call. */
function policyDetailOf(row: AuditRow): { outcome: string; policies: string[]; errors?: unknown } | undefined {
  const detail = row.detail;
  if (!isRecord(detail) || !isRecord(detail['policy'])) return undefined;
  const p = detail['policy'];
  return { outcome: typeof p['outcome'] === 'string' ? p['outcome'] : 'none', policies: Array.isArray(p['policies']) ? p['policies'].filter((x): x is string => typeof x === 'string') : [], ...(p['errors'] !== undefined && { errors: p['errors'] }) };
}

const str = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** A sample call as `policy test` sends it: the entity model's fields, defaults for what it leaves out; a tenant administrator's sample is its own tenant's. */
function sampleFacts(s: Record<string, unknown>, who: { principal: Principal; admin: boolean }): CallFacts {
  const p = isRecord(s['principal']) ? s['principal'] : {};
  const a = isRecord(s['action']) ? s['action'] : {};
  const r = isRecord(s['resource']) ? s['resource'] : {};
  const c = isRecord(s['context']) ? s['context'] : {};
  const time = typeof c['time'] === 'string' ? Date.parse(c['time']) : Date.now();
  return {
    principal: { client: str(p['client'], 'sample-client'), tenant: who.admin ? str(p['tenant'], who.principal.tenant) : who.principal.tenant, subject: str(p['subject'], 'sample-user'), kind: str(p['kind'], 'client'), scopes: strs(p['scopes']), act: strs(p['act']), issuer: str(p['issuer'], '') },
    action: { operation: str(a['operation'], 'SendMessage'), skill: str(a['skill'], ''), streaming: a['streaming'] === true },
    resource: { agent: str(r['agent'], ''), department: str(r['department'], ''), owner: str(r['owner'], ''), costCenter: str(r['costCenter'], ''), classification: str(r['classification'], ''), tags: strs(r['tags']), price: typeof r['price'] === 'number' ? r['price'] : 0 },
    context: { input: c['input'] ?? null, time: Number.isNaN(time) ? Date.now() : time, contextId: str(c['contextId'], '') },
  };
}

/** A sample's counters (`{ calls: { principal: { day: 3 } }, spend: …, denials: … }`, spend in credits); what it leaves out is 0. */
function sampleCounters(v: unknown, cells: readonly CounterCellRef[]): CounterValues {
  const given = isRecord(v) ? v : {};
  const read = (metric: string, scope: string, window: string): number => {
    const m = given[metric];
    const s = isRecord(m) ? m[scope] : undefined;
    const n = isRecord(s) ? s[window] : undefined;
    return typeof n === 'number' && Number.isFinite(n) ? n : 0;
  };
  return cells.map(({ scope, window }) => ({ scope, window, calls: read('calls', scope, window), spend: read('spend', scope, window) * 1000, denials: read('denials', scope, window) }));
}
