import type { AuditEntry, AuditLog } from '../../audit/index.js';
import type { Logger } from '../../observability/index.js';
import { deliberateFault, followChanges, type Bus } from '../../storage/index.js';
import { ErrorCodes, Errors, answeredErrorCode, type ErrorCode } from '../../protocol/index.js';
import { randomUUID } from 'node:crypto';
import { uuidv7 } from '../../storage/index.js';
import type { CreditHolds } from '../credits/index.js';
import { delegationChain, type Principal } from '../identity/index.js';
import type { SettlementTracker } from '../settlement-tracker.js';
import { settleOrTrack } from '../settle-or-track.js';
import { answeredError } from '../answered-error.js';
import type { ConditionFacts } from './approval-condition.js';
import { forwardParked, type ParkedForwardOptions } from './approval-forward.js';
import { ApprovalMatcher } from './approval-matcher.js';
import { isRetryOfParked, parkedMessage } from './repeated-message.js';
import { reasonOf, type ApprovalRule } from './approval-rule.js';
import type { ApprovalQuery, ApprovalRecord, ApprovalStore, ParkedRequest } from './approval-store.js';
import { APPROVAL_METADATA_KEY, GATE_TASK_PREFIX } from './gate-task.js';
import { APPROVAL_EXTENSION_URI, type GatewayExtension } from '../routing/index.js';

/** Options of {@link ApprovalGate}. */
export interface ApprovalGateOptions extends ParkedForwardOptions {
  store: ApprovalStore;
  /** Rules from the configuration: in force first, never stored. */
  configRules: readonly ApprovalRule[];
  credits: CreditHolds;
  tracker: SettlementTracker;
  audit: AuditLog;
  logger: Logger;
  /** How often expiries, stored rules and unfinished forwards are looked at, ms. */
  sweepIntervalMs: number;
  /**
   * The bus the replicas share: a rule written on one replica is announced
   * on it, and every other replica reads the stored rules again at once
   * (the sweep re-reads them anyway, for an announcement missed).
   */
  bus?: Pick<Bus, 'publish' | 'subscribe'>;
  /**
   * Whether a policy in force may hold a call to `agent` for approval
   * (`permit_when_approved`, docs/policies.md): such an agent's card declares
   * the approvals extension as one a rule may gate does.
   */
  heldByPolicy?: (agent: string) => boolean;
  now?: () => number;
}

/** A call the proxy asks to park. */
export interface ParkInput {
  rule: ApprovalRule;
  principal: Principal;
  agent: string;
  skill: string;
  request: ParkedRequest;
  messageId: string;
  contextId: string | undefined;
  milliCredits: number;
}

/** Who decides, and why. */
export interface Approver {
  principal: Pick<Principal, 'subject' | 'tenant' | 'scopes' | 'clientId' | 'kind'>;
  /** May decide for every tenant (`gateway:admin`). */
  admin: boolean;
  reason?: string;
}

/** The topic a replica announces a rule written or deleted on (the message carries nothing: the rules are read from the store). */
export const APPROVAL_RULES_TOPIC = 'agentmesh.gateway.approval-rules';

/** An approved call stays `forwarding` this long before another sweep may send it again, ms: past any forward's deadline. */
const STRANDED_AFTER_MARGIN_MS = 30_000;
/**
 * What an agent answers when it could not take a call at all (its store unreachable for a moment, the
 * replica shutting down): an approved call so answered is sent again, not used up. The runtime
 * answers a message it already started with that task, so a send again never runs it twice.
 */
const NOT_TAKEN: ReadonlySet<ErrorCode | undefined> = new Set([ErrorCodes.STORAGE_UNAVAILABLE, ErrorCodes.HTTP_UNAVAILABLE]);
const UNAVAILABLE_STATUSES = new Set([502, 503, 504]);
/** Sweeps that try again to release a decided call's hold before leaving it to the ledger's hold expiry. */
const RELEASE_ATTEMPTS = 60;

/** A build broken on purpose for the nemesis tests (src/storage/deliberate-faults.ts): denied calls are sent all the same. */
const DENIED_CALL_SENT = deliberateFault('denied-call-sent');

/**
 * Approval gates (docs/approvals.md, ADR 0037): matches calls against the
 * rules, parks the ones that match with their credits held, and carries out
 * decisions. Approval sends the original call and settles it as the proxy
 * would have (charged then, not before); denial and expiry refund the hold.
 * Every state change is one conditional update of the store, so a decision
 * is made once whoever races for it, and every decision is audited (who,
 * when, why, the caller's delegation chain).
 */
export class ApprovalGate {
  readonly #o: ApprovalGateOptions;
  readonly #now: () => number;
  #matcher: ApprovalMatcher;
  #stored: ApprovalRule[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** Approved calls this replica is sending now: a sweep does not send them again. */
  readonly #inFlight = new Set<string>();
  /**
   * Approved calls whose send failed here (the agent unreachable, the store
   * down for a moment): nothing of them is in flight anywhere, so this
   * replica's next sweep sends them again without waiting out the margin
   * kept for a send another replica may still be making.
   */
  readonly #sendAgain = new Set<string>();
  /**
   * Calls denied, expired or canceled here whose hold could not be released
   * (the ledger down for a moment): the next sweep releases them, so a call
   * that never ran is never left charged. A refund is idempotent.
   */
  readonly #releaseAgain = new Map<string, { record: ApprovalRecord; reason: string; attempts: number }>();
  #sweeping: Promise<void> | undefined;
  /** Reloads run one after another, so the last read of the store is the one in force. */
  #reloading: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void) | undefined;
  #following = false;

  constructor(options: ApprovalGateOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#matcher = new ApprovalMatcher(options.configRules);
  }

  /** Whether any rule is in force: with none, the proxy's step costs one comparison. */
  get active(): boolean {
    return this.#matcher.size > 0;
  }

  /** The rule gating a call with these facts. */
  match(facts: ConditionFacts): ApprovalRule | undefined {
    return this.#matcher.match(facts);
  }

  /**
   * The extensions the gateway declares on `agent`'s served card: the
   * approvals extension (ADR 0037) when a rule in force may gate its calls
   * (one naming it, or naming no agent) or a `permit_when_approved` policy
   * may hold them, so a client knows a call may come back as a gated task. Not required: a client that ignores it still reads
   * a spec-conformant task in `AUTH_REQUIRED` with a readable reason.
   */
  cardExtensions(agent: string): GatewayExtension[] {
    const gated = this.rules().some((r) => r.agent === undefined || r.agent === agent) || this.#o.heldByPolicy?.(agent) === true;
    if (!gated) return [];
    return [{
      uri: APPROVAL_EXTENSION_URI,
      description: `Some calls to this agent wait for a person's approval at the gateway: such a call is answered with a task in AUTH_REQUIRED whose status message gives the reason and whose metadata["${APPROVAL_METADATA_KEY}"] says who may decide and when it expires; it ends REJECTED if denied or expired, and the caller may cancel it while it waits (CancelTask on its id).`,
      required: false,
    }];
  }

  /** Every rule in force: the configuration's, then the stored ones. */
  rules(): ApprovalRule[] {
    return [...this.#o.configRules, ...this.#stored];
  }

  /** Reads the stored rules again; concurrent calls run in turn, so an older read never replaces a newer one. */
  reloadRules(): Promise<void> {
    const run = this.#reloading.then(async () => {
      this.#stored = await this.#o.store.rules();
      this.#matcher = new ApprovalMatcher(this.rules());
    });
    this.#reloading = run.catch(() => undefined);
    return run;
  }

  async putRule(rule: ApprovalRule, by: string): Promise<void> {
    if (this.#o.configRules.some((r) => r.id === rule.id)) throw Errors.approvalRuleFromConfig({ id: rule.id });
    await this.#o.store.putRule(rule, by);
    await this.reloadRules();
    await this.#announce();
  }

  async deleteRule(id: string): Promise<void> {
    if (this.#o.configRules.some((r) => r.id === id)) throw Errors.approvalRuleFromConfig({ id });
    if (!(await this.#o.store.deleteRule(id))) throw Errors.approvalRuleNotFound({ quotedId: JSON.stringify(id) });
    await this.reloadRules();
    await this.#announce();
  }

  /** Tells the other replicas the stored rules changed; a lost announcement costs them one sweep interval, never a rule. */
  async #announce(): Promise<void> {
    await this.#o.bus?.publish(APPROVAL_RULES_TOPIC, { at: this.#now() }).catch((err: unknown) => this.#o.logger.warn({ err }, 'a rule change could not be announced; other replicas read it at their next sweep'));
  }

  /**
   * Parks a call: holds its estimate (pinned to a reservation of its own, so
   * it outlives this replica), then stores it. A retry of the same message
   * (same tenant, agent and message id) finds the call already parked and
   * answers it again. Throws AM_ERR_TENANCY_INSUFFICIENT_CREDITS when the
   * balance cannot hold the estimate: a call that could not be paid for is
   * not put before an approver.
   */
  async park(p: ParkInput): Promise<ApprovalRecord> {
    const tenant = p.principal.tenant;
    const existing = await this.#o.store.byMessage(tenant, p.agent, p.messageId);
    if (existing !== undefined && isRetryOfParked(existing, p.request, p.contextId)) return existing;
    // Another message under a reused messageId (or the same one after its call was canceled): a call of its own.
    const repeat = existing === undefined ? undefined : uuidv7();
    let key = p.milliCredits > 0 ? `${p.agent}:${tenant}:${p.messageId}` : '';
    if (key !== '') {
      const input = { tenant, key, milliCredits: p.milliCredits, agent: p.agent, skill: p.skill === '' ? '*' : p.skill, clientId: p.principal.clientId };
      // The messageId's key is held or settled by an earlier call (ADR 0046): this one holds under a key of its own.
      if ((await this.#o.credits.reserve(input)).replayed) {
        key = `${key}#${randomUUID()}`;
        await this.#o.credits.reserve({ ...input, key });
      }
      await this.#o.credits.pin(key);
    }
    const now = this.#now();
    const record: ApprovalRecord = {
      id: `${GATE_TASK_PREFIX}${uuidv7()}`,
      tenant,
      agent: p.agent,
      skill: p.skill,
      ruleId: p.rule.id,
      reason: reasonOf(p.rule),
      approverScope: p.rule.approverScope,
      state: 'pending',
      principal: p.principal,
      request: p.request,
      messageId: p.messageId,
      contextId: p.contextId ?? uuidv7(),
      milliCredits: p.milliCredits,
      reservationKey: key,
      createdAt: now,
      expiresAt: now + p.rule.expiresAfterMs,
    };
    const inserted = await this.#o.store.insert(record, repeat);
    if (inserted) return record;
    // Two replicas parked the same retried message at once: the first row stands with its hold; a hold of this attempt's own goes back.
    const first = await this.#o.store.byMessage(tenant, p.agent, p.messageId);
    if (first !== undefined && key !== '' && first.reservationKey !== key) await this.#release(record, 'a retry of a call parked at the same time');
    return first ?? record;
  }

  /** Parked calls, newest first. */
  list(q: ApprovalQuery): Promise<ApprovalRecord[]> {
    return this.#o.store.list(q);
  }

  /** A parked call of `tenant` (undefined for another tenant's: not found, as a task is). */
  async get(id: string, tenant?: string): Promise<ApprovalRecord | undefined> {
    if (!id.startsWith(GATE_TASK_PREFIX) || id.length > 100) return undefined;
    const a = await this.#o.store.get(id);
    return a === undefined || (tenant !== undefined && a.tenant !== tenant) ? undefined : a;
  }

  /** Approves a pending call, then sends it; resolves once the agent answered (or sending failed and will be retried). */
  async approve(id: string, approver: Approver): Promise<ApprovalRecord> {
    const a = await this.#decidable(id, approver);
    const decision = { by: approver.principal.subject, at: this.#now(), ...(approver.reason !== undefined && { reason: approver.reason }) };
    if (!(await this.#o.store.transition(id, 'pending', 'forwarding', decision))) throw await this.#lost(id);
    this.#audit('approval.approved', a, approver, decision.reason);
    await this.#send({ ...a, state: 'forwarding', decidedBy: decision.by, decidedAt: decision.at, ...(decision.reason !== undefined && { decisionReason: decision.reason }) });
    return (await this.#o.store.get(id))!;
  }

  /** Denies a pending call: it ends REJECTED, its hold refunded. */
  async deny(id: string, approver: Approver): Promise<ApprovalRecord> {
    const a = await this.#decidable(id, approver);
    const decision = { by: approver.principal.subject, at: this.#now(), ...(approver.reason !== undefined && { reason: approver.reason }) };
    if (!(await this.#o.store.transition(id, 'pending', 'denied', decision))) throw await this.#lost(id);
    await this.#releaseOrRetry(a, `denied by ${decision.by}`);
    this.#audit('approval.denied', a, approver, decision.reason);
    if (DENIED_CALL_SENT) await this.#send(a);
    return (await this.#o.store.get(id))!;
  }

  /**
   * The caller cancels its parked call (A2A CancelTask on the gated task's
   * id): a pending call ends `canceled` (its task CANCELED), its hold
   * refunded, audited, and out of the approvers' inbox; approving it
   * afterwards is refused as decided. Answers the record as it is now:
   * `canceled`, or the state that won the race (the caller is told the task
   * can no longer be canceled), or undefined for a call of another tenant.
   */
  async cancel(id: string, caller: Principal): Promise<ApprovalRecord | undefined> {
    const a = await this.get(id, caller.tenant);
    if (a === undefined || a.state !== 'pending') return a;
    const decision = { by: caller.subject, at: this.#now(), reason: 'canceled by the caller' };
    if (!(await this.#o.store.transition(id, 'pending', 'canceled', decision))) return this.#o.store.get(id);
    await this.#releaseOrRetry(a, `canceled by ${caller.subject}`);
    this.#audit('approval.canceled', a, { principal: caller, admin: false }, decision.reason);
    return (await this.#o.store.get(id))!;
  }

  /** Ends the pending calls past their expiry at `now` (REJECTED, holds refunded); returns how many. */
  async expireDue(now = this.#now()): Promise<number> {
    let count = 0;
    for (const a of await this.#o.store.due(now, 200)) {
      if (!(await this.#o.store.transition(a.id, 'pending', 'expired', { by: 'expiry', at: now }))) continue;
      await this.#releaseOrRetry(a, 'the approval expired');
      this.#audit('approval.expired', a, undefined, undefined);
      count++;
    }
    return count;
  }

  /**
   * Sends again the approved calls left `forwarding` as of `now`: those a
   * stopped replica left, once no send of theirs can still be under way, and
   * those whose send failed here (the runtime's message-id dedupe keeps each
   * once). One that fails again is logged and left for the next sweep; the
   * others are still sent.
   */
  async resumeStranded(now = this.#now()): Promise<number> {
    let count = 0;
    const cutoff = now - this.#o.timeoutMs - STRANDED_AFTER_MARGIN_MS;
    for (const a of await this.#o.store.stranded(200)) {
      if (this.#inFlight.has(a.id) || ((a.decidedAt ?? 0) > cutoff && !this.#sendAgain.has(a.id))) continue;
      try {
        await this.#send(a);
        count++;
      } catch (err) {
        this.#sendAgain.add(a.id);
        this.#o.logger.warn({ err, approval: a.id, agent: a.agent }, 'an approved call left unsent could not be sent again; the next sweep tries again');
      }
    }
    return count;
  }

  /** Releases the holds of decided calls whose release failed here; resolves with how many were released. */
  async releaseLeftHeld(): Promise<number> {
    let count = 0;
    let failed = 0;
    for (const [id, left] of this.#releaseAgain) {
      if (await this.#release(left.record, left.reason)) {
        this.#releaseAgain.delete(id);
        count++;
        continue;
      }
      // One that never goes (its hold kept by a replica gone) is left to the ledger's hold expiry after a while, not tried for ever.
      left.attempts += 1;
      if (left.attempts >= RELEASE_ATTEMPTS) {
        this.#releaseAgain.delete(id);
        this.#o.logger.warn({ approval: id, attempts: left.attempts }, 'a decided call\'s hold could not be released; the ledger refunds it when it expires (creditsMaxHoldMs)');
      }
      // A few failing in a row: the ledger is down; the next sweep tries again.
      if (++failed >= 3) break;
    }
    return count;
  }

  /** One round of upkeep: stored rules, expiries, unfinished forwards. */
  sweep(): Promise<void> {
    this.#sweeping ??= (async () => {
      try {
        await this.reloadRules();
        await this.releaseLeftHeld();
        await this.expireDue();
        await this.resumeStranded();
      } catch (err) {
        this.#o.logger.warn({ err }, 'an approvals sweep failed; the next one tries again');
      } finally {
        this.#sweeping = undefined;
      }
    })();
    return this.#sweeping;
  }

  /**
   * Reads the stored rules and follows their changes. The gateway awaits this
   * before it serves a call: a replica started (or restarted) before its
   * rules are read would send a gated call straight to its agent.
   */
  async followRules(): Promise<void> {
    if (this.#following) return;
    this.#unsubscribe = await followChanges(this.#o.bus, APPROVAL_RULES_TOPIC, () => this.reloadRules(), (err) =>
      this.#o.logger.warn({ err }, 'reading the approval rules again failed; the next sweep tries again'),
    );
    this.#following = true;
  }

  /** Follows the stored rules (if not yet), then sweeps every `sweepIntervalMs`. */
  async start(): Promise<void> {
    await this.followRules();
    this.#timer = setInterval(() => void this.sweep(), this.#o.sweepIntervalMs);
    this.#timer.unref();
    void this.sweep();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#following = false;
    await this.#sweeping;
  }

  async #decidable(id: string, approver: Approver): Promise<ApprovalRecord> {
    const a = await this.get(id, approver.admin ? undefined : approver.principal.tenant);
    if (a === undefined) throw Errors.approvalNotFound({ quotedId: JSON.stringify(id.slice(0, 100)) });
    if (!approver.admin && !approver.principal.scopes.includes(a.approverScope)) throw Errors.approvalNeedsScope({ id, scope: a.approverScope, tenant: a.tenant });
    if (a.state !== 'pending') throw Errors.approvalDecided({ id, state: a.state });
    return a;
  }

  async #lost(id: string): Promise<Error> {
    const now = await this.#o.store.get(id);
    return Errors.approvalDecided({ id, state: now?.state ?? 'gone' });
  }

  async #send(a: ApprovalRecord): Promise<void> {
    this.#inFlight.add(a.id);
    try {
      let answer;
      try {
        answer = await forwardParked(a, this.#o);
      } catch (err) {
        // Left `forwarding`, and nothing of it in flight: this replica's next sweep sends it again.
        this.#sendAgain.add(a.id);
        this.#o.logger.warn({ err, approval: a.id, agent: a.agent }, 'an approved call could not be sent; it will be sent again');
        return;
      }
      this.#sendAgain.delete(a.id);
      const { tap, status } = answer;
      const taskId = tap.taskId;
      // Read as the proxy reads a forwarded call's answer: a JSON-RPC error (HTTP 200) or a stream's error event fails it too.
      const error = answeredError(tap, a.request.binding, status);
      const failed = error !== undefined;
      const errorCode = answeredErrorCode(error);
      // Not taken (no task named): sent again by this replica's next sweep, until the call would have expired unapproved.
      if (failed && taskId === undefined && (NOT_TAKEN.has(errorCode) || (errorCode === undefined && UNAVAILABLE_STATUSES.has(status))) && this.#now() < a.expiresAt) {
        this.#sendAgain.add(a.id);
        this.#o.logger.warn({ approval: a.id, agent: a.agent, status, ...(errorCode !== undefined && { errorCode }) }, 'the agent could not take an approved call now; it will be sent again');
        return;
      }
      if (a.reservationKey !== '') {
        const charged = await settleOrTrack(this.#o, { key: a.reservationKey, message: parkedMessage(a.request.body), version: a.request.version, tap, estimate: a.milliCredits, agent: a.agent, tenant: a.tenant, subject: a.principal.subject, failed });
        if (charged !== undefined) this.#o.logger.debug({ approval: a.id, charged }, 'approved call settled');
      }
      const state = tap.state ?? (isRecord(tap.task) && isRecord(tap.task['status']) && typeof tap.task['status']['state'] === 'string' ? tap.task['status']['state'] : undefined);
      // A failed answer says which error (its code, not the agent's words); a success without a task says so.
      const problem = failed ? `the agent answered the error ${errorCode ?? 'of no known code'} (HTTP ${status})` : taskId === undefined && tap.message === undefined ? `the agent answered HTTP ${status} without a task` : undefined;
      await this.#o.store.forwarded(a.id, taskId, { status, ...(state !== undefined && { state }), ...(problem !== undefined && { error: problem }) });
      this.#o.audit.append({ eventType: 'approval.forwarded', actor: { kind: 'agent', id: a.agent }, targetAgent: a.agent, tenant: a.tenant, user: a.principal.subject, ...(taskId !== undefined && { taskId }), outcome: failed ? 'error' : 'ok', ...(errorCode !== undefined && { errorCode }), detail: { approval: a.id, status } });
    } catch (err) {
      // Answered, but not settled or not recorded (the store down for a moment): still `forwarding`, sent again by
      // this replica's next sweep, which the runtime answers with the same task and the settlement takes as a retry.
      this.#sendAgain.add(a.id);
      throw err;
    } finally {
      this.#inFlight.delete(a.id);
    }
  }

  /** Refunds a parked call's hold; false (logged) when the ledger could not be written. */
  async #release(a: ApprovalRecord, reason: string): Promise<boolean> {
    if (a.reservationKey === '') return true;
    try {
      await this.#o.credits.refund(a.reservationKey, reason);
      return true;
    } catch (err) {
      this.#o.logger.warn({ err, approval: a.id }, 'refunding a parked call failed; the next sweep tries again');
      return false;
    }
  }

  /** Refunds a decided call's hold now, or at this replica's next sweep when the ledger cannot be written now. */
  async #releaseOrRetry(a: ApprovalRecord, reason: string): Promise<void> {
    if (!(await this.#release(a, reason))) this.#releaseAgain.set(a.id, { record: a, reason, attempts: 1 });
  }

  #audit(eventType: string, a: ApprovalRecord, approver: Approver | undefined, reason: string | undefined): void {
    const entry: AuditEntry = {
      eventType,
      // Expiry is no one's decision: the actor is anonymous, `detail.by` says it was the clock.
      actor: approver === undefined ? { kind: 'anonymous' } : { kind: approver.principal.kind, id: approver.principal.subject },
      targetAgent: a.agent,
      tenant: a.tenant,
      user: a.principal.subject,
      outcome: 'ok',
      ...(a.skill !== '' && { skill: a.skill }),
      detail: { approval: a.id, rule: a.ruleId, by: approver?.principal.subject ?? 'expiry', chain: delegationChain(a.principal), ...(reason !== undefined && { reason }), heldMilliCredits: a.milliCredits },
    };
    try {
      this.#o.audit.append(entry);
    } catch (err) {
      this.#o.logger.error({ err, approval: a.id }, 'an approval decision could not be audited');
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
