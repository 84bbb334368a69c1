import { SendMessageRequest, StreamResponse, Task } from '@a2a-js/sdk';
import { AcpRunClient } from '../../acp/index.js';
import { Errors, toJsonRpcErrorObject, toRestError, validateParams, isRecord } from '../../protocol/index.js';
import type { Logger } from '../../observability/index.js';
import type { AgentBridge } from '../../contracts/registry/index.js';
import type { ForwardResult } from '../routing/index.js';
import type { BridgedRuns } from '../bridged-runs.js';
import { AcpBridgeHandler } from './acp-bridge-handler.js';
import { LEFT_RUN_GRACE_MS, LeftRun } from './acp-left-run.js';
import { BridgeAnswer } from './acp-bridge-answer.js';
import type { GatewayCall } from './gateway-call.js';

/**
 * The gateway's bridge to an external ACP agent (docs/acp.md
 * "Bridged ACP agents through the gateway"): the A2A call a client sent,
 * already authenticated, authorized, metered and holding its credits, is
 * made as ACP runs by the bridge's `A2ARequestHandler` (acp-bridge-handler.ts)
 * and answered in the caller's binding: JSON-RPC or HTTP+JSON in A2A 1.0,
 * or JSON-RPC in v0.3 through the SDK's own v0.3 handler (acp-bridge-legacy.ts),
 * so the client cannot tell a bridged agent from a native one.
 *
 * Loaded on the first call to a bridged agent (CONTRIBUTING.md, "Load what
 * you use"): native calls never import it. Every answer goes through `tap` as the bytes the client
 * gets, so settlement reads it as it reads a native agent's.
 */
export async function bridgeToAcp(c: GatewayCall, o: BridgeOptions): Promise<ForwardResult> {
  const { bridge, headers, tap } = o;
  const started = performance.now();
  const call = c.call;
  const legacy = call.version !== '1.0';
  // The v0.3 REST binding (`/v1/…`) is not bridged: its v0.3 clients speak JSON-RPC (the card offers only that).
  if (legacy && call.binding !== 'JSONRPC') throw Errors.acpBridgeVersion({ agent: c.agent });
  // The ACP agent sees the gateway's assertion as a native agent does (Authorization), and may verify it.
  // A client that leaves before its answer is over stops the ACP request too, for the answer's whole life:
  // a stream's generators cannot be returned while a read of a silent ACP server is pending, only aborted.
  const abort = new AbortController();
  const leave = new LeftRun({ abort, cancel: (runId) => cancelLeftRun(o, c.agent, runId) });
  const raw = c.reply.raw;
  const left = (): void => {
    if (!raw.writableFinished) leave.clientLeft();
  };
  raw.once('close', left);
  // A call that is not a stream is bounded as a native upstream call is (its headers and silences).
  const streams = call.operation === 'SendStreamingMessage' || call.operation === 'SubscribeToTask';
  const signal = streams ? abort.signal : AbortSignal.any([abort.signal, AbortSignal.timeout(o.timeoutMs ?? BRIDGE_TIMEOUT_MS)]);
  let handler: AcpBridgeHandler | undefined;
  try {
    const client = new AcpRunClient({ baseUrl: bridge.url, agent: c.agent, headers, signal, maxBodyBytes: o.maxBodyBytes });
    handler = new AcpBridgeHandler({
      agent: c.agent,
      acpName: bridge.agentName,
      card: c.route!.record.card,
      client,
      runs: o.runs,
      tenant: c.principal!.tenant,
      maxOutputBytes: o.maxBodyBytes,
      blockingRun: leave,
    });
    const out = new BridgeAnswer(c, tap);
    if (legacy) {
      const { answerLegacyJsonRpc } = await import('./acp-bridge-legacy.js');
      await answerLegacyJsonRpc(c, handler, out);
    } else {
      await answerV1(c, handler, out);
    }
    return { instance: bridge.url, status: out.status, durationMs: performance.now() - started, retried: 0, contentType: out.contentType, bodyError: out.bodyError };
  } finally {
    o.onRun?.(handler?.runId);
    leave.answered();
    raw.off('close', left);
  }
}

/** How long a bridged call that is not a stream may take: the gateway's upstream request deadline (300 s). */
const BRIDGE_TIMEOUT_MS = 300_000;

/** What a bridged call is made with. */
export interface BridgeOptions {
  bridge: AgentBridge;
  /** The gateway's assertion and the request id, for the ACP agent. */
  headers: Record<string, string>;
  /** Sees the answer's bytes (settlement). */
  tap: ((chunk: Buffer) => void) | undefined;
  /** Who started each run: another tenant's run is not found. */
  runs: BridgedRuns;
  /** Largest ACP answer (or SSE event) read, bytes: the gateway's body limit. */
  maxBodyBytes: number;
  logger: Logger;
  /** The deadline of a call that is not a stream, ms (default 300 s). */
  timeoutMs?: number | undefined;
  /** Told the ACP run the call was about (when one was known) once it is over: the call's span names it. */
  onRun?: ((runId: string | undefined) => void) | undefined;
}

/** Cancels a run whose client left, with a request of its own (the call's is being aborted), and logs what came of it. */
function cancelLeftRun(o: BridgeOptions, agent: string, runId: string): void {
  const client = new AcpRunClient({ baseUrl: o.bridge.url, agent, headers: o.headers, signal: AbortSignal.timeout(LEFT_RUN_GRACE_MS), maxBodyBytes: o.maxBodyBytes });
  client.cancelRun(runId).then(
    () => o.logger.debug({ agent, runId }, 'cancelled the ACP run of a client that left'),
    (err: unknown) => o.logger.warn({ err, agent, runId }, 'could not cancel the ACP run of a client that left'),
  );
}

/** An A2A 1.0 call (JSON-RPC or HTTP+JSON) through the handler, framed as the runtime frames its answers. */
async function answerV1(c: GatewayCall, handler: AcpBridgeHandler, out: BridgeAnswer): Promise<void> {
  const call = c.call;
  const rpc = call.binding === 'JSONRPC';
  const id = call.jsonRpcId ?? null;
  const requestId = String(c.request.id);
  const json = (result: unknown): Promise<void> => out.json(rpc ? JSON.stringify({ jsonrpc: '2.0', id, result }) : JSON.stringify(result));
  const frames = {
    result: (r: StreamResponse) => (rpc ? JSON.stringify({ jsonrpc: '2.0', id, result: StreamResponse.toJSON(r) }) : JSON.stringify(StreamResponse.toJSON(r))),
    error: (err: Parameters<typeof toRestError>[0]) => (rpc ? JSON.stringify({ jsonrpc: '2.0', id, error: toJsonRpcErrorObject(err, requestId) }) : JSON.stringify(toRestError(err, requestId).body)),
  };
  switch (call.operation) {
    case 'SendMessage':
      return json({ task: Task.toJSON(await handler.sendMessage(sendRequestOf(c))) });
    case 'SendStreamingMessage':
      return out.stream(handler.sendMessageStream(sendRequestOf(c)), frames);
    case 'GetTask':
      return json(Task.toJSON(await handler.getTask({ tenant: '', id: call.taskId ?? '', historyLength: undefined })));
    case 'CancelTask':
      return json(Task.toJSON(await handler.cancelTask({ tenant: '', id: call.taskId ?? '', metadata: undefined })));
    case 'SubscribeToTask':
      return out.stream(handler.resubscribe({ tenant: '', id: call.taskId ?? '' }), frames);
    default:
      throw Errors.acpBridgeOperation({ operation: call.operation, agent: c.agent });
  }
}

/** The SendMessage params of the call (JSON-RPC `params`, or the REST body), checked as the runtime checks them. */
function sendRequestOf(c: GatewayCall): SendMessageRequest {
  // A PII policy's redaction, when one applied: what the agent receives.
  const body = c.redactedBody ?? c.body;
  const params = c.call.binding === 'JSONRPC' ? (isRecord(body) ? body['params'] : undefined) : body;
  return SendMessageRequest.fromJSON(validateParams(c.call.operation, params ?? {}));
}
