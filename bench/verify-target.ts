/**
 * Checks that a target really does the work before it is loaded: one manual
 * request per scenario, status 200 and a well-formed A2A v1.0 body. A target
 * that answers errors fast would otherwise "win" the benchmark.
 *
 * Also holds the cheap per-response checks autocannon runs under load
 * (`verifyBody`), which count as mismatches.
 */
import { randomBytes } from 'node:crypto';
import { createParser } from 'eventsource-parser';
import { requestBody, requestHeaders } from './a2a-requests.js';

/** Events one SendStreamingMessage must produce: task, working, artifact, completed. */
export const EXPECTED_STREAM_EVENTS = 4;

const COMPLETED = 'TASK_STATE_COMPLETED';
const VERIFY_TIMEOUT_MS = 10_000;

/** What one verified SendMessage answered. */
export interface SendMessageSample {
  /** The exact response body, reused as the bare target's fixed body. */
  body: string;
  bytes: number;
}

/** What one verified SendStreamingMessage answered. */
export interface StreamingSample {
  eventCount: number;
  /** The `StreamResponse` member of each event, in order (A2A §3.2.3). */
  kinds: string[];
  bytes: number;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJsonRpcResult(text: string, where: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${where}: body is not JSON: ${text.slice(0, 200)}`);
  }
  if (!isObject(parsed) || parsed.jsonrpc !== '2.0') throw new Error(`${where}: not a JSON-RPC 2.0 response: ${text.slice(0, 200)}`);
  if (parsed.error !== undefined) throw new Error(`${where}: JSON-RPC error ${JSON.stringify(parsed.error)}`);
  if (!isObject(parsed.result)) throw new Error(`${where}: no result object: ${text.slice(0, 200)}`);
  return parsed.result;
}

function hasOneTextArtifact(artifacts: unknown): boolean {
  if (!Array.isArray(artifacts) || artifacts.length !== 1) return false;
  const [artifact] = artifacts as unknown[];
  if (!isObject(artifact) || !Array.isArray(artifact.parts)) return false;
  return (artifact.parts as unknown[]).some((part) => isObject(part) && typeof part.text === 'string');
}

/** autocannon's `idReplacement` ids are fixed-length, url-safe hyperids of this many characters. */
const LOAD_ID_LENGTH = 33;

/**
 * A messageId as long as the ones autocannon generates under load, so the
 * captured SDK answer that becomes the bare target's fixed body has the byte
 * count of the answers under load.
 */
function verifyMessageId(): string {
  return `bench-${randomBytes(LOAD_ID_LENGTH).toString('base64url').slice(0, LOAD_ID_LENGTH)}`;
}

async function post({ url, scenario, headers }: { url: string; scenario: 'sendmessage' | 'streaming'; headers?: Readonly<Record<string, string>> }): Promise<{ status: number; contentType: string; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...requestHeaders(scenario), ...headers },
    body: requestBody({ scenario, messageId: verifyMessageId() }),
    signal: AbortSignal.timeout(VERIFY_TIMEOUT_MS),
  });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() };
}

/**
 * Sends one SendMessage and checks for a completed Task with exactly one
 * artifact holding a text part (A2A §9.4.1). Throws with what was wrong.
 */
export async function verifySendMessage({ url, headers }: { url: string; headers?: Readonly<Record<string, string>> }): Promise<SendMessageSample> {
  const { status, contentType, text } = await post({ url, scenario: 'sendmessage', ...(headers === undefined ? {} : { headers }) });
  if (status !== 200) throw new Error(`SendMessage answered HTTP ${status}: ${text.slice(0, 200)}`);
  if (!contentType.includes('application/json')) throw new Error(`SendMessage answered content-type "${contentType}"`);
  const result = parseJsonRpcResult(text, 'SendMessage');
  const task = result.task;
  if (!isObject(task)) throw new Error(`SendMessage result has no task: ${text.slice(0, 200)}`);
  const state = isObject(task.status) ? task.status.state : undefined;
  if (state !== COMPLETED) throw new Error(`SendMessage task state is ${String(state)}, expected ${COMPLETED}`);
  if (!hasOneTextArtifact(task.artifacts)) throw new Error(`SendMessage task does not carry exactly one text artifact: ${JSON.stringify(task.artifacts)}`);
  return { body: text, bytes: Buffer.byteLength(text) };
}

/**
 * Sends one SendStreamingMessage and checks the SSE stream (A2A §9.4.2):
 * every `data:` is a JSON-RPC result, exactly one artifact update, the last
 * event is the completed status, and there are {@link EXPECTED_STREAM_EVENTS}.
 */
export async function verifyStreaming({ url, headers }: { url: string; headers?: Readonly<Record<string, string>> }): Promise<StreamingSample> {
  const { status, contentType, text } = await post({ url, scenario: 'streaming', ...(headers === undefined ? {} : { headers }) });
  if (status !== 200) throw new Error(`SendStreamingMessage answered HTTP ${status}: ${text.slice(0, 200)}`);
  if (!contentType.includes('text/event-stream')) throw new Error(`SendStreamingMessage answered content-type "${contentType}": ${text.slice(0, 200)}`);
  const data: string[] = [];
  const parser = createParser({ onEvent: (event) => data.push(event.data) });
  parser.feed(text);
  parser.reset({ consume: true });
  const results = data.map((item, i) => parseJsonRpcResult(item, `stream event ${i + 1}`));
  const kinds = results.map((result) => Object.keys(result).join('+'));
  if (results.length !== EXPECTED_STREAM_EVENTS) {
    throw new Error(`SendStreamingMessage streamed ${results.length} events (${kinds.join(', ')}), expected ${EXPECTED_STREAM_EVENTS}`);
  }
  const artifactUpdates = results.filter((result) => isObject(result.artifactUpdate));
  if (artifactUpdates.length !== 1) throw new Error(`SendStreamingMessage streamed ${artifactUpdates.length} artifact updates, expected 1`);
  const last = results.at(-1);
  const lastState = isObject(last?.statusUpdate) && isObject(last.statusUpdate.status) ? last.statusUpdate.status.state : undefined;
  if (lastState !== COMPLETED) throw new Error(`SendStreamingMessage last event is not a ${COMPLETED} status update: ${JSON.stringify(last)}`);
  return { eventCount: results.length, kinds, bytes: Buffer.byteLength(text) };
}

/** Cheap check of one SendMessage response under load (no JSON parse, to keep the client fast). */
export function looksLikeCompletedSendMessage(body: string | Buffer | undefined): boolean {
  const text = String(body ?? '');
  return text.includes('"result"') && text.includes(COMPLETED) && !text.includes('"error"');
}

/** Cheap check of one streamed response under load: the expected number of `data:` lines, ending completed. */
export function looksLikeCompletedStream(body: string | Buffer | undefined): boolean {
  const text = String(body ?? '');
  const dataLines = text.match(/^data:/gm)?.length ?? 0;
  return dataLines === EXPECTED_STREAM_EVENTS && text.includes(COMPLETED) && !text.includes('"error"');
}
