import type { FastifyInstance } from 'fastify';
import { DECODED_CONTENT_CODINGS, decodeContentSync, renderHttpError, type DataPlaneRoute, type ExchangeReply, type ExchangeRequest, type UnroutedFallback } from '../http/index.js';
import type { AgentmeshError} from '../protocol/index.js';
import { ErrorCodes, isAgentmeshError, normalizeError, requestedVersion, Errors } from '../protocol/index.js';
import type { AuditEntry } from '../audit/index.js';
import { toAcpError } from '../acp/index.js';
import { httpLayerError, readA2aRequest } from './policy/a2a-operation.js';
import { GatewayCall, type ProxyDeps } from './proxy/gateway-call.js';
import { authenticateStep } from './proxy/authenticate-step.js';
import { authorizeStep } from './proxy/authorize-step.js';
import { delegationGuardStep } from './proxy/delegation-guard.js';
import { concurrencyStep, quotaStep } from './proxy/admit-steps.js';
import { reserveStep } from './proxy/reserve-step.js';
import { forwardStep } from './proxy/forward-step.js';
import { validateStep } from './proxy/validate-step.js';
import { piiStep } from './proxy/pii-step.js';
import { approvalStep } from './proxy/approval-step.js';
import { policyStep } from './proxy/policy-step.js';
import { answerError } from './proxy/answer-error.js';
import { answerAcpDiscovery, checkAcpCall } from './proxy/acp-door.js';
import { agentNotFound } from './proxy/refusals.js';
import { forwardedQuery } from './proxy/forwarded-query.js';
import { answerCardRequest } from './routing/index.js';
import { rememberCharged } from './settle-or-track.js';

/** What the A2A proxy needs. */
export interface A2aProxyOptions extends ProxyDeps {
  /** Set to the proxy's handler, so requests the router refuses under /agents/ are answered and audited here too. */
  unroutedFallback?: UnroutedFallback;
  /** Set to the proxy's handler: calls are served on node:http, before Fastify (ADR 0015). */
  dataPlane?: DataPlaneRoute;
}

/** Queued audit entries past which calls are refused (the log itself refuses at 100,000). */
export const AUDIT_BACKLOG_LIMIT = 90_000;

/**
 * `/agents/{name}/…`: every A2A call through the gateway, as a pipeline of
 * small steps (ADR 0009), each in its own file and testable alone:
 *
 *   read (classify, parse once, refuse what is no request) → authenticate
 *   (and delegate) → authorize (tenant, scopes, price) → delegation guard
 *   (no loop, not too deep) → quota → validate
 *   (the spec's and the skill's schemas) → PII policy → policies (docs/policies.md) → approval gate (park
 *   the call, docs/approvals.md) → concurrency (fair
 *   share) → reserve credits → forward → settle → record
 *
 * A step refuses by throwing an AgentmeshError after naming the audit event;
 * the error is answered in the caller's binding. What a step holds is
 * released through the call's disposer, whatever fails. Every call leaves
 * exactly one audit entry (cards excepted: they are public).
 */
export async function a2aProxyRoutes(app: FastifyInstance, o: A2aProxyOptions): Promise<void> {
  // Bodies pass through as bytes: the gateway reads JSON only to classify and price.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: o.bodyLimitBytes }, (_req, body, done) => done(null, body));
  // What Fastify refuses before the handler (a body too large) on the ACP door is answered in ACP's Error shape; anything else by the role's handler.
  app.setErrorHandler((err, request, reply) => {
    const q = request.url.indexOf('?');
    if (!isAcpDoorPath(q < 0 ? request.url : request.url.slice(0, q))) throw err;
    const rendered = renderHttpError(err, String(request.id));
    const { statusCode, body } = toAcpError(rendered.error, String(request.id));
    return reply.code(statusCode).header('content-type', 'application/json').send(JSON.stringify(body));
  });

  const handler = async (request: ExchangeRequest, reply: ExchangeReply): Promise<void> => {
    const c = openCall(request, reply, o.bodyLimitBytes);
    try {
      await runSteps(c, o);
    } catch (err) {
      await failCall(c, o, err);
    } finally {
      // Most calls release synchronously: no await (and no turn of the microtask queue) for them.
      const closing = closeCall(c, o);
      if (closing !== undefined) await closing;
    }
  };
  app.all('/agents/:name', handler);
  app.all('/agents/:name/*', handler);
  if (o.unroutedFallback) o.unroutedFallback.handle = handler;
  if (o.dataPlane) o.dataPlane.handle = handler;
}

/** `/agents/{name}/acp` and below: a native agent's ACP endpoint through the gateway (docs/acp.md). */
export function isAcpDoorPath(path: string): boolean {
  return /^\/agents\/[^/]+\/acp(\/|$)/.test(path);
}

/**
 * Reads the request once, from the raw URL (the router's decoded params are
 * not used: a request it refused reaches here too): the agent's name, the
 * path after `/agents/{name}` (still percent-encoded), the query, the body.
 */
export function openCall(request: ExchangeRequest, reply: ExchangeReply, bodyLimitBytes: number): GatewayCall {
  const url = request.url;
  const q = url.indexOf('?');
  const pathPart = q < 0 ? url : url.slice(0, q);
  // `/agents/{name}` then the rest: the name is one raw segment.
  const afterAgents = pathPart.indexOf('/', '/agents/'.length);
  const rawName = afterAgents < 0 ? pathPart.slice('/agents/'.length) : pathPart.slice('/agents/'.length, afterAgents);
  const name = decodedName(rawName);
  const rawPath = afterAgents < 0 ? '/' : pathPart.slice(afterAgents);
  const query = q < 0 ? undefined : forwardedQuery(url.slice(q));
  // Header, else query parameter: read as the runtime reads it (the query is forwarded, so the agent sees what was read here).
  const version = requestedVersion(request.headers['a2a-version'], q < 0 ? undefined : url.slice(q));
  // Decoded here as the agent's routes decode it (RFC 9110 §8.4), and forwarded decoded (content-encoding is withheld).
  let raw = Buffer.isBuffer(request.body) ? request.body : undefined;
  let bodyError: AgentmeshError | undefined;
  try {
    if (raw !== undefined) raw = decodeContentSync(raw, request.headers['content-encoding'], bodyLimitBytes);
  } catch (err) {
    if (!isAgentmeshError(err)) throw err;
    bodyError = err;
    raw = undefined;
    if (bodyError.code === ErrorCodes.HTTP_UNSUPPORTED_MEDIA_TYPE) reply.header('accept-encoding', DECODED_CONTENT_CODINGS);
  }
  const { reading, body } = readA2aRequest(request.method, rawPath, raw, version, bodyError, request.headers['content-type']);
  const ua = request.headers['user-agent'];
  const audit: AuditEntry = {
    eventType: 'a2a.call',
    actor: { kind: 'anonymous' },
    targetAgent: name,
    method: reading.operation ?? `${request.method} ${rawPath.slice(0, 128)}`,
    outcome: 'ok',
    ip: request.ip,
    ...(typeof ua === 'string' && { userAgent: ua.slice(0, 200) }),
  };
  return new GatewayCall(request, reply, name, reading, raw, body, query, version, audit);
}

/** An agent's name from its raw path segment; one that does not decode is kept raw (no agent has such a name: not found). */
function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * The first steps of every call, before it is authenticated: admitted while the audit keeps up, read as a
 * request, and routed to an agent the directory holds and has not disabled (`c.route`). The bench's SPOE
 * policy agent takes the same steps.
 */
export function routeCall(c: GatewayCall, o: Pick<ProxyDeps, 'audit' | 'router'>): void {
  // No call goes unaudited: when the audit store falls behind, calls wait outside.
  if (o.audit.pending >= AUDIT_BACKLOG_LIMIT) {
    throw Errors.auditBehind({});
  }
  const reading = c.reading;
  // Not a request at all: answered before anything else, as the runtime does.
  if (reading.refusal !== undefined && reading.beforeAuth) throw reading.refusal;
  const route = o.router.agent(c.agent);
  // Before the directory has loaded, an agent not in it may be one it holds: not now, rather than not found.
  if (!route && !o.router.ready()) throw Errors.directoryNotLoaded({});
  if (!route || route.record.status === 'disabled') throw agentNotFound(c.agent);
  c.route = route;
}

async function runSteps(c: GatewayCall, o: A2aProxyOptions): Promise<void> {
  routeCall(c, o);
  const reading = c.reading;
  if (reading.binding === 'ACP') {
    checkAcpCall(c);
    if (reading.operation === 'GetAgentCard') return answerAcpDiscovery(c);
  }
  if (reading.operation === 'GetAgentCard') {
    try {
      await answerCardRequest({ request: c.request, reply: c.reply, agent: c.agent, router: o.router, gatewayBaseUrl: o.publicUrl(), sign: o.cardSigner, extensions: o.approvals?.cardExtensions(c.agent) ?? [], audit: c.audit });
    } catch (err) {
      // The runtime's card route is plain HTTP: its refusals are google.rpc.Status whatever the version.
      throw isAgentmeshError(err) ? httpLayerError(err) : err;
    }
    return;
  }
  // A step returns a promise only when it has something to wait for (a token not seen before, a client's first
  // view, shared quotas, v0.3 checks, a parked call): the usual call passes them without a promise or a microtask each.
  const authenticated = authenticateStep(c, o);
  if (authenticated !== undefined) await authenticated;
  // A request no agent could serve (an unknown method, an impossible task id): refused without contacting one.
  if (reading.refusal !== undefined) throw reading.refusal;
  authorizeStep(c, o);
  delegationGuardStep(c, o);
  const admitted = quotaStep(c, o);
  if (admitted !== undefined) await admitted;
  const validated = validateStep(c, o);
  if (validated !== undefined) await validated;
  piiStep(c, o);
  const decided = policyStep(c, o);
  if (decided !== undefined) await decided;
  const approval = approvalStep(c, o);
  if (approval === true || (approval !== false && (await approval))) return;
  concurrencyStep(c, o);
  const reserved = reserveStep(c, o);
  if (reserved !== undefined) await reserved;
  await forwardStep(c, o);
}

/** A call refused or failed: its hold refunded, its audit entry marked, the error answered in the caller's binding. */
export async function failCall(c: GatewayCall, o: ProxyDeps, err: unknown): Promise<void> {
  const key = c.reservationKey;
  if (key !== undefined) {
    c.reservationKey = undefined;
    await o.credits.refund(key, 'the call did not reach the agent').catch((e: unknown) => o.logger.warn({ err: e }, 'refund failed'));
  }
  const error = normalizeError(err, String(c.request.id));
  // A credential that does not verify is a security event like a missing one.
  if (error.code === ErrorCodes.AUTH_UNAUTHENTICATED && c.audit.eventType === 'a2a.call') c.audit.eventType = 'auth.denied';
  c.audit.outcome = c.audit.eventType === 'a2a.call' ? 'error' : 'denied';
  c.audit.errorCode = error.code;
  if (!error.expose) o.logger.error({ err, agent: c.agent }, 'gateway call failed');
  if (!c.reply.sent) answerError(c.reply, c.request, error, c.reading.binding, c.reading.jsonRpcId, c.reading.version);
  else o.logger.warn({ err }, 'gateway call failed after the answer started');
}

/**
 * Releases what the call holds, then records it: metrics and its one audit entry. A promise only when a
 * release is asynchronous. What the record reads past the close is taken before the call lets go of the
 * rest (`GatewayCall.letGo`): a charged task's message and tenant, and the input hashed once the release
 * has started (a slot given back does not wait for a hash). A finished call no longer leads to its
 * request, reply or parsed body, whatever still holds the call itself.
 */
export function closeCall(c: GatewayCall, o: ProxyDeps): Promise<void> | undefined {
  const message = c.chargedTask ? c.call.message : undefined;
  const tenant = c.chargedTask ? c.principal!.tenant : undefined;
  const released = c.disposer.dispose();
  // A call refused (or parked) before it was forwarded has its input hashed here, for its record (a forwarded one already has, or its Immediate finds nothing to do).
  if (c.audit.eventType !== 'a2a.card' && !c.recorded) c.hashInput();
  c.letGo();
  if (!Array.isArray(released)) return released.then((errors) => record(c, o, errors, message, tenant));
  record(c, o, released, message, tenant);
  return undefined;
}

/**
 * What the call leaves behind once it is over, its answer out: metrics, the
 * charged messageId (settle-or-track.ts), its one audit entry unless it was
 * journaled before its answer. Nothing here is on the answer's path (ADR 0057).
 * Reads only what a closed call keeps (`GatewayCall.letGo`) and what was taken before it closed.
 */
function record(c: GatewayCall, o: ProxyDeps, releaseErrors: unknown[], chargedMessage: Record<string, unknown> | undefined, tenant: string | undefined): void {
  for (const err of releaseErrors) o.logger.error({ err, agent: c.agent }, 'releasing a call failed');
  if (tenant !== undefined) rememberCharged(o.charged, { message: chargedMessage, agent: c.agent, tenant });
  const audit = c.audit;
  audit.durationMs = performance.now() - c.started;
  o.metrics.callEnded(c.agent, audit.outcome, audit.durationMs / 1000);
  if (audit.eventType !== 'a2a.call' && audit.eventType !== 'a2a.card') o.metrics.securityEvents.labels({ event: audit.eventType }).inc();
  if (audit.eventType === 'a2a.card' || c.recorded) return;
  try {
    o.audit.append(audit);
  } catch (err) {
    o.logger.error({ err }, 'an audit entry could not be queued');
  }
}
