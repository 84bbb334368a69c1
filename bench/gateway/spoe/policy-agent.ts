/**
 * agentmesh's per-call policy as an SPOE agent (the prototype of "HAProxy
 * relays, agentmesh decides", ADR 0054's structural design): HAProxy sends
 * each request's Authorization header, method, path, A2A-Version,
 * Content-Type, body and client address (message `am-request`); the agent
 * decides with the gateway's own parts — the identity's `authenticateNow`
 * (its verified-token cache honours `exp` and revocations), the operation's
 * classification and price (`readA2aRequest`, `callTerms`), tenant and
 * scope checks as `authorizeStep` makes them, in-process quota windows
 * (`Quotas.admitInProcess`), the concurrency gate, a credit hold in the
 * gateway's leased holds, and the tenant assertion from an `AssertionCache`
 * over the gateway's signing keys — and answers with variables HAProxy acts
 * on: `verdict` (0, or the status to return), `assertion`, `call`, and for a
 * refusal `body` (in the caller's binding) and `challenge`.
 *
 * On the response (message `am-answer`: the call id, the status, the
 * answer's body) it releases the concurrency slot, reads the answer as the
 * gateway's tap does (task id, state, a JSON-RPC error), moves the hold to
 * the task's key and settles or refunds it, and queues the call's audit
 * entry: the same ledger batches and audit batches as the gateway's calls.
 *
 * With `cacheVerdicts`, HAProxy keeps the agent's verdict per token, agent
 * path and JSON-RPC method in a map (`cache`: "renewAt clientId rpm
 * assertion") and asks again only when it is stale: a call it answers from
 * the map sends one message, on the response (`am-charge`), which holds and
 * settles the call's credits at once and queues its audit entry.
 *
 * Not done here (docs/benchmarks.md, "HAProxy relaying with agentmesh's
 * policy as an SPOE agent"): API keys and delegation headers, body
 * validation against the skill's schema, PII policies, approval gates,
 * tracking a task that is still running when its answer ends, streams, the
 * answer journal (the ACK does not wait for a journal write), retry-only
 * calls, metrics.
 */
import type { Gateway } from '../../../src/gateway/index.js';
import { hashInput, type AuditEntry } from '../../../src/audit/index.js';
import { AssertionCache } from '../../../src/gateway/assertion-cache.js';
import { callTerms } from '../../../src/gateway/call-pricing.js';
import type { ClientView, Principal } from '../../../src/gateway/identity/index.js';
import { isHttpLayerError, readA2aRequest, type A2aRequestReading, type ClassifiedRequest } from '../../../src/gateway/policy/a2a-operation.js';
import { Quotas } from '../../../src/gateway/policy/quotas.js';
import { ConcurrencyGate } from '../../../src/gateway/proxy/concurrency-gate.js';
import { agentNotFound } from '../../../src/gateway/proxy/refusals.js';
import { taskChargeKey } from '../../../src/gateway/settle-or-track.js';
import { taskEnd } from '../../../src/gateway/settlement.js';
import { AnswerTap } from '../../../src/gateway/stream-task-tap.js';
import { Errors, answeredErrorCode, normalizeError, type AgentmeshError } from '../../../src/protocol/index.js';
import type { SpopValue } from './spop-data.js';
import type { SpopAction, SpopMessage } from './spop-frame.js';
import { errorAnswer } from './error-answer.js';

/** What the agent uses of a gateway: its public parts. */
export type PolicyGateway = Pick<Gateway, 'identity' | 'credits' | 'audit' | 'router' | 'config'>;

export interface PolicyAgentOptions {
  /** Answer each allowed request with a `cache` variable HAProxy keeps in its verdict map. */
  cacheVerdicts?: boolean;
  /** A call whose response never came (the client left, HAProxy answered itself) is refunded after this long. Default 60 s. */
  abandonAfterMs?: number;
}

/** One call between its request and its response. */
interface OpenCall {
  started: number;
  agent: string;
  tenant: string;
  subject: string;
  streaming: boolean;
  jsonRpc: boolean;
  key: string | undefined;
  estimate: number;
  release: (() => void) | undefined;
  audit: AuditEntry;
}

/** What a request's checks carry from step to step. */
interface Check {
  requestId: string;
  agent: string;
  reading: A2aRequestReading;
  audit: AuditEntry;
  principal?: Principal;
  call?: ClassifiedRequest;
  release?: () => void;
  key?: string;
  estimate: number;
  rpm: number;
}

export interface PolicyAgentStats {
  requests: number;
  allowed: number;
  refused: number;
  answers: number;
  charges: number;
  abandoned: number;
  open: number;
  /** Answers that were errors: a status of 400 or more, or a JSON-RPC error (which comes with HTTP 200). */
  failedAnswers: number;
}

const NONE: readonly SpopAction[] = Object.freeze([]);

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

/** `/agents/{name}/rest` → the agent and the rest (still percent-encoded), as the gateway reads its path. */
function agentPath(path: string): { agent: string; rawPath: string } | undefined {
  if (!path.startsWith('/agents/')) return undefined;
  const after = path.indexOf('/', '/agents/'.length);
  const raw = after < 0 ? path.slice('/agents/'.length) : path.slice('/agents/'.length, after);
  let agent = raw;
  try {
    agent = decodeURIComponent(raw);
  } catch {
    // kept raw: no agent has such a name
  }
  return { agent, rawPath: after < 0 ? '/' : path.slice(after) };
}

export class PolicyAgent {
  readonly stats: PolicyAgentStats = { requests: 0, allowed: 0, refused: 0, answers: 0, charges: 0, abandoned: 0, open: 0, failedAnswers: 0 };
  readonly #gw: PolicyGateway;
  readonly #cacheVerdicts: boolean;
  readonly #quotas = new Quotas();
  readonly #gate: ConcurrencyGate;
  readonly #assertions: AssertionCache;
  readonly #open = new Map<string, OpenCall>();
  readonly #sweeper: NodeJS.Timeout;
  readonly #abandonAfterMs: number;
  #seq = 0;

  constructor(gateway: PolicyGateway, options: PolicyAgentOptions = {}) {
    this.#gw = gateway;
    this.#cacheVerdicts = options.cacheVerdicts === true;
    this.#abandonAfterMs = options.abandonAfterMs ?? 60_000;
    this.#gate = new ConcurrencyGate({ perTenantLimit: gateway.config.tenantConcurrencyPerAgent });
    this.#assertions = new AssertionCache(gateway.identity, gateway.config.assertionTtlSeconds);
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

  // ---- request: authenticate, authorize, quota, concurrency, hold, assertion ----

  #request(m: SpopMessage): readonly SpopAction[] | Promise<readonly SpopAction[]> {
    this.stats.requests++;
    const requestId = `spoe-${++this.#seq}`;
    const method = text(arg(m, 'method')) ?? 'GET';
    const path = agentPath(text(arg(m, 'path')) ?? '');
    if (path === undefined) return this.#refused({ requestId, agent: '', reading: readA2aRequest(method, '/', undefined, undefined).reading, audit: { eventType: 'a2a.call', actor: { kind: 'anonymous' }, outcome: 'ok' }, estimate: 0, rpm: 0 }, agentNotFound(''));
    const { reading } = readA2aRequest(method, path.rawPath, bytes(arg(m, 'body')), text(arg(m, 'version')), undefined, text(arg(m, 'ctype')));
    const ip = arg(m, 'ip');
    const audit: AuditEntry = { eventType: 'a2a.call', actor: { kind: 'anonymous' }, targetAgent: path.agent, method: reading.operation ?? `${method} ${path.rawPath.slice(0, 128)}`, outcome: 'ok', ...(ip !== undefined && ip !== null && { ip: String(ip) }) };
    const c: Check = { requestId, agent: path.agent, reading, audit, estimate: 0, rpm: 0 };
    try {
      if (reading.refusal !== undefined && reading.beforeAuth) throw reading.refusal;
      const route = this.#gw.router.agent(c.agent);
      if (!route && !this.#gw.router.ready()) throw Errors.directoryNotLoaded({});
      if (!route || route.record.status === 'disabled') throw agentNotFound(c.agent);
      // The public card needs no credential; the runtime's own card is relayed (the gateway rewrites its URLs: not done here).
      if (reading.operation === 'GetAgentCard') return [txn('verdict', 0)];
      const found = this.#gw.identity.authenticateNow({ headers: { authorization: text(arg(m, 'auth')) } });
      if (found instanceof Promise) return found.then((p) => this.#authenticated(c, p)).catch((err: unknown) => this.#refused(c, err));
      return this.#authenticated(c, found);
    } catch (err) {
      return this.#refused(c, err);
    }
  }

  #authenticated(c: Check, principal: Principal | undefined): readonly SpopAction[] | Promise<readonly SpopAction[]> {
    if (principal === undefined) {
      c.audit.eventType = 'auth.denied';
      throw Errors.agentNeedsCredential({}, { details: { reason: 'missing' } });
    }
    c.principal = principal;
    c.audit.actor = { kind: principal.kind, id: principal.clientId };
    c.audit.tenant = principal.tenant;
    c.audit.user = principal.subject;
    if (c.reading.refusal !== undefined) throw c.reading.refusal;
    c.call = c.reading;
    const route = this.#gw.router.agent(c.agent)!;
    const terms = this.#authorize(c, principal, route.record);
    const client = this.#gw.identity.clientNow(principal.clientId);
    if (client instanceof Promise) return client.then((view) => this.#admit(c, principal, route.record, terms, view)).catch((err: unknown) => this.#refused(c, err));
    return this.#admit(c, principal, route.record, terms, client);
  }

  /** Tenant and scopes, as authorizeStep checks them; the call's price on the way. */
  #authorize(c: Check, principal: Principal, record: RouteRecord): ReturnType<typeof callTerms> | undefined {
    const call = c.call!;
    const tenants = record.metadata.tenants ?? [];
    if (tenants.length > 0 && !tenants.includes(principal.tenant)) {
      c.audit.eventType = 'tenant.mismatch';
      throw agentNotFound(c.agent);
    }
    const terms = call.operation === 'SendMessage' || call.operation === 'SendStreamingMessage' ? callTerms(record, call.message) : undefined;
    const missing: string[] = [];
    for (const scope of [call.scope, ...(record.metadata.requiredScopes ?? []), ...(terms?.scopes ?? [])]) {
      if (scope !== undefined && !principal.scopes.includes(scope) && !missing.includes(scope)) missing.push(scope);
    }
    if (missing.length > 0) {
      c.audit.eventType = 'scope.denied';
      const values = { operation: call.operation, agent: c.agent, scope: missing.join(' ') };
      throw missing.length > 1 ? Errors.operationNeedsScopes(values) : Errors.operationNeedsScope(values);
    }
    c.audit.skill = terms?.skill;
    if (call.taskId !== undefined) c.audit.taskId = call.taskId;
    if (call.message) c.audit.inputHash = hashInput(call.message);
    return terms;
  }

  async #admit(c: Check, principal: Principal, record: RouteRecord, terms: ReturnType<typeof callTerms> | undefined, client: ClientView | undefined): Promise<readonly SpopAction[]> {
    try {
      const config = this.#gw.config;
      const rate = client?.rateLimit ?? record.metadata.rateLimit;
      c.rpm = rate?.requestsPerMinute ?? config.defaultRequestsPerMinute;
      try {
        this.#quotas.admitInProcess([
          { key: `client:${principal.clientId}:agent:${c.agent}`, rpm: c.rpm, burst: rate?.burst ?? config.defaultBurst },
          { key: `tenant:${principal.tenant}`, rpm: config.tenantRequestsPerMinute, burst: 0 },
        ]);
      } catch (err) {
        c.audit.eventType = 'quota.exceeded';
        throw err;
      }
      const admitted = this.#gate.admit(c.agent, principal.tenant, terms ? record.metadata.maxConcurrentTasks : undefined);
      if (typeof admitted !== 'function') {
        c.audit.eventType = 'concurrency.limited';
        throw admitted.kind === 'agent' ? Errors.agentConcurrencyFull({ agent: c.agent, limit: admitted.limit }) : Errors.tenantConcurrencyShareFull({ tenant: principal.tenant, tenantShare: admitted.share, agent: c.agent, limit: admitted.limit });
      }
      c.release = admitted;
      const message = c.call!.message;
      const messageId = typeof message?.['messageId'] === 'string' ? message['messageId'] : undefined;
      if (terms && terms.milliCredits > 0 && messageId !== undefined && message?.['taskId'] === undefined) {
        const input = { tenant: principal.tenant, key: `${c.agent}:${principal.tenant}:${messageId}`, milliCredits: terms.milliCredits, agent: c.agent, skill: terms.skill ?? '*', clientId: principal.clientId };
        try {
          // A repeated messageId holds under a key of its own attempt, as reserveStep does (its retry-only path is not built here).
          if ((await this.#gw.credits.reserve(input)).replayed) {
            input.key = `${input.key}#${c.requestId}`;
            await this.#gw.credits.reserve(input);
          }
        } catch (err) {
          c.audit.eventType = 'credits.insufficient';
          throw err;
        }
        c.key = input.key;
        c.estimate = terms.milliCredits;
        c.audit.milliCredits = terms.milliCredits;
      }
      const assertion = await this.#assertions.get(principal, c.agent);
      return this.#allowed(c, principal, assertion);
    } catch (err) {
      return this.#refused(c, err);
    }
  }

  #allowed(c: Check, principal: Principal, assertion: string): readonly SpopAction[] {
    this.stats.allowed++;
    const id = c.requestId;
    const call = c.call!;
    this.#open.set(id, { started: performance.now(), agent: c.agent, tenant: principal.tenant, subject: principal.subject, streaming: call.streaming, jsonRpc: call.binding === 'JSONRPC', key: c.key, estimate: c.estimate, release: c.release, audit: c.audit });
    this.stats.open = this.#open.size;
    const actions = [txn('verdict', 0), txn('assertion', assertion), txn('call', id)];
    if (this.#cacheVerdicts) {
      // Fresh for half the assertion's life, as the gateway's assertion cache reuses it; never past the token's expiry.
      const renewAt = Math.min(Math.floor(Date.now() / 1000) + Math.floor(this.#gw.config.assertionTtlSeconds / 2), principal.expiresAt ?? Number.MAX_SAFE_INTEGER);
      actions.push(txn('cache', `${renewAt} ${principal.clientId} ${c.rpm} ${assertion}`));
    }
    return actions;
  }

  #refused(c: Check, err: unknown): readonly SpopAction[] {
    this.stats.refused++;
    c.release?.();
    if (c.key !== undefined) void this.#gw.credits.refund(c.key, 'the call did not reach the agent').catch(() => undefined);
    const error: AgentmeshError = normalizeError(err, c.requestId);
    if (error.code === 'AM_ERR_AUTH_UNAUTHENTICATED' && c.audit.eventType === 'a2a.call') c.audit.eventType = 'auth.denied';
    c.audit.outcome = c.audit.eventType === 'a2a.call' ? 'error' : 'denied';
    c.audit.errorCode = error.code;
    this.#gw.audit.append(c.audit);
    const reading = c.reading;
    const inBand = reading.refusal === error && !isHttpLayerError(error);
    const answer = errorAnswer(error, reading.binding, reading.jsonRpcId, c.requestId, inBand);
    const actions = [txn('verdict', answer.status), txn('body', answer.body)];
    if (answer.challenge !== undefined) actions.push(txn('challenge', answer.challenge));
    return actions;
  }

  // ---- response: release, settle, audit ----

  #answer(m: SpopMessage): readonly SpopAction[] | Promise<readonly SpopAction[]> {
    this.stats.answers++;
    const id = text(arg(m, 'call'));
    const open = id === undefined ? undefined : this.#open.get(id);
    if (open === undefined) return NONE;
    this.#open.delete(id!);
    this.stats.open = this.#open.size;
    open.release?.();
    const status = Number(arg(m, 'status') ?? 0);
    const tap = new AnswerTap(open.streaming);
    const body = bytes(arg(m, 'body'));
    if (body !== undefined) tap.onChunk(body);
    tap.finish();
    const failed = status >= 400 || (open.jsonRpc && tap.error !== undefined);
    const audit = open.audit;
    if (failed) {
      this.stats.failedAnswers++;
      audit.outcome = 'error';
      const code = answeredErrorCode(tap.error);
      if (code !== undefined) audit.errorCode = code;
    }
    audit.durationMs = performance.now() - open.started;
    if (open.key === undefined) {
      this.#gw.audit.append(audit);
      return NONE;
    }
    return this.#settle(open, open.key, tap, failed).then(() => NONE);
  }

  /** What settleOrTrack does for an answer that ends its task: the hold moved to the task's key, then settled or refunded. */
  async #settle(open: OpenCall, key: string, tap: AnswerTap, failed: boolean): Promise<void> {
    const credits = this.#gw.credits;
    const audit = open.audit;
    try {
      let at = key;
      if (tap.taskId !== undefined) {
        audit.taskId = tap.taskId;
        const chargeKey = taskChargeKey(open.agent, open.tenant, tap.taskId);
        try {
          await credits.rekey(key, chargeKey);
          at = chargeKey;
        } catch {
          // Taken (a retry of a charged task) or gone: settled where it is.
        }
      }
      const end = failed || tap.taskId === undefined ? ({ kind: 'refund', reason: 'the agent started no task' } as const) : taskEnd(tap.task);
      const detail = (audit.detail ??= {});
      detail['reservedMilliCredits'] = open.estimate;
      if (end.kind === 'charge') {
        audit.milliCredits = (await credits.settle(at, end.milliCredits ?? open.estimate, { state: 'completed' })).chargedMilliCredits;
        detail['settled'] = true;
      } else if (end.kind === 'refund') {
        audit.milliCredits = (await credits.refund(at, end.reason)).chargedMilliCredits;
        detail['settled'] = true;
      } else {
        // Still running: the gateway pins the hold and tracks the task until it ends; this prototype leaves it held (its expiry refunds it).
        detail['settled'] = false;
      }
    } finally {
      this.#gw.audit.append(audit);
    }
  }

  // ---- a call HAProxy answered from its verdict map: hold, settle and audit on the response alone ----

  #charge(m: SpopMessage): readonly SpopAction[] | Promise<readonly SpopAction[]> {
    this.stats.charges++;
    const started = performance.now();
    const path = agentPath(text(arg(m, 'path')) ?? '');
    if (path === undefined) return NONE;
    const found = this.#gw.identity.authenticateNow({ headers: { authorization: text(arg(m, 'auth')) } });
    if (found instanceof Promise) return found.then((p) => this.#chargeFor(m, path.agent, p, started), () => NONE);
    return this.#chargeFor(m, path.agent, found, started);
  }

  #chargeFor(m: SpopMessage, agent: string, principal: Principal | undefined, started: number): readonly SpopAction[] | Promise<readonly SpopAction[]> {
    const route = this.#gw.router.agent(agent);
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
      this.#gw.audit.append(audit);
      return NONE;
    }
    const key = `${agent}:${principal.tenant}:${messageId}`;
    const open: OpenCall = { started, agent, tenant: principal.tenant, subject: principal.subject, streaming: false, jsonRpc: true, key, estimate: terms.milliCredits, release: undefined, audit };
    return this.#gw.credits
      .reserve({ tenant: principal.tenant, key, milliCredits: terms.milliCredits, agent, skill: terms.skill ?? '*', clientId: principal.clientId })
      .then(() => this.#settle(open, key, tap, failed))
      .then(
        () => NONE,
        // Short of credit after the fact: the call ran; the shortfall is audited (a production design must hold before it runs).
        (err: unknown) => {
          audit.errorCode = normalizeError(err).code;
          this.#gw.audit.append(audit);
          return NONE;
        },
      );
  }

  /** Calls whose response never came: their slot released, their hold refunded, their entry audited as abandoned. */
  #sweep(): void {
    const before = performance.now() - this.#abandonAfterMs;
    for (const [id, open] of this.#open) {
      if (open.started > before) continue;
      this.#open.delete(id);
      this.stats.abandoned++;
      open.release?.();
      if (open.key !== undefined) void this.#gw.credits.refund(open.key, 'no answer reached the policy agent').catch(() => undefined);
      open.audit.outcome = 'error';
      open.audit.detail = { ...open.audit.detail, abandoned: true };
      this.#gw.audit.append(open.audit);
    }
    this.stats.open = this.#open.size;
  }
}

type RouteRecord = NonNullable<ReturnType<PolicyGateway['router']['agent']>>['record'];
