/**
 * Turns any error a command throws into one `error: …` line on stderr and an
 * exit code. Never a stack trace, unless `AGENTMESH_DEBUG=1`.
 */
import { inspect } from 'node:util';
import { A2AError } from '@a2a-js/sdk/errors';
import { ErrorCodes, WIRE, isAgentmeshError, networkReason, type ErrorCode, isRecord, errorCodeOf } from '../../protocol/index.js';
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

/** JSON-RPC code and reason for an SDK error, both from our one wire table (CONTRIBUTING.md, "One wire table for errors"). */
function a2aCodes(err: SdkA2AError): { code: number | undefined; reason: string } {
  const entries = Object.values(WIRE);
  const envelope = typeof err.envelopeCode === 'number' ? err.envelopeCode : undefined;
  // An unknown JSON-RPC envelope (e.g. -32601 from a v0.3 server) arrives
  // without a semantic reason; name it from the table instead.
  const generic = err.reason === '' || err.reason === 'INTERNAL_ERROR';
  const reason = generic && envelope !== undefined ? (entries.find((w) => w.jsonRpc === envelope && w.reason)?.reason ?? err.reason) : err.reason;
  return { code: envelope ?? entries.find((w) => w.reason === reason)?.jsonRpc, reason };
}

/** Our error code, when the server put it in an ErrorInfo detail (JSON-RPC `data`, REST/gRPC `details`). */
function agentmeshCodeOf(err: SdkA2AError): ErrorCode | undefined {
  // Each transport's error carries its own member, which the SDK's base type does not declare.
  for (const details of ['data' in err ? err.data : undefined, 'details' in err ? err.details : undefined]) {
    if (!Array.isArray(details)) continue;
    for (const detail of details) {
      if (!isRecord(detail)) continue;
      const metadata = detail['metadata'];
      for (const candidate of [isRecord(metadata) ? metadata['code'] : undefined, detail['reason']]) {
        const code = errorCodeOf(candidate);
        if (code !== undefined) return code;
      }
    }
  }
  return undefined;
}

/** The HTTP status the server refused a call with for its credential (401, 403), wherever in the error it travelled. */
export function refusedCredentialStatus(err: unknown): 401 | 403 | undefined {
  const ours = find(err, isAgentmeshError);
  if (ours) return ours.code === ErrorCodes.AUTH_UNAUTHENTICATED ? 401 : ours.code === ErrorCodes.AUTH_FORBIDDEN ? 403 : undefined;
  const a2a = find(err, isSdkA2AError);
  if (!a2a) return undefined;
  const code = agentmeshCodeOf(a2a);
  const statusCode = 'statusCode' in a2a ? a2a.statusCode : undefined;
  const status = typeof statusCode === 'number' ? statusCode : code === undefined ? undefined : WIRE[code].http;
  return status === 401 || status === 403 ? status : undefined;
}

/** What to do about a refused credential: the part of the message a user acts on. */
const AUTH_HINTS: Readonly<Record<number, string>> = {
  401: 'give a token with --token or AGENTMESH_TOKEN, or set AGENTMESH_CLIENT_ID and AGENTMESH_CLIENT_SECRET and the CLI gets one (see agentmesh token --help)',
  403: 'the credential is valid but may not do this: ask the gateway admin for the scope or tenant it needs (agentmesh clients list shows a client\'s scopes)',
};

/**
 * What to do about a 401, by what the environment gave the command: a token
 * (`--token`, else AGENTMESH_TOKEN) is sent in preference to the client
 * credentials, so telling someone whose credentials are set to set them
 * sends them in a circle.
 */
function unauthenticatedHint(env: Readonly<Record<string, string | undefined>>): string {
  const token = Boolean(env['AGENTMESH_TOKEN']);
  const credentials = Boolean(env['AGENTMESH_CLIENT_ID'] && env['AGENTMESH_CLIENT_SECRET']);
  if (token && credentials) {
    return 'the token in AGENTMESH_TOKEN (or --token) was sent, not the client credentials of AGENTMESH_CLIENT_ID and AGENTMESH_CLIENT_SECRET, and it was refused (expired, or from another gateway): unset AGENTMESH_TOKEN (and drop --token) and the CLI gets a token with the credentials';
  }
  if (token) return 'the token in AGENTMESH_TOKEN (or --token) was refused (expired, or from another gateway): get a new one with agentmesh token, or unset AGENTMESH_TOKEN and set AGENTMESH_CLIENT_ID and AGENTMESH_CLIENT_SECRET and the CLI gets one';
  if (credentials) {
    return 'a token given with --token is sent instead of the client credentials of AGENTMESH_CLIENT_ID and AGENTMESH_CLIENT_SECRET (drop it to use them); without --token, the token got with them was refused: call the agent through the gateway that issued it';
  }
  return AUTH_HINTS[401]!;
}

/** What to do when an agent behind a gateway is called at its own address. */
const BEHIND_GATEWAY_HINT = "this URL is the agent's own, which only the gateway calls: send to the gateway's /agents/{name} instead (under agentmesh up: http://localhost:4200/agents/{name}), with a token of the gateway";

/** What to do about a refused TLS handshake, by the code Node gives it: the CLI reads the same TLS variables as a role's calls. */
const TLS_HINTS: Readonly<Record<string, string>> = {
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'the server requires mutual TLS: set TLS_CLIENT_CERT_FILE and TLS_CLIENT_KEY_FILE to a client certificate of its CA and its key',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'give a client certificate the server accepts (TLS_CLIENT_CERT_FILE, TLS_CLIENT_KEY_FILE): one of its CA, valid now, for client auth',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'give a client certificate signed by the CA the server trusts (TLS_CLIENT_CERT_FILE, TLS_CLIENT_KEY_FILE)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "trust the server's CA: set TLS_CA_FILE (or NODE_EXTRA_CA_CERTS) to its PEM file",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "trust the server's CA: set TLS_CA_FILE (or NODE_EXTRA_CA_CERTS) to its PEM file",
  SELF_SIGNED_CERT_IN_CHAIN: "trust the server's CA: set TLS_CA_FILE (or NODE_EXTRA_CA_CERTS) to its PEM file",
  DEPTH_ZERO_SELF_SIGNED_CERT: "trust the server's certificate: set TLS_CA_FILE (or NODE_EXTRA_CA_CERTS) to it",
};

/** The hint of a TLS refusal anywhere in `err`'s cause chain. */
function tlsHint(err: unknown): string | undefined {
  for (const e of causeChain(err)) {
    const code = (e as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && Object.hasOwn(TLS_HINTS, code)) return TLS_HINTS[code];
  }
  return undefined;
}

/**
 * Describes an error as one line, e.g.
 * `Task not found: t-1 (A2A -32001 TASK_NOT_FOUND)`, and picks the exit code
 * (2 for usage errors, 1 otherwise).
 */
export function describeError(err: unknown, env: Readonly<Record<string, string | undefined>> = {}): { message: string; hint?: string | undefined; exitCode: ExitCode } {
  const described = describeOnce(err, env);
  if (described.hint !== undefined) return described;
  const hint = tlsHint(err);
  return hint === undefined ? described : { ...described, hint };
}

function describeOnce(err: unknown, env: Readonly<Record<string, string | undefined>>): { message: string; hint?: string | undefined; exitCode: ExitCode } {
  const ours = find(err, isAgentmeshError);
  if (ours) {
    // What to do next, when the CLI could tell at the throw (the names near one no one knows).
    const hint = ours.details?.['hint'];
    return { message: ours.message, ...(typeof hint === 'string' && { hint }), exitCode: ours.code === ErrorCodes.CLI_USAGE ? ExitCodes.USAGE : ExitCodes.FAILURE };
  }
  const a2a = find(err, isSdkA2AError);
  if (a2a) {
    const ourCode = agentmeshCodeOf(a2a);
    const wire = ourCode === undefined ? undefined : WIRE[ourCode];
    const status = refusedCredentialStatus(a2a);
    // The server said who may call (401/403): say so, and what to do, not the JSON-RPC envelope code it travelled in.
    if (status !== undefined) {
      // An agent's own address, which only the gateway calls: no token of the caller's helps there.
      const hint = ourCode === ErrorCodes.GATEWAY_ASSERTION_INVALID ? BEHIND_GATEWAY_HINT : status === 401 ? unauthenticatedHint(env) : AUTH_HINTS[status];
      return { message: `${a2a.message} (HTTP ${status} ${status === 401 ? 'UNAUTHENTICATED' : 'PERMISSION_DENIED'})`, hint, exitCode: ExitCodes.FAILURE };
    }
    if (wire !== undefined) return { message: `${a2a.message} (A2A ${wire.jsonRpc} ${wire.reason ?? wire.status})`, exitCode: ExitCodes.FAILURE };
    const { code, reason } = a2aCodes(a2a);
    return { message: `${a2a.message} (A2A ${code === undefined ? '' : `${code} `}${reason})`, exitCode: ExitCodes.FAILURE };
  }
  const abort = find(err, isAbortError);
  if (abort) return { message: 'the request was aborted before the agent answered (timed out)', exitCode: ExitCodes.FAILURE };
  const network = find(err, isNetworkError);
  if (network) return { message: `cannot reach the agent: ${networkReason(network)}`, exitCode: ExitCodes.FAILURE };
  return { message: err instanceof Error ? err.message : String(err), exitCode: ExitCodes.FAILURE };
}

/**
 * A role's setting refused by its config schema, named as the variable that
 * set it: the terminal set DATABASE_POOL_SIZE, the schema checks
 * `registry.databasePoolSize`.
 */
async function settingHint(err: unknown, env: Record<string, string | undefined>): Promise<string | undefined> {
  const ours = find(err, isAgentmeshError);
  const setting = ours?.code === ErrorCodes.CONFIG_INVALID ? ours.details?.['setting'] : undefined;
  if (setting === undefined) return undefined;
  // Loaded only for such an error: the roles' readers would load TLS for every command that fails.
  const { variableOfSetting } = await import('../config/setting-variable.js');
  const variable = variableOfSetting(setting, env);
  return variable === undefined ? undefined : `${setting} comes from ${variable}: fix or unset it (docs/configuration.md)`;
}

/** Prints `error: …` (plus the full error when `AGENTMESH_DEBUG=1`) and returns the exit code. */
export async function reportError(io: CliIO, err: unknown): Promise<ExitCode> {
  const described = describeError(err, io.env);
  const { message, exitCode } = described;
  const hint = described.hint ?? (await settingHint(err, io.env));
  io.stderr.write(`error: ${message}\n`);
  if (hint !== undefined) io.stderr.write(`hint: ${hint}\n`);
  if (io.env.AGENTMESH_DEBUG === '1') io.stderr.write(`${inspect(err, { depth: 6 })}\n`);
  return exitCode;
}
