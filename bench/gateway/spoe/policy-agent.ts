/**
 * agentmesh's per-call policy as an SPOE agent (the prototype of "HAProxy
 * relays, agentmesh decides", ADR 0054's structural design; ADR 0061):
 * HAProxy sends each request (message `am-request`: method, URL, the
 * headers the steps read, body, client address); the agent opens the call
 * as the gateway's proxy opens it (`openCall`) and runs the gateway's own
 * steps on it, over the gateway's own parts (`Gateway.callSteps`: the same
 * identity, quota windows, concurrency gate, credits, validator, PII
 * policies, approval gate, journal, audit and metrics as its calls):
 *
 *   authenticate (bearer token, API key, delegation headers) → authorize
 *   (tenant, scopes, price) → quota → validate (the spec's schema for the
 *   call's version, the skill's input schema) → PII (log or block) →
 *   approval gate (a call a rule matches is parked and answered with its
 *   gated task) → concurrency → credit hold → the tenant assertion
 *
 * and answers with variables HAProxy acts on: `verdict` (0: relay; else the
 * status HAProxy returns with `body`, `ctype` and the refusal's headers),
 * `assertion`, `call`, the quota headers (`rl_*`), and `route` for calls
 * that stay the gateway's (HAProxy relays them to it untouched): streams,
 * cards, the ACP door and bridged agents, and a tenant whose PII policy
 * redacts (no SPOE action rewrites a body).
 *
 * On the response (message `am-answer`: the call id, the status, the
 * answer's body) it does what the gateway does before it releases an
 * answer (`beforeRelease`): reads it, settles or tracks the hold, and
 * writes the call's settlement and audit row to the answer journal, and the
 * ACK (which HAProxy waits for before it sends the answer on) follows that
 * write; then the call is closed as the gateway closes its calls
 * (`closeCall`: its slot released, its metrics). A refusal is closed the
 * same way (`failCall`, then `closeCall`): one audit entry a call.
 *
 * With `cacheVerdicts`, HAProxy keeps the agent's verdict per token, agent
 * path and JSON-RPC method in a map (`cache`: "renewAt clientId rpm
 * assertion") and asks again only when it is stale: a call it answers from
 * the map sends one message, on the response (`am-charge`), which holds and
 * settles the call's credits at once and queues its audit entry (ADR 0059
 * rejected that design; it stays as the bench's floor).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Gateway } from '../../../src/gateway/index.js';
import type { AuditEntry } from '../../../src/audit/index.js';
import { closeCall, failCall, openCall, routeCall } from '../../../src/gateway/a2a-proxy-route.js';
import { callTerms } from '../../../src/gateway/call-pricing.js';
import type { Principal } from '../../../src/gateway/identity/index.js';
import type { GatewayCall, ProxyDeps } from '../../../src/gateway/proxy/gateway-call.js';
import { authenticateStep } from '../../../src/gateway/proxy/authenticate-step.js';
import { authorizeStep } from '../../../src/gateway/proxy/authorize-step.js';
import { delegationGuardStep } from '../../../src/gateway/proxy/delegation-guard.js';
import { concurrencyStep, quotaStep } from '../../../src/gateway/proxy/admit-steps.js';
import { validateStep } from '../../../src/gateway/proxy/validate-step.js';
import { piiStep } from '../../../src/gateway/proxy/pii-step.js';
import { approvalStep } from '../../../src/gateway/proxy/approval-step.js';
import { reserveStep } from '../../../src/gateway/proxy/reserve-step.js';
import { beforeRelease } from '../../../src/gateway/proxy/forward-step.js';
import { taskChargeKey } from '../../../src/gateway/settle-or-track.js';
import { taskEnd } from '../../../src/gateway/settlement.js';
import { AnswerTap } from '../../../src/gateway/stream-task-tap.js';
import { AnswerErrorWatch } from '../../../src/gateway/answer-error-watch.js';
import { normalizeError } from '../../../src/protocol/index.js';
import type { SpopValue } from './spop-data.js';
import type { SpopAction, SpopMessage } from './spop-frame.js';
import { RETURNED_STATUSES, SpoeReply, spoeRequest } from './spoe-exchange.js';

/** What the agent uses of a gateway: its proxy steps' parts and its config. */
export type PolicyGateway = Pick<Gateway, 'callSteps' | 'config'>;

export interface PolicyAgentOptions {
  /** Answer each allowed request with a `cache` variable HAProxy keeps in its verdict map. */
  cacheVerdicts?: boolean;
  /** A call whose response never came (the client left, HAProxy answered itself) is refunded after this long. Default 60 s. */
  abandonAfterMs?: number;
}

/** One call between its verdict and its response. */
interface OpenCall {
  c: GatewayCall;
  /** When HAProxy was told to relay it (the upstream metric's duration starts here). */
  relayedAt: number;
}

export interface PolicyAgentStats {
  requests: number;
  allowed: number;
  refused: number;
  /** Calls answered by a step itself (a parked call's gated task). */
  answered: number;
  /** Calls HAProxy was told to relay to the gateway. */
  toGateway: number;
  answers: number;
  charges: number;
  abandoned: number;
  open: number;
  /** Answers that were errors: a status of 400 or more, or a JSON-RPC error (which comes with HTTP 200). */
  failedAnswers: number;
}

const NONE: readonly SpopAction[] = Object.freeze([]);

/** The steps' outcome: relay to the agent, answered by a step, or the gateway's call. */
const RELAY = 0;
const ANSWERED = 1;
const GATEWAY = 2;
type Outcome = typeof RELAY | typeof ANSWERED | typeof GATEWAY;

/** The request headers HAProxy sends (each an argument of `am-request` named for it: see haproxy-spoe-config.ts). */
export const FORWARDED_HEADERS = Object.freeze({
  auth: 'authorization',
  apikey: 'x-api-key',
  version: 'a2a-version',
  ctype: 'content-type',
  cenc: 'content-encoding',
  accept: 'accept',
  ua: 'user-agent',
  obo_tenant: 'x-agentmesh-on-behalf-of-tenant',
  obo_subject: 'x-agentmesh-on-behalf-of-subject',
  obo_scopes: 'x-agentmesh-on-behalf-of-scopes',
} as const);

const HEADER_OF_ARG: ReadonlyMap<string, string> = new Map(Object.entries(FORWARDED_HEADERS));

/** Headers of a refusal HAProxy returns with it (variables of the same name, `-` as `_`). */
export const REFUSAL_HEADERS = ['www-authenticate', 'retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'accept-encoding'] as const;

function arg(message: SpopMessage, name: string): SpopValue | undefined {
  for (const a of message.args) if (a.name === name) return a.value;
  return undefined;
}

function text(value: SpopValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function bytes(value: SpopValue | undefined): Buffer | undefined {
  return value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : undefined;
}

const txn = (name: string, value: SpopValue): SpopAction => ({ type: 'set-var', scope: 'txn', name, value });

export class PolicyAgent {
  readonly stats: PolicyAgentStats = { requests: 0, allowed: 0, refused: 0, answered: 0, toGateway: 0, answers: 0, charges: 0, abandoned: 0, open: 0, failedAnswers: 0 };
  readonly #d: ProxyDeps;
  readonly #assertionTtlSeconds: number;
  readonly #cacheVerdicts: boolean;
  readonly #open = new Map<string, OpenCall>();
  readonly #sweeper: NodeJS.Timeout;
  readonly #abandonAfterMs: number;
  #seq = 0;

  constructor(gateway: PolicyGateway, options: PolicyAgentOptions = {}) {
    this.#d = gateway.callSteps;
    this.#assertionTtlSeconds = gateway.config.assertionTtlSeconds;
    this.#cacheVerdicts = options.cacheVerdicts === true;
    this.#abandonAfterMs = options.abandonAfterMs ?? 60_000;
    this.#sweeper = setInterval(() => this.#sweep(), Math.min(10_000, this.#abandonAfterMs)).unref();
  }

  /** The SPOP handler: one message a NOTIFY in the configs this prototype writes. */
  readonly handle = (messages: readonly SpopMessage[]): readonly SpopAction[] | Promise<readonly SpopAction[]> => {
    if (messages.length === 1) return this.#one(messages[0]!);
    const answers = messages.map((m) => this.#one(m));
    return Promise.all(answers).then((all) => all.flat());
  };

  close(): void {
    clearInterval(this.#sweeper);
  }

  #one(message: SpopMessage): readonly SpopAction[] | Promise<readonly SpopAction[]> {
    switch (message.name) {
      case 'am-request':
        return this.#request(message);
      case 'am-answer':
        return this.#answer(message);
      case 'am-charge':
        return this.#charge(message);
      default:
        return NONE;
    }
  }

  // ---- request: the gateway's steps, up to the forward ----

  async #request(m: SpopMessage): Promise<readonly SpopAction[]> {
    this.stats.requests++;
    const d = this.#d;
    // One pass over the message's arguments: the headers by their argument's name, the rest by theirs.
    const headers: IncomingHttpHeaders = {};
    let method = 'GET';
    let url = '/';
    let ip = '';
    let body: Buffer | undefined;
    for (const { name, value } of m.args) {
      const header = HEADER_OF_ARG.get(name);
      if (header !== undefined) {
        if (typeof value === 'string') headers[header] = value;
      } else if (name === 'method') method = text(value) ?? method;
      else if (name === 'url') url = text(value) ?? url;
      else if (name === 'ip') ip = value === undefined || value === null ? '' : String(value);
      else if (name === 'body') body = bytes(value);
    }
    const request = spoeRequest({ id: `spoe-${++this.#seq}`, method, url, headers, ip, body });
    const reply = new SpoeReply(request);
    const c = openCall(request, reply, d.bodyLimitBytes);
    let outcome: Outcome;
    try {
      outcome = await this.#steps(c, d);
    } catch (err) {
      await failCall(c, d, err);
      this.stats.refused++;
      return this.#closed(c, reply);
    }
    if (outcome === GATEWAY) {
      // Nothing was held or counted: the gateway's own path makes the call, and audits it.
      this.stats.toGateway++;
      return [txn('verdict', 0), txn('route', 'gateway')];
    }
    if (outcome === ANSWERED) {
      this.stats.answered++;
      return this.#closed(c, reply);
    }
    return this.#allowed(c, reply);
  }

  /**
   * What the gateway's `runSteps` does before its forward, in its order and
   * with its steps (a2a-proxy-route.ts); a call the gateway must make
   * itself is sent there before anything is held or counted.
   */
  async #steps(c: GatewayCall, d: ProxyDeps): Promise<Outcome> {
    routeCall(c, d);
    const reading = c.reading;
    const route = c.route!;
    // Cards (rewritten and signed by the gateway), the ACP door and bridged agents, and streams (settled from their events).
    if (reading.binding === 'ACP' || route.record.bridge !== undefined || reading.operation === 'GetAgentCard' || (reading.operation !== undefined && reading.streaming)) return GATEWAY;
    const authenticated = authenticateStep(c, d);
    if (authenticated !== undefined) await authenticated;
    if (reading.refusal !== undefined) throw reading.refusal;
    authorizeStep(c, d);
    delegationGuardStep(c, d);
    // A redacted message is a rewritten body, which no SPOE action can send: that tenant's (or agent's) calls are the gateway's.
    if (redacts(c, d)) return GATEWAY;
    const admitted = quotaStep(c, d);
    if (admitted !== undefined) await admitted;
    const validated = validateStep(c, d);
    if (validated !== undefined) await validated;
    piiStep(c, d);
    const approval = approvalStep(c, d);
    if (approval === true || (approval !== false && (await approval))) return ANSWERED;
    concurrencyStep(c, d);
    const reserved = reserveStep(c, d);
    if (reserved !== undefined) await reserved;
    return RELAY;
  }

  async #allowed(c: GatewayCall, reply: SpoeReply): Promise<readonly SpopAction[]> {
    const d = this.#d;
    const principal = c.principal!;
    let assertion: string;
    try {
      // As forwardStep signs it: the cached assertion, or a retry-only call's own (ADR 0046, third addendum).
      const held = c.retryOnly === undefined ? d.assertions.getNow(principal, c.agent) : d.assertions.retryOnly(principal, c.agent, c.retryOnly);
      assertion = typeof held === 'string' ? held : await held;
    } catch (err) {
      await failCall(c, d, err);
      this.stats.refused++;
      return this.#closed(c, reply);
    }
    this.stats.allowed++;
    const id = c.request.id;
    this.#open.set(id, { c, relayedAt: performance.now() });
    this.stats.open = this.#open.size;
    const actions = [txn('verdict', 0), txn('assertion', assertion), txn('call', id)];
    const limit = reply.getHeader('ratelimit-limit');
    if (limit !== undefined) actions.push(txn('ratelimit_limit', limit), txn('ratelimit_remaining', reply.getHeader('ratelimit-remaining') ?? ''), txn('ratelimit_reset', reply.getHeader('ratelimit-reset') ?? ''));
    if (this.#cacheVerdicts) {
      // Fresh for half the assertion's life, as the gateway's assertion cache reuses it; never past the token's expiry.
      const renewAt = Math.min(Math.floor(Date.now() / 1000) + Math.floor(this.#assertionTtlSeconds / 2), principal.expiresAt ?? Number.MAX_SAFE_INTEGER);
      const rpm = this.#rpmOf(c, principal);
      actions.push(txn('cache', `${renewAt} ${principal.clientId} ${rpm} ${assertion}`));
    }
    return actions;
  }

  /** A call a step answered (refused, or parked): closed as the gateway closes it, and its answer handed to HAProxy. */
  async #closed(c: GatewayCall, reply: SpoeReply): Promise<readonly SpopAction[]> {
    const closing = closeCall(c, this.#d);
    if (closing !== undefined) await closing;
    const status = RETURNED_STATUSES.includes(reply.statusCode) ? reply.statusCode : 500;
    const actions = [txn('verdict', status), txn('body', reply.body ?? ''), txn('ctype', reply.getHeader('content-type') ?? 'application/json')];
    for (const name of REFUSAL_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) actions.push(txn(name.replaceAll('-', '_'), value));
    }
    return actions;
  }

  #rpmOf(c: GatewayCall, principal: Principal): number {
    const client = this.#d.identity.clientNow(principal.clientId);
    const view = client instanceof Promise ? undefined : client;
    return (view?.rateLimit ?? c.route!.record.metadata.rateLimit)?.requestsPerMinute ?? this.#d.defaultRequestsPerMinute;
  }

  // ---- response: what the gateway does before it releases an answer, then the call closed ----

  #answer(m: SpopMessage): readonly SpopAction[] | Promise<readonly SpopAction[]> {
    this.stats.answers++;
    const id = text(arg(m, 'call'));
    const open = id === undefined ? undefined : this.#open.get(id);
    if (open === undefined) return NONE;
    this.#open.delete(id!);
    this.stats.open = this.#open.size;
    const { c } = open;
    const d = this.#d;
    const status = Number(arg(m, 'status') ?? 0);
    // As forwardStep reads an answer: a tap when credits are held (settlement), else a scan for the error it carries.
    const tap = c.reservationKey !== undefined ? new AnswerTap(c.call.streaming) : undefined;
    const watch = tap === undefined ? new AnswerErrorWatch(c.call.binding === 'JSONRPC') : undefined;
    const body = bytes(arg(m, 'body'));
    if (body !== undefined) (tap?.onChunk ?? watch!.onChunk)(body);
    let released: Promise<void> | undefined;
    try {
      released = beforeRelease(c, d, tap, watch, status);
    } catch (err) {
      return this.#answerFailed(c, err);
    }
    if (released === undefined) return this.#answered(c, open, status);
    return released.then(
      () => this.#answered(c, open, status),
      (err: unknown) => this.#answerFailed(c, err),
    );
  }

  /** The answer's settlement and audit row are durable: the ACK lets HAProxy send it on; the call is closed. */
  #answered(c: GatewayCall, open: OpenCall, status: number): readonly SpopAction[] | Promise<readonly SpopAction[]> {
    if (c.audit.outcome === 'error') this.stats.failedAnswers++;
    this.#d.metrics.upstream(c.agent, c.call.operation, c.answerStatus ?? status, performance.now() - open.relayedAt);
    const closing = closeCall(c, this.#d);
    return closing === undefined ? NONE : closing.then(() => NONE);
  }

  /** What was answered could not be made durable: HAProxy answers 503 instead (`verdict` on the response), as the gateway fails such a call. */
  async #answerFailed(c: GatewayCall, err: unknown): Promise<readonly SpopAction[]> {
    this.stats.failedAnswers++;
    this.#d.logger.error({ err, agent: c.agent }, 'an answer could not be recorded before its release');
    const closing = closeCall(c, this.#d);
    if (closing !== undefined) await closing;
    return [txn('verdict', 503)];
  }

  // ---- a call HAProxy answered from its verdict map: hold, settle and audit on the response alone ----

  #charge(m: SpopMessage): readonly SpopAction[] | Promise<readonly SpopAction[]> {
    this.stats.charges++;
    const started = performance.now();
    const path = agentPath(text(arg(m, 'path')) ?? '');
    if (path === undefined) return NONE;
    const found = this.#d.identity.authenticateNow({ headers: { authorization: text(arg(m, 'auth')) } });
    if (found instanceof Promise) return found.then((p) => this.#chargeFor(m, path, p, started), () => NONE);
    return this.#chargeFor(m, path, found, started);
  }

  #chargeFor(m: SpopMessage, agent: string, principal: Principal | undefined, started: number): readonly SpopAction[] | Promise<readonly SpopAction[]> {
    const d = this.#d;
    const route = d.router.agent(agent);
    if (principal === undefined || route === undefined) return NONE;
    const ip = arg(m, 'ip');
    const audit: AuditEntry = { eventType: 'a2a.call', actor: { kind: principal.kind, id: principal.clientId }, targetAgent: agent, tenant: principal.tenant, user: principal.subject, method: text(arg(m, 'rpc')) ?? 'POST', outcome: 'ok', ...(ip !== undefined && ip !== null && { ip: String(ip) }) };
    const status = Number(arg(m, 'status') ?? 0);
    const tap = new AnswerTap(false);
    const body = bytes(arg(m, 'body'));
    if (body !== undefined) tap.onChunk(body);
    tap.finish();
    const failed = status >= 400 || tap.error !== undefined;
    if (failed) {
      this.stats.failedAnswers++;
      audit.outcome = 'error';
    }
    // Priced without the message (HAProxy keeps only its id): the agent's only skill, or its dearest.
    const terms = callTerms(route.record, undefined);
    const messageId = text(arg(m, 'msg'));
    audit.skill = terms.skill;
    audit.durationMs = performance.now() - started;
    if (terms.milliCredits <= 0 || messageId === undefined) {
      d.audit.append(audit);
      return NONE;
    }
    const key = `${agent}:${principal.tenant}:${messageId}`;
    return d.credits
      .reserve({ tenant: principal.tenant, key, milliCredits: terms.milliCredits, agent, skill: terms.skill ?? '*', clientId: principal.clientId })
      .then(() => this.#settleCharged(agent, principal.tenant, key, terms.milliCredits, tap, failed, audit))
      .then(
        () => NONE,
        // Short of credit after the fact: the call ran; the shortfall is audited (why ADR 0059 rejected this design).
        (err: unknown) => {
          audit.errorCode = normalizeError(err).code;
          d.audit.append(audit);
          return NONE;
        },
      );
  }

  /** What settleOrTrack does for an answer that ends its task: the hold moved to the task's key, then settled or refunded. */
  async #settleCharged(agent: string, tenant: string, key: string, estimate: number, tap: AnswerTap, failed: boolean, audit: AuditEntry): Promise<void> {
    const credits = this.#d.credits;
    try {
      let at = key;
      if (tap.taskId !== undefined) {
        audit.taskId = tap.taskId;
        const chargeKey = taskChargeKey(agent, tenant, tap.taskId);
        try {
          await credits.rekey(key, chargeKey);
          at = chargeKey;
        } catch {
          // Taken (a retry of a charged task) or gone: settled where it is.
        }
      }
      const end = failed || tap.taskId === undefined ? ({ kind: 'refund', reason: 'the agent started no task' } as const) : taskEnd(tap.task);
      const detail = (audit.detail ??= {});
      detail['reservedMilliCredits'] = estimate;
      if (end.kind === 'charge') {
        audit.milliCredits = (await credits.settle(at, end.milliCredits ?? estimate, { state: 'completed' })).chargedMilliCredits;
        detail['settled'] = true;
      } else if (end.kind === 'refund') {
        audit.milliCredits = (await credits.refund(at, end.reason)).chargedMilliCredits;
        detail['settled'] = true;
      } else {
        // Still running: left held (its expiry refunds it); the per-call path tracks it as the gateway does.
        detail['settled'] = false;
      }
    } finally {
      this.#d.audit.append(audit);
    }
  }

  /** Calls whose response never came: refunded, audited as abandoned, closed (their slot released). */
  #sweep(): void {
    const before = performance.now() - this.#abandonAfterMs;
    const d = this.#d;
    for (const [id, open] of this.#open) {
      if (open.relayedAt > before) continue;
      this.#open.delete(id);
      this.stats.abandoned++;
      const c = open.c;
      const key = c.reservationKey;
      c.reservationKey = undefined;
      if (key !== undefined) void d.credits.refund(key, 'no answer reached the policy agent').catch(() => undefined);
      c.audit.outcome = 'error';
      c.audit.detail = { ...c.audit.detail, abandoned: true };
      void closeCall(c, d);
    }
    this.stats.open = this.#open.size;
  }
}

/** Whether a PII policy that applies to the call may redact (the gateway rewrites such a message before it forwards it). */
function redacts(c: GatewayCall, d: ProxyDeps): boolean {
  if (d.pii === undefined || c.call.message === undefined) return false;
  const { resolved } = d.pii.policies.forCall(c.principal!.tenant, c.route!.record.metadata.pii);
  if (resolved === undefined) return false;
  for (const action of resolved.actions.values()) if (action === 'redact') return true;
  return false;
}

/** `/agents/{name}/…` → the agent's name, as the gateway reads its path (the verdict map's calls). */
function agentPath(path: string): string | undefined {
  if (!path.startsWith('/agents/')) return undefined;
  const after = path.indexOf('/', '/agents/'.length);
  const raw = after < 0 ? path.slice('/agents/'.length) : path.slice('/agents/'.length, after);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
