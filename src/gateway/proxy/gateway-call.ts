import type { ExchangeReply, ExchangeRequest } from '../../http/index.js';
import { hashInput, type AuditEntry, type AuditLog } from '../../audit/index.js';
import type { Logger, Tracing } from '../../observability/index.js';
import type { CallTerms } from '../call-pricing.js';
import type { CreditHolds } from '../credits/index.js';
import type { AssertionCache } from '../assertion-cache.js';
import type { ChargedMessages } from '../charged-messages.js';
import type { RetryOnlyClaim } from '../../protocol/index.js';
import type { GatewayMetrics } from '../gateway-metrics.js';
import type { Identity, Principal } from '../identity/index.js';
import type { A2aRequestReading, ClassifiedRequest } from '../policy/a2a-operation.js';
import type { Quotas } from '../policy/quotas.js';
import type { AgentRoute, CardSigner, UpstreamRouter } from '../routing/index.js';
import type { SettlementTracker } from '../settlement-tracker.js';
import type { BridgedRuns } from '../bridged-runs.js';
import type { ConcurrencyGate } from './concurrency-gate.js';
import { Disposer } from './disposer.js';
import type { RequestValidator } from '../policy/request-validation.js';
import type { PiiPolicies } from '../policy/pii-policy.js';
import type { PiiScanLimits } from '../policy/pii.js';
import type { ApprovalGate } from '../approvals/approval-gate.js';
import type { AnswerJournal } from '../answer-journal.js';
import type { PolicyEngine } from '../policies/index.js';
import type { ApprovalRule } from '../approvals/approval-rule.js';

/** What the proxy's steps work with, built once per gateway. */
export interface ProxyDeps {
  identity: Identity;
  router: UpstreamRouter;
  /** Holds, settles and refunds calls' credits (leased or exact; ADR 0010). */
  credits: CreditHolds;
  audit: AuditLog;
  /** Where an answered call's settlement and audit row go before its answer is released; undefined: the database commits (ADR 0047). */
  journal: AnswerJournal | undefined;
  quotas: Quotas;
  tracker: SettlementTracker;
  /** Who started each run of a bridged ACP agent (the bridge answers another tenant's run as not found). */
  bridgedRuns: BridgedRuns;
  metrics: GatewayMetrics;
  /** The upstream call's CLIENT span and the `traceparent` the agent sees. */
  tracing: Tracing;
  logger: Logger;
  publicUrl: () => string;
  cardSigner: CardSigner;
  assertions: AssertionCache;
  /** The messageIds this gateway charged for a task: what tells a credit-short repeat of one (ADR 0046, third addendum). */
  charged: ChargedMessages;
  gate: ConcurrencyGate;
  validator: RequestValidator;
  /** PII policies, when any is configured. */
  pii: { policies: PiiPolicies; limits: PiiScanLimits } | undefined;
  /** Approval gates (docs/approvals.md): parks the calls a rule matches. */
  approvals?: ApprovalGate;
  /** Policies as code (docs/policies.md): decided before the approval gate. */
  policies?: PolicyEngine;
  /** Largest request body, bytes; also the largest ACP answer the bridge reads (docs/acp.md). */
  bodyLimitBytes: number;
  /** Most actors a delegated call's chain may hold (`delegationMaxDepth`, delegation-guard.ts). */
  delegationMaxDepth: number;
  defaultRequestsPerMinute: number;
  defaultBurst: number;
  tenantRequestsPerMinute: number;
}

/** What a closed call's request, reply and reading become (`letGo`): typed as present, as every step before the close reads them. */
const GONE = undefined as never;

/**
 * One call through the gateway: what each step learns and what the next
 * needs, as plain fields of one object: closures or getters per request
 * would be allocation on the gateway's hottest path (CONTRIBUTING.md, "Hot paths"). Steps fill it in order; `audit` is the one entry the
 * call leaves in the trail, whatever happens.
 */
export class GatewayCall {
  readonly started = performance.now();
  // The fields that point at the call's objects are not readonly: {@link GatewayCall.letGo} clears them at its close.
  request: ExchangeRequest;
  reply: ExchangeReply;
  /** The agent's name as routed (`/agents/{name}`). */
  readonly agent: string;
  reading: A2aRequestReading;
  /** The body to forward: as received (the gateway never re-serializes), unless a PII policy redacted it. */
  bytes: Buffer | undefined;
  /** The body parsed once at the edge (undefined when none or not JSON). */
  body: unknown;
  /** The body as a PII policy redacted it (what the ACP bridge sends), when one did. */
  redactedBody: unknown = undefined;
  /** The query string with its `?`, when there is one. */
  readonly query: string | undefined;
  /** The `A2A-Version` the request names (header, else query parameter), as sent; undefined when it names none. */
  readonly a2aVersion: string | undefined;
  readonly audit: AuditEntry;
  /** Releases what the call holds (slots, reservations), newest first. */
  readonly disposer = new Disposer();
  route: AgentRoute | undefined;
  /**
   * Who calls, once authenticated. With a token from a token exchange (RFC
   * 8693), `subject` and `tenant` are the top caller's and `act` the chain of
   * clients acting for it (`delegationChain(principal)`: the top caller
   * first): what a step that must reach the top caller reads.
   */
  principal: Principal | undefined;
  /** The call acts for a caller other than the client making it: an exchanged token, or a tenant named by header. */
  delegated = false;
  terms: CallTerms | undefined;
  /** Forwarded without a hold, to be answered only as a retry (ADR 0046, third addendum): what the assertion says. */
  retryOnly: RetryOnlyClaim | undefined;
  /** The ledger key of the credits held for this call, while held. */
  reservationKey: string | undefined;
  estimate = 0;
  /** The call's audit entry is already queued (recorded before its answer was released). */
  recorded = false;
  /** The answer was read for the error it carries (forward-step.ts): before its release, or once the call is over. */
  answerRead = false;
  /** The status the upstream metric counts the answer under, when not its HTTP status (a JSON-RPC error's, as over HTTP+JSON). */
  answerStatus: number | undefined = undefined;
  /** The message the audit entry's `inputHash` is of, until {@link GatewayCall.hashInput} hashed it. */
  unhashedInput: Record<string, unknown> | undefined = undefined;
  /** The answer named a task its messageId was charged (or held) for: remembered once the answer is out (`ChargedMessages`). */
  chargedTask = false;
  /** A permit_when_approved policy held: the approval gate parks the call under it (docs/policies.md). */
  policyApproval: ApprovalRule | undefined = undefined;

  constructor(request: ExchangeRequest, reply: ExchangeReply, agent: string, reading: A2aRequestReading, bytes: Buffer | undefined, body: unknown, query: string | undefined, a2aVersion: string | undefined, audit: AuditEntry) {
    this.request = request;
    this.reply = reply;
    this.agent = agent;
    this.reading = reading;
    this.bytes = bytes;
    this.body = body;
    this.query = query;
    this.a2aVersion = a2aVersion;
    this.audit = audit;
  }

  /**
   * Sets the audit entry's `inputHash` (SHA-256 of the message's canonical
   * JSON), once: the forwarded request does not depend on it, so it is
   * computed once the request is handed to the agent's connection, while the
   * agent works, or when the entry is recorded, whichever comes first
   * (ADR 0057).
   */
  hashInput(): void {
    const message = this.unhashedInput;
    if (message === undefined) return;
    this.unhashedInput = undefined;
    try {
      this.audit.inputHash = hashInput(message);
    } catch {
      // Unreachable (only a BigInt or a cycle fails, and a message is parsed JSON): an entry without the hash, never a call cut short after it was forwarded.
    }
  }

  /**
   * Lets go of everything the call points to but what its record reads
   * (`agent`, `audit`, `started`, `recorded`), once it is closed
   * (`closeCall`): nothing reads the rest after that. A finished call can
   * stay reachable for a scavenge or two after its close from an object
   * promoted with it and already dead (V8's old-to-new remembered set is a
   * scavenge's root, live or not): what it still points to would be copied
   * and promoted with it (docs/perf-journal/gateway-and-fleet-2026-11-27.md, "Garbage collection per
   * gateway call"). A step that read a field after this would fail loudly
   * (a TypeError), not read a stale answer.
   */
  letGo(): void {
    this.request = GONE;
    this.reply = GONE;
    this.reading = GONE;
    this.bytes = undefined;
    this.body = undefined;
    this.redactedBody = undefined;
    this.route = undefined;
    this.principal = undefined;
    this.terms = undefined;
    this.retryOnly = undefined;
    this.unhashedInput = undefined;
  }

  /** The classified request; only called by steps that run after a refusal was answered. */
  get call(): ClassifiedRequest {
    const reading = this.reading;
    if (reading.operation === undefined) throw new TypeError('a step read the call of a refused request');
    return reading;
  }
}
