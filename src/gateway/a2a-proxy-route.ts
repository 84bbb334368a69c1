import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { renderHttpError } from '../http/index.js';
import { AgentmeshError, ErrorCodes, normalizeError, toJsonRpcErrorObject, WIRE } from '../protocol/index.js';
import type { Logger } from '../observability/index.js';
import type { AuditEntry, AuditLog } from '../audit/index.js';
import { hashInput } from '../audit/index.js';
import { TENANT_PATTERN, type CreditLedger } from '../tenancy/index.js';
import { GATEWAY_DELEGATE_SCOPE, type Identity, type Principal } from './identity/index.js';
import type { UpstreamRouter } from './routing/index.js';
import type { CardSigner } from './routing/index.js';
import { classifyA2aRequest, type ClassifiedRequest } from './policy/a2a-operation.js';
import type { Quotas, QuotaState } from './policy/quotas.js';
import { callTerms } from './call-pricing.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { SettlementTracker } from './settlement-tracker.js';
import { taskEnd } from './settlement.js';
import { AnswerTap } from './stream-task-tap.js';
import type { AssertionCache } from './assertion-cache.js';

/** What the A2A proxy needs. */
export interface A2aProxyOptions {
  identity: Identity;
  router: UpstreamRouter;
  ledger: CreditLedger;
  audit: AuditLog;
  quotas: Quotas;
  tracker: SettlementTracker;
  metrics: GatewayMetrics;
  logger: Logger;
  publicUrl: () => string;
  cardSigner: CardSigner;
  bodyLimitBytes: number;
  assertions: AssertionCache;
  defaultRequestsPerMinute: number;
  defaultBurst: number;
  tenantRequestsPerMinute: number;
}

/** Queued audit entries past which calls are refused (the log itself refuses at 100,000). */
const AUDIT_BACKLOG_LIMIT = 90_000;

/**
 * `/agents/{name}/…`: every A2A call through the gateway. In order:
 * classify (operation, scope), authenticate, authorize (operation, agent and
 * skill scopes; an agent closed to the tenant looks absent), quotas (client
 * and tenant), the agent's concurrency limit, credits (SendMessage: reserve
 * the estimate), forward with a signed tenant assertion, then settle from
 * the answer (or track the task until it ends) and audit.
 */
export async function a2aProxyRoutes(app: FastifyInstance, o: A2aProxyOptions): Promise<void> {
  // Bodies pass through as bytes: the gateway reads JSON only to classify and price.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: o.bodyLimitBytes }, (_req, body, done) => done(null, body));
  const outstanding = new Map<string, number>();

  const handler = async (request: FastifyRequest<{ Params: { name: string; '*'?: string } }>, reply: FastifyReply) => {
    const started = performance.now();
    const name = request.params.name;
    const path = `/${request.params['*'] ?? ''}`;
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : undefined;
    const raw = Buffer.isBuffer(request.body) ? request.body : undefined;
    const parsed = parseJson(raw);
    const a2aVersion = headerOf(request, 'a2a-version');
    const call = classifyA2aRequest(request.method, path, parsed, a2aVersion);
    const audit: AuditEntry = { eventType: 'a2a.call', actor: { kind: 'anonymous' }, targetAgent: name, method: call?.operation ?? `${request.method} ${path}`, outcome: 'ok', ...clientOf(request) };
    let principal: Principal | undefined;
    let delegated = false;
    let reservationKey: string | undefined;
    let estimate = 0;
    let counted = false;
    try {
      // No call goes unaudited: when the audit store falls behind, calls wait outside.
      if (o.audit.pending >= AUDIT_BACKLOG_LIMIT) {
        throw new AgentmeshError(ErrorCodes.STORAGE_UNAVAILABLE, 'The audit trail is behind; retry shortly', { retryable: true, expose: true });
      }
      const route = o.router.agent(name);
      if (!route || route.record.status === 'disabled') throw notFound(name);
      if (call?.operation === 'GetAgentCard') {
        const { json, etag } = await o.router.card(name, o.publicUrl(), o.cardSigner);
        audit.eventType = 'a2a.card';
        return reply.header('content-type', 'application/json').header('etag', etag).header('cache-control', 'public, max-age=60').send(json);
      }
      principal = await o.identity.authenticate(request);
      if (!principal) {
        audit.eventType = 'auth.denied';
        throw new AgentmeshError(ErrorCodes.AUTH_UNAUTHENTICATED, 'This agent needs a bearer token (OAuth 2.0 client credentials from /oauth/token) or an X-API-Key', { details: { reason: 'missing' } });
      }
      audit.actor = { kind: principal.kind, id: principal.clientId };
      audit.tenant = principal.tenant;
      audit.user = principal.subject;
      const delegation = delegationOf(request);
      if (delegation) {
        // Only a client trusted to act for other tenants (the orchestrator) may name one.
        if (!principal.scopes.includes(GATEWAY_DELEGATE_SCOPE)) {
          audit.eventType = 'scope.denied';
          throw new AgentmeshError(ErrorCodes.AUTH_FORBIDDEN, `Calling on behalf of a tenant (${ON_BEHALF_OF_TENANT}) needs the scope ${GATEWAY_DELEGATE_SCOPE}`, { details: { scope: GATEWAY_DELEGATE_SCOPE } });
        }
        const { tenant, subject, scopes } = checkDelegation(delegation);
        // From here the call is the tenant's own: visibility, quota, credits, the agent's assertion, audit.
        // The actor stays the delegating client, so the trail shows who acted for whom.
        audit.detail = { delegatedBy: principal.clientId };
        // With the end user's scopes, the call may do only what both may do: the user cannot borrow the orchestrator's reach.
        principal = { ...principal, tenant, subject: subject ?? principal.subject, ...(scopes ? { scopes: principal.scopes.filter((s) => scopes.includes(s)) } : {}) };
        delegated = true;
        audit.tenant = principal.tenant;
        audit.user = principal.subject;
      }
      if (!call) throw new AgentmeshError(ErrorCodes.PROTOCOL_METHOD_NOT_FOUND, `${request.method} ${path} is not an A2A operation`, { details: { path } });
      const tenants = route.record.metadata.tenants ?? [];
      if (tenants.length > 0 && !tenants.includes(principal.tenant)) {
        audit.eventType = 'tenant.mismatch';
        throw notFound(name);
      }
      const terms = call.operation === 'SendMessage' || call.operation === 'SendStreamingMessage' ? callTerms(route.record, call.message) : undefined;
      const needed = [call.scope, ...(route.record.metadata.requiredScopes ?? []), ...(terms?.scopes ?? [])].filter((s): s is string => s !== undefined);
      const missing = [...new Set(needed)].filter((s) => !principal!.scopes.includes(s));
      if (missing.length > 0) {
        audit.eventType = 'scope.denied';
        throw new AgentmeshError(ErrorCodes.AUTH_FORBIDDEN, `${call.operation} on ${name} needs the scope${missing.length > 1 ? 's' : ''} ${missing.join(' ')}`, { details: { scope: missing.join(' ') } });
      }
      audit.skill = terms?.skill;
      if (call.taskId) audit.taskId = call.taskId;
      if (call.message) audit.inputHash = hashInput(call.message);

      const client = await o.identity.client(principal.clientId);
      const rate = client?.rateLimit ?? route.record.metadata.rateLimit;
      let quota: QuotaState | undefined;
      try {
        quota = await o.quotas.admit([
          // A delegating client's budget is per tenant it acts for: one busy tenant does not throttle the others.
          { key: delegated ? `client:${principal.clientId}:tenant:${principal.tenant}:agent:${name}` : `client:${principal.clientId}:agent:${name}`, rpm: rate?.requestsPerMinute ?? o.defaultRequestsPerMinute, burst: rate?.burst ?? o.defaultBurst },
          { key: `tenant:${principal.tenant}`, rpm: o.tenantRequestsPerMinute, burst: 0 },
        ]);
      } catch (err) {
        audit.eventType = 'quota.exceeded';
        o.metrics.quotaHits.labels({ agent: name }).inc();
        const details = (err as AgentmeshError).details;
        const retry = details?.['retryAfterSeconds'];
        if (retry) reply.header('retry-after', retry).header('ratelimit-limit', details?.['limit'] ?? '').header('ratelimit-remaining', '0').header('ratelimit-reset', retry);
        throw err;
      }
      if (quota) reply.header('ratelimit-limit', String(quota.limit)).header('ratelimit-remaining', String(quota.remaining)).header('ratelimit-reset', String(quota.resetSeconds));

      const limit = route.record.metadata.maxConcurrentTasks;
      const busy = outstanding.get(name) ?? 0;
      if (terms && limit !== undefined && busy >= limit) {
        audit.eventType = 'concurrency.limited';
        throw new AgentmeshError(ErrorCodes.GATEWAY_CONCURRENCY_LIMIT, `${name} is running its ${limit} concurrent tasks; retry shortly`, { details: { agent: name, limit: String(limit) }, retryable: true });
      }
      outstanding.set(name, busy + 1);
      counted = true;

      // A new task is charged; a follow-up to an existing task (input-required answers) is part of it.
      const messageId = typeof call.message?.['messageId'] === 'string' ? call.message['messageId'] : undefined;
      if (terms && terms.milliCredits > 0 && messageId && call.message?.['taskId'] === undefined) {
        estimate = terms.milliCredits;
        reservationKey = `${name}:${principal.tenant}:${messageId}`;
        try {
          await o.ledger.reserve({ tenant: principal.tenant, key: reservationKey, milliCredits: estimate, agent: name, skill: terms.skill ?? '*', clientId: principal.clientId });
        } catch (err) {
          reservationKey = undefined;
          audit.eventType = 'credits.insufficient';
          throw err;
        }
        audit.milliCredits = estimate;
      }

      const assertion = await o.assertions.get({ sub: principal.subject, tenant: principal.tenant, scope: principal.scopes.join(' '), aud: `agentmesh:agent:${name}`, act: 'agentmesh-gateway' });
      const tap = reservationKey ? new AnswerTap(call.streaming) : undefined;
      const result = await o.router.forward(
        {
          agent: name,
          method: request.method,
          path,
          query,
          headers: { authorization: `Bearer ${assertion}`, 'x-request-id': String(request.id), ...(headerOf(request, 'traceparent') ? { traceparent: headerOf(request, 'traceparent')! } : {}) },
          body: raw,
          idempotent: call.idempotent,
          tap: tap?.onChunk,
        },
        reply,
      );
      o.metrics.upstream(name, call.operation, result.status, result.durationMs);
      if (result.status >= 400) audit.outcome = 'error';
      if (tap && reservationKey) {
        tap.finish();
        const charged = await settleOrTrack(o, { key: reservationKey, tap, estimate, agent: name, tenant: principal.tenant, subject: principal.subject, failed: result.status >= 400 || result.bodyError !== undefined });
        if (tap.taskId) audit.taskId = tap.taskId;
        // What the call cost once settled; a call still running shows its hold (its settlement is audited as credits.settled).
        if (charged !== undefined) audit.milliCredits = charged;
        audit.detail = { ...audit.detail, reservedMilliCredits: estimate, settled: charged !== undefined };
      }
    } catch (err) {
      if (reservationKey) await o.ledger.refund(reservationKey, 'the call did not reach the agent').catch((e) => o.logger.warn({ err: e }, 'refund failed'));
      const error = normalizeError(err, String(request.id));
      // A credential that does not verify is a security event like a missing one.
      if (error.code === ErrorCodes.AUTH_UNAUTHENTICATED && audit.eventType === 'a2a.call') audit.eventType = 'auth.denied';
      audit.outcome = audit.eventType === 'a2a.call' ? 'error' : 'denied';
      audit.errorCode = error.code;
      if (!reply.sent) sendError(reply, request, error, call);
      else o.logger.warn({ err }, 'gateway call failed after the answer started');
    } finally {
      if (counted) outstanding.set(name, (outstanding.get(name) ?? 1) - 1);
      audit.durationMs = performance.now() - started;
      o.metrics.calls.labels({ agent: o.metrics.agentLabel(name), outcome: audit.outcome }).inc();
      o.metrics.duration.labels({ agent: o.metrics.agentLabel(name) }).observe(audit.durationMs / 1000);
      if (audit.eventType !== 'a2a.call' && audit.eventType !== 'a2a.card') o.metrics.securityEvents.labels({ event: audit.eventType }).inc();
      if (audit.eventType !== 'a2a.card') {
        try {
          o.audit.append(audit);
        } catch (err) {
          o.logger.error({ err }, 'an audit entry could not be queued');
        }
      }
    }
  };
  app.all('/agents/:name', handler);
  app.all('/agents/:name/*', handler);
}

/** Settles (or refunds) now when the answer carries the task's end; else tracks the task. Returns what was charged when settled now. */
async function settleOrTrack(o: A2aProxyOptions, s: { key: string; tap: AnswerTap; estimate: number; agent: string; tenant: string; subject: string; failed: boolean }): Promise<number | undefined> {
  const end = s.tap.task !== undefined ? taskEnd(s.tap.task) : s.tap.state !== undefined ? taskEnd({ status: { state: s.tap.state } }) : { kind: 'open' as const };
  if (end.kind === 'refund' || (end.kind === 'charge' && !s.tap.streaming)) {
    return (await o.tracker.close(s.key, end, s.estimate))?.chargedMilliCredits;
  }
  if (s.tap.taskId === undefined) {
    // No task came back (an error answer): nothing ran, nothing is owed.
    if (s.failed || end.kind === 'open') return (await o.ledger.refund(s.key, 'the agent started no task')).chargedMilliCredits;
    return undefined;
  }
  // Still running, or a stream (whose usage is on the task, not the events): read the task until it ends.
  await o.tracker.track({ key: s.key, agent: s.agent, taskId: s.tap.taskId, tenant: s.tenant, subject: s.subject, estimate: s.estimate });
  return undefined;
}

function sendError(reply: FastifyReply, request: FastifyRequest, error: AgentmeshError, call: ClassifiedRequest | undefined): void {
  const status = WIRE[error.code].http;
  if (status === 401) reply.header('www-authenticate', `Bearer realm="agentmesh"${error.details?.['reason'] === 'missing' ? '' : ', error="invalid_token"'}`);
  else if (status === 403 && error.code === ErrorCodes.AUTH_FORBIDDEN) reply.header('www-authenticate', `Bearer realm="agentmesh", error="insufficient_scope", scope="${error.details?.['scope'] ?? ''}"`);
  if (call?.binding === 'JSONRPC') {
    reply.code(status).header('content-type', 'application/json').send(JSON.stringify({ jsonrpc: '2.0', id: call.jsonRpcId ?? null, error: toJsonRpcErrorObject(error, String(request.id)) }));
    return;
  }
  const rendered = renderHttpError(error, String(request.id));
  reply.code(rendered.statusCode).send(rendered.body);
}

/** Delegation headers (docs/gateway.md#calling-on-behalf-of-a-tenant); never trusted without GATEWAY_DELEGATE_SCOPE. */
const ON_BEHALF_OF_TENANT = 'x-agentmesh-on-behalf-of-tenant';
const ON_BEHALF_OF_SUBJECT = 'x-agentmesh-on-behalf-of-subject';
const ON_BEHALF_OF_SCOPES = 'x-agentmesh-on-behalf-of-scopes';
const SCOPE_RE = /^[\x21\x23-\x5b\x5d-\x7e]{1,200}$/;
const TENANT_RE = new RegExp(TENANT_PATTERN);
const MAX_SUBJECT = 256;

/** The delegation headers as sent, when the call carries either. */
function delegationOf(request: FastifyRequest): { tenant: unknown; subject: unknown; scopes: unknown } | undefined {
  const tenant = request.headers[ON_BEHALF_OF_TENANT];
  const subject = request.headers[ON_BEHALF_OF_SUBJECT];
  const scopes = request.headers[ON_BEHALF_OF_SCOPES];
  return tenant === undefined && subject === undefined && scopes === undefined ? undefined : { tenant, subject, scopes };
}

/** The end user's scopes (RFC 6749 scope syntax, space-separated, may be empty), when the delegating client sends them. */
function checkScopes(raw: unknown): string[] | undefined {
  if (raw === undefined) return undefined;
  const scopes = typeof raw === 'string' ? raw.split(' ').filter((s) => s !== '') : undefined;
  if (!scopes || scopes.length > 100 || !scopes.every((s) => SCOPE_RE.test(s))) {
    throw badHeader(ON_BEHALF_OF_SCOPES, 'must be one space-separated list of at most 100 OAuth scopes');
  }
  return scopes;
}

/** The tenant as tenancy keys it (ledger accounts, task store); the subject as an audit `user`. */
function checkDelegation(raw: { tenant: unknown; subject: unknown; scopes: unknown }): { tenant: string; subject: string | undefined; scopes: string[] | undefined } {
  if (typeof raw.tenant !== 'string' || !TENANT_RE.test(raw.tenant)) {
    throw badHeader(ON_BEHALF_OF_TENANT, raw.tenant === undefined ? `is required with ${ON_BEHALF_OF_SUBJECT}` : 'must be one tenant id: 1-128 letters, digits or . _ : @ - starting with a letter or digit');
  }
  const scopes = checkScopes(raw.scopes);
  if (raw.subject === undefined) return { tenant: raw.tenant, subject: undefined, scopes };
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (typeof raw.subject !== 'string' || raw.subject.trim() === '' || raw.subject.length > MAX_SUBJECT || /[\u0000-\u001f\u007f]/.test(raw.subject)) {
    throw badHeader(ON_BEHALF_OF_SUBJECT, `must be one non-blank value of at most ${MAX_SUBJECT} characters without control characters`);
  }
  return { tenant: raw.tenant, subject: raw.subject, scopes };
}

function badHeader(header: string, description: string): AgentmeshError {
  return new AgentmeshError(ErrorCodes.GATEWAY_INVALID_ARGUMENT, `Header ${header} ${description}`, { violations: [{ field: header, description }] });
}

function notFound(name: string): AgentmeshError {
  return new AgentmeshError(ErrorCodes.GATEWAY_AGENT_NOT_FOUND, `No agent named ${JSON.stringify(name)} is reachable through this gateway`, { details: { agent: name } });
}

function parseJson(raw: Buffer | undefined): unknown {
  if (raw === undefined || raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function clientOf(request: FastifyRequest): Pick<AuditEntry, 'ip' | 'userAgent'> {
  const ua = headerOf(request, 'user-agent');
  return { ip: request.ip, ...(ua !== undefined && { userAgent: ua.slice(0, 200) }) };
}

