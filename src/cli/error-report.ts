/**
 * Turns any error a command throws into one `error: …` line on stderr and an
 * exit code. Never a stack trace, unless `AGENTMESH_DEBUG=1`.
 */
import { inspect } from 'node:util';
import { A2AError } from '@a2a-js/sdk/errors';
import { ErrorCodes, WIRE, isAgentmeshError, networkReason } from '../protocol/index.js';
import type { CliIO } from './cli-io.js';
import { ExitCodes, type ExitCode } from './exit-codes.js';

/** The SDK's A2A errors, as far as we read them (JSON-RPC ones carry the envelope code). */
type SdkA2AError = A2AError & { envelopeCode?: unknown };

/** Walks `err` and its `cause` chain, outermost first. */
function* causeChain(err: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  for (let current = err; current !== undefined && current !== null && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    seen.add(current);
    yield current;
  }
}

function find<T>(err: unknown, guard: (e: unknown) => e is T): T | undefined {
  for (const e of causeChain(err)) if (guard(e)) return e;
  return undefined;
}

const isSdkA2AError = (e: unknown): e is SdkA2AError => e instanceof A2AError;
const isAbortError = (e: unknown): e is Error => e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
const isNetworkError = (e: unknown): e is Error => e instanceof TypeError && e.message === 'fetch failed';

/** JSON-RPC code and reason for an SDK error, both from our one wire table (STYLE.md rule 5). */
function a2aCodes(err: SdkA2AError): { code: number | undefined; reason: string } {
  const entries = Object.values(WIRE);
  const envelope = typeof err.envelopeCode === 'number' ? err.envelopeCode : undefined;
  // An unknown JSON-RPC envelope (e.g. -32601 from a v0.3 server) arrives
  // without a semantic reason; name it from the table instead.
  const generic = err.reason === '' || err.reason === 'INTERNAL_ERROR';
  const reason = generic && envelope !== undefined ? (entries.find((w) => w.jsonRpc === envelope && w.reason)?.reason ?? err.reason) : err.reason;
  return { code: envelope ?? entries.find((w) => w.reason === reason)?.jsonRpc, reason };
}

/**
 * Describes an error as one line, e.g.
 * `Task not found: t-1 (A2A -32001 TASK_NOT_FOUND)`, and picks the exit code
 * (2 for usage errors, 1 otherwise).
 */
export function describeError(err: unknown): { message: string; exitCode: ExitCode } {
  const ours = find(err, isAgentmeshError);
  if (ours) return { message: ours.message, exitCode: ours.code === ErrorCodes.CLI_USAGE ? ExitCodes.USAGE : ExitCodes.FAILURE };
  const a2a = find(err, isSdkA2AError);
  if (a2a) {
    const { code, reason } = a2aCodes(a2a);
    return { message: `${a2a.message} (A2A ${code === undefined ? '' : `${code} `}${reason})`, exitCode: ExitCodes.FAILURE };
  }
  const abort = find(err, isAbortError);
  if (abort) return { message: 'the request was aborted before the agent answered (timed out)', exitCode: ExitCodes.FAILURE };
  const network = find(err, isNetworkError);
  if (network) return { message: `cannot reach the agent: ${networkReason(network)}`, exitCode: ExitCodes.FAILURE };
  return { message: err instanceof Error ? err.message : String(err), exitCode: ExitCodes.FAILURE };
}

/** Prints `error: …` (plus the full error when `AGENTMESH_DEBUG=1`) and returns the exit code. */
export function reportError(io: CliIO, err: unknown): ExitCode {
  const { message, exitCode } = describeError(err);
  io.stderr.write(`error: ${message}\n`);
  if (io.env.AGENTMESH_DEBUG === '1') io.stderr.write(`${inspect(err, { depth: 6 })}\n`);
  return exitCode;
}
