import { context, type Attributes } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD } from '@opentelemetry/semantic-conventions';
import {
  a2aUrlTemplate,
  annotateRequestSpan,
  currentRequestContext,
  inHttpClientSpan,
  invokeAgentAttributes,
  invokeAgentSpanName,
  tokenUsageAttributes,
  ATTR_A2A_AGENT,
  ATTR_A2A_TASK_ID,
  ATTR_ACP_RUN_ID,
  ATTR_AGENTMESH_TENANT,
  ATTR_GEN_AI_CONVERSATION_ID,
} from '../../observability/index.js';
import { ErrorCodes, Errors, WIRE, answeredErrorCode } from '../../protocol/index.js';
import type { AgentBridge } from '../../contracts/registry/index.js';
import type { ForwardInput, ForwardResult } from '../routing/index.js';
import { settleOrTrackNow } from '../settle-or-track.js';
import { AnswerTap } from '../stream-task-tap.js';
import { AnswerErrorWatch } from '../answer-error-watch.js';
import { answeredError } from '../answered-error.js';
import type { GatewayCall, ProxyDeps } from './gateway-call.js';
import type { BridgeOptions } from './acp-bridge.js';

/**
 * Forwards the call with a signed assertion of the caller's tenant, relays
 * the answer as it comes, then settles what the call reserved: at once when
 * the answer carries the task's end, else by tracking the task until it ends.
 */
export async function forwardStep(c: GatewayCall, d: ProxyDeps): Promise<void> {
  const principal = c.principal!;
  const call = c.call;
  // A call forwarded without a hold says so to the agent, in an assertion of its own (ADR 0046, third addendum).
  // The usual call's assertion is cached, and known: no promise waited for (ADR 0057).
  const held = c.retryOnly === undefined ? d.assertions.bearerNow(principal, c.agent) : d.assertions.retryOnly(principal, c.agent, c.retryOnly).then((assertion) => `Bearer ${assertion}`);
  const authorization = typeof held === 'string' ? held : await held;
  // Read the answer for settlement; with GenAI spans, a message send's answer too (its conversation and token usage).
  const tap = c.reservationKey !== undefined || (d.tracing.genAi && isMessageSend(call.operation)) ? new AnswerTap(call.streaming) : undefined;
  // Without a tap, the error an answer carries is watched for by a scan (a JSON-RPC error comes with HTTP 200).
  const watch = tap === undefined && call.binding !== 'ACP' ? new AnswerErrorWatch(call.binding === 'JSONRPC') : undefined;
  const headers: Record<string, string> = { authorization, 'x-request-id': String(c.request.id) };
  const input: ForwardInput = { agent: c.agent, method: c.request.method, path: call.forwardPath, query: c.query, headers, body: c.bytes, idempotent: call.idempotent, tap: tap?.onChunk ?? watch?.onChunk, caller: principal.tenant };
  // The answer is held until what the call settled and its audit row are committed (ADR 0035).
  input.beforeRelease = (status) => beforeRelease(c, d, tap, watch, status);
  if (call.binding === 'ACP') input.fromRoot = true;
  // A bridged agent (ACP) is called in its own protocol; a native agent never reaches that branch's code (loaded on first use).
  const bridge = c.route!.record.bridge;
  const forwarding = bridge !== undefined ? forwardToBridge(c, d, bridge, headers, tap) : d.tracing.enabled ? forwardInSpan(c, d, input, tap) : forwardUntraced(c, d, input);
  // What the request does not depend on is done while the agent works: in an Immediate queued after the one in which
  // undici writes a request on an idle keep-alive connection (its idle-socket check), so after the write (ADR 0057).
  if (c.unhashedInput !== undefined) setImmediate(hashInputOf, c);
  const result = await forwarding;
  // Read before the answer was released; else (no body, a body cut midway, the ACP bridge) now.
  if (!c.answerRead) readAnswer(c, d, tap, watch, result.status);
  // A JSON-RPC error is counted as the status its error has over HTTP+JSON: the same failure, the same class whatever the binding.
  d.metrics.upstream(c.agent, call.operation, c.answerStatus ?? result.status, result.durationMs);
  if (tap === undefined || c.reservationKey === undefined) return;
  const settled = settleCall(c, d, tap, c.audit.outcome === 'error' || result.bodyError !== undefined);
  if (settled !== undefined) await settled;
}

function hashInputOf(c: GatewayCall): void {
  c.hashInput();
}

/**
 * What the answer says of the call, once it is over: an error by its
 * status, or by the A2A error it carries with HTTP 200 (a JSON-RPC
 * answer's `error`, A2A §9.5; the error event a stream ends with on either
 * binding, its headers sent), which marks the audit row `error` with the
 * error's code (as for an error the gateway answers itself), fails the
 * call's settlement, and sets the status the upstream metric counts it under.
 */
function readAnswer(c: GatewayCall, d: ProxyDeps, tap: AnswerTap | undefined, watch: AnswerErrorWatch | undefined, status: number): void {
  c.answerRead = true;
  let error: unknown;
  // One reading of the error an answer carries, whether it was read whole (answered-error.ts) or scanned.
  if (tap !== undefined) error = answeredError(tap, c.call.binding, status);
  else if (watch !== undefined) error = watch.error(status);
  if (status < 400 && error === undefined) return;
  // An error event after the stream's headers: the caller reads it in the stream; the log has it once, here.
  if (status < 400 && (tap !== undefined ? tap.streaming : watch?.streamed === true)) logStreamError(c, d, error, tap);
  c.audit.outcome = 'error';
  const code = answeredErrorCode(error);
  if (code !== undefined) c.audit.errorCode = code;
  // An error whose code is unknown is still an error: counted as a server's.
  if (status < 400) c.answerStatus = code !== undefined ? WIRE[code].http : 500;
}

/**
 * The one log line of an error an agent's stream ended with, relayed after the stream's headers (the
 * agent logged its cause; this line ties the call, its task and its request id to it): at error for an
 * internal failure (or an error whose code is unknown), at warn for another 5xx, nothing for the caller's
 * own errors. Its code and HTTP status, as an instance's other server errors are logged, never the
 * agent's own words: an agent's message may carry what it was given (secrets, personal data).
 */
function logStreamError(c: GatewayCall, d: ProxyDeps, error: unknown, tap: AnswerTap | undefined): void {
  const code = answeredErrorCode(error);
  const http = code === undefined ? 500 : WIRE[code].http;
  if (http < 500) return;
  const taskId = c.call.taskId ?? tap?.taskId;
  const fields = { reqId: c.request.id, agent: c.agent, operation: c.call.operation, ...(taskId !== undefined && { taskId }), code: code ?? null, status: http };
  if (code === undefined || code === ErrorCodes.INTERNAL) d.logger.error(fields, "an agent's stream ended with an error");
  else d.logger.warn(fields, "an agent's stream ended with an error");
}

/**
 * What must survive a SIGKILL before the caller has the answer: the call's
 * settlement and its audit row. With the answer journal (ADR 0047), both are
 * appended to it in one write per turn of the event loop and reach the
 * database behind the answer; without it (ADR 0035), the answer waits for
 * their database transactions, one per turn for all the calls answered in it.
 * A promise only when the answer must wait: a call held on a lease and alone
 * in flight settles and is journaled at once, and its answer is written in
 * the same turn of the microtask queue (ADR 0057).
 */
export function beforeRelease(c: GatewayCall, d: ProxyDeps, tap: AnswerTap | undefined, watch: AnswerErrorWatch | undefined, status: number): Promise<void> | undefined {
  readAnswer(c, d, tap, watch, status);
  // A retry-only call the agent refused as short of credit is audited as the gateway's own refusal would be.
  if (c.retryOnly !== undefined && status === 402) {
    c.audit.eventType = 'credits.insufficient';
    c.audit.outcome = 'denied';
  }
  const priced = tap !== undefined && c.reservationKey !== undefined;
  // A JSON-RPC error answer is a failed call, as an HTTP error is: its hold is released, nothing charged.
  // A call held on a lease settles in memory: no promise waited for before its journal line (ADR 0057).
  const settled = priced ? settleCall(c, d, tap, c.audit.outcome === 'error') : undefined;
  return settled === undefined ? recordDurably(c, d, priced) : settled.then(() => recordDurably(c, d, priced));
}

/** The call's audit row (and what it settled) made durable before its answer is released: a promise only when that is waited for. */
function recordDurably(c: GatewayCall, d: ProxyDeps, priced: boolean): Promise<void> | undefined {
  c.audit.durationMs = performance.now() - c.started;
  c.hashInput();
  const journal = d.journal;
  if (journal === undefined) return recordCommitted(c, d, priced);
  // One write per turn to the answer journal; the database batches follow behind the answer (ADR 0047).
  journal.audit(d.audit, d.audit.prepare(c.audit));
  c.recorded = true;
  // A call alone in flight has nobody to share the turn's write with: written now, not at the end of the turn (ADR 0057).
  return d.gate.inFlightTotal() <= 1 ? journal.writeNow() : journal.written();
}

/** Without the journal: the answer waits for the audit row's and the settlement's database commits (ADR 0035). */
async function recordCommitted(c: GatewayCall, d: ProxyDeps, priced: boolean): Promise<void> {
  const recorded = d.audit.record(c.audit);
  // The one entry of the call is queued: closing the call must not append it again.
  c.recorded = true;
  if (priced) await d.credits.written();
  await recorded;
}

/** Settles or tracks what the call held, into its audit entry: a promise only when that is waited for (settle-or-track.ts). */
function settleCall(c: GatewayCall, d: ProxyDeps, tap: AnswerTap, failed: boolean): Promise<void> | undefined {
  const principal = c.principal!;
  const key = c.reservationKey!;
  // From here the reservation is settled or tracked: the error path must not refund it.
  c.reservationKey = undefined;
  // A task's messageId is remembered as charged when the call is recorded, after its answer is out (ADR 0057).
  if (tap.taskId !== undefined) c.chargedTask = true;
  const charged = settleOrTrackNow(d, { key, message: c.call.message, version: c.call.version, tap, estimate: c.estimate, agent: c.agent, tenant: principal.tenant, subject: principal.subject, failed, rememberLater: true });
  if (charged instanceof Promise) return charged.then((settled) => auditSettlement(c, tap, settled));
  auditSettlement(c, tap, charged);
  return undefined;
}

function auditSettlement(c: GatewayCall, tap: AnswerTap, charged: number | undefined): void {
  if (tap.taskId !== undefined) c.audit.taskId = tap.taskId;
  // What the call cost once settled; a call still running shows its hold (its settlement is audited as credits.settled).
  if (charged !== undefined) c.audit.milliCredits = charged;
  // The entry's detail is the call's own object (each step that set it built a new one): extended in place, in the same key order.
  const detail = (c.audit.detail ??= {});
  detail['reservedMilliCredits'] = c.estimate;
  detail['settled'] = charged !== undefined;
  if (tap.message !== undefined && tap.taskId === undefined) detail['answer'] = 'message';
}

/** The call made as ACP runs (`acp-bridge.ts`), to the agent's ACP server while the registry sees it answer `/ping`. */
async function forwardToBridge(c: GatewayCall, d: ProxyDeps, bridge: AgentBridge, headers: Record<string, string>, tap: AnswerTap | undefined): Promise<ForwardResult> {
  if (!c.route!.instances.some((i) => i.inRotation)) throw Errors.noHealthyInstance({ agent: c.agent, why: 'its ACP server does not answer /ping' });
  const { bridgeToAcp } = await import('./acp-bridge.js');
  const options: BridgeOptions = { bridge, headers, tap: tap?.onChunk, runs: d.bridgedRuns, maxBodyBytes: d.bodyLimitBytes, logger: d.logger };
  if (!d.tracing.enabled) {
    // The agent continues the client's trace, as a native agent does without span export.
    const traceparent = c.request.headers['traceparent'];
    if (typeof traceparent === 'string') headers['traceparent'] = traceparent;
    return bridgeToAcp(c, options);
  }
  // As a native call: a CLIENT span, child of the request's server span, whose id is the parent the ACP agent sees.
  const tenant = c.principal!.tenant;
  annotateRequestSpan({ [ATTR_A2A_AGENT]: c.agent, [ATTR_AGENTMESH_TENANT]: tenant });
  const attributes = { [ATTR_A2A_AGENT]: c.agent, [ATTR_AGENTMESH_TENANT]: tenant };
  const parent = currentRequestContext()?.otelContext ?? context.active();
  return inHttpClientSpan(
    d.tracing,
    // One span for the call's ACP requests (a send that resumes reads the run too), named for the A2A operation bridged.
    `ACP ${c.call.operation}`,
    attributes,
    parent,
    async (span) => {
      Object.assign(headers, d.tracing.injectTraceparent({}));
      return bridgeToAcp(c, {
        ...options,
        onRun: (runId) => {
          if (runId === undefined) return;
          // The ACP run is the A2A task: both names, so a trace finds it from either side.
          span.setAttributes({ [ATTR_ACP_RUN_ID]: runId, [ATTR_A2A_TASK_ID]: runId });
          annotateRequestSpan({ [ATTR_A2A_TASK_ID]: runId });
        },
      });
    },
    (result) => result.status,
  );
}

/** Without span export: the agent continues the client's trace, if it sent one. */
function forwardUntraced(c: GatewayCall, d: ProxyDeps, input: ForwardInput): Promise<ForwardResult> {
  const traceparent = c.request.headers['traceparent'];
  if (typeof traceparent === 'string') input.headers['traceparent'] = traceparent;
  return d.router.forward(input, c.reply);
}

/**
 * The upstream call as a CLIENT span, child of the request's server span: its
 * id is the parent the agent sees in `traceparent` (replacing the client's).
 * The span lasts until the answer is relayed (a stream's whole life).
 */
async function forwardInSpan(c: GatewayCall, d: ProxyDeps, input: ForwardInput, tap: AnswerTap | undefined): Promise<ForwardResult> {
  const method = input.method.toUpperCase();
  const template = a2aUrlTemplate(`/agents/${encodeURIComponent(c.agent)}${input.path}`)?.template ?? '/agents/{name}';
  const tenant = c.principal!.tenant;
  annotateRequestSpan({ [ATTR_A2A_AGENT]: c.agent, [ATTR_AGENTMESH_TENANT]: tenant });
  const attributes: Attributes = { [ATTR_HTTP_REQUEST_METHOD]: method, 'url.template': template, [ATTR_A2A_AGENT]: c.agent, [ATTR_AGENTMESH_TENANT]: tenant };
  const parent = currentRequestContext()?.otelContext ?? context.active();
  // GenAI conventions (opted into): a message send is an agent invocation, `invoke_agent {agent}`; other calls keep their HTTP name.
  const genAi = d.tracing.genAi && isMessageSend(c.call.operation);
  const conversationId = genAi ? contextIdOf(c.call.message) : undefined;
  if (genAi) Object.assign(attributes, invokeAgentAttributes({ name: c.agent, id: c.route!.record.identifier, conversationId }));
  return inHttpClientSpan(
    d.tracing,
    genAi ? invokeAgentSpanName(c.agent) : `${method} ${template}`,
    attributes,
    parent,
    async (span) => {
      Object.assign(input.headers, d.tracing.injectTraceparent({}));
      const result = await d.router.forward(input, c.reply);
      tap?.finish();
      if (tap?.taskId !== undefined) {
        span.setAttribute(ATTR_A2A_TASK_ID, tap.taskId);
        annotateRequestSpan({ [ATTR_A2A_TASK_ID]: tap.taskId });
      }
      if (genAi && tap !== undefined) {
        if (conversationId === undefined && tap.contextId !== undefined) span.setAttribute(ATTR_GEN_AI_CONVERSATION_ID, tap.contextId);
        const tokens = tokenUsageAttributes(tap.usage());
        if (tokens !== undefined) span.setAttributes(tokens);
      }
      return result;
    },
    (result) => result.status,
  );
}

function isMessageSend(operation: string | undefined): boolean {
  return operation === 'SendMessage' || operation === 'SendStreamingMessage';
}

/** The conversation a message send continues: its message's `contextId`, when it names one. */
function contextIdOf(message: Record<string, unknown> | undefined): string | undefined {
  const contextId = message !== undefined && Object.hasOwn(message, 'contextId') ? message['contextId'] : undefined;
  return typeof contextId === 'string' && contextId !== '' ? contextId : undefined;
}
