import { ServerCallContext, UnauthenticatedUser, type User } from '@a2a-js/sdk/server';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { annotateRequestSpan, ATTR_A2A_AGENT, ATTR_AGENTMESH_TENANT } from '../../observability/index.js';
import { negotiateVersion, requestedVersion, type ProtocolVersion, type RetryOnlyClaim } from '../../protocol/index.js';
import { CTX } from '../agent-request-handler.js';
import type { CallInfo } from '../call-info.js';
import { parseLastEventId } from '../../http/index.js';

/** What an authentication hook attaches to a request (the gateway supplies a real one). */
export interface AuthenticatedCaller {
  id: string;
  tenant: string;
  scopes: readonly string[];
  /** The actors of a delegated call, in the order they acted (CallerIdentity.actors). */
  actors?: readonly string[];
  /** The credential that proved the call, when an agent may exchange it to act further (CallerIdentity.subjectToken). */
  subjectToken?: string;
  /** The gateway forwarded the call without a credit hold: answer it only if it is a retry (CallInfo.retryOnly). */
  retryOnly?: RetryOnlyClaim;
}

/**
 * What an authentication hook reads of a request: an HTTP request's, or a
 * gRPC call's (its metadata are the headers, its peer the ip, its method
 * path the url).
 */
export type AuthenticateRequest = Pick<FastifyRequest, 'headers' | 'id' | 'ip' | 'url' | 'method' | 'query' | 'log'>;

/** What an authentication hook answers: the caller at once (a cached assertion), or later; undefined means anonymous. */
export type CallerAnswer = AuthenticatedCaller | undefined | Promise<AuthenticatedCaller | undefined>;

/** Resolves the caller of a request; undefined means anonymous. */
export interface Authenticate {
  (request: AuthenticateRequest): Promise<AuthenticatedCaller | undefined>;
  /**
   * The same answer, without a promise when it is known at once (the gateway
   * assertion's check, for an assertion it has verified): the routes then
   * neither make nor wait for one per call. It throws what the hook would
   * reject with.
   */
  now?: (request: AuthenticateRequest) => CallerAnswer;
}

/** The default: every caller is anonymous (the gateway, in front, authenticates). */
export const anonymous: Authenticate = async () => undefined;

/** The caller of a request: undefined at once when nobody authenticates here, the hook's synchronous answer when it has one. */
export function callerOf(authenticate: Authenticate, request: FastifyRequest): CallerAnswer {
  if (authenticate === anonymous) return undefined;
  return authenticate.now !== undefined ? authenticate.now(request) : authenticate(request);
}

/** An answer still to wait for (any thenable a hook returns, not only a native promise). */
export function isPendingCaller(answer: CallerAnswer): answer is Promise<AuthenticatedCaller | undefined> {
  return typeof (answer as { then?: unknown } | undefined)?.then === 'function';
}

class CallerUser implements User {
  readonly #id: string;
  constructor(id: string) {
    this.#id = id;
  }
  get isAuthenticated(): boolean {
    return true;
  }
  get userName(): string {
    return this.#id;
  }
}

/** The protocol version of a request: `A2A-Version` header, else query parameter, else 0.3 (A2A §3.6). */
export function requestVersion(request: FastifyRequest): ProtocolVersion {
  return negotiateVersion(requestedVersion(request.headers['a2a-version'], request.query));
}

/**
 * Fastify types `request.log` as its base logger; built on our pino instance
 * (the HTTP server's `loggerInstance`) it is a pino Logger, which skill
 * contexts hand on as `ctx.log`. Any other logger is not passed on: the task
 * then logs through the runtime's own.
 */
function isPinoLogger(log: FastifyBaseLogger): log is FastifyBaseLogger & Logger {
  return 'isLevelEnabled' in log && typeof log.isLevelEnabled === 'function';
}

/** What a skill sees of an authenticated caller. */
function callerIdentity(caller: AuthenticatedCaller): CallInfo['caller'] {
  const identity: CallInfo['caller'] = { authenticated: true, id: caller.id, scopes: caller.scopes };
  if (caller.actors !== undefined) identity.actors = caller.actors;
  if (caller.subjectToken !== undefined) identity.subjectToken = caller.subjectToken;
  return identity;
}

/** Builds the SDK call context of a request, carrying our CallInfo, Last-Event-ID and abort signal. */
export function buildCallContext(options: { request: FastifyRequest; agent: string; version: ProtocolVersion; caller: AuthenticatedCaller | undefined; tenant: string | undefined; authenticating: boolean; signal?: () => AbortSignal }): ServerCallContext {
  const { request, caller } = options;
  // With an authenticate hook installed, the tenant comes from the caller only: an anonymous caller must not pick one in its params.
  const tenant = caller?.tenant ?? (options.authenticating ? '' : (options.tenant ?? ''));
  const call: CallInfo = {
    tenant,
    caller: caller ? callerIdentity(caller) : { authenticated: false, id: '', scopes: [] },
  };
  if (caller?.retryOnly !== undefined) call.retryOnly = caller.retryOnly;
  // Request identity travels explicitly (the runtime runs without the AsyncLocalStorage request context).
  if (isPinoLogger(request.log)) call.log = request.log;
  const traceparent = request.headers.traceparent;
  if (typeof traceparent === 'string') call.traceparent = traceparent;
  // The server span names the agent and tenant (a no-op unless spans are exported).
  annotateRequestSpan(tenant === '' ? { [ATTR_A2A_AGENT]: options.agent } : { [ATTR_A2A_AGENT]: options.agent, [ATTR_AGENTMESH_TENANT]: tenant });
  const state = new Map<string, unknown>([[CTX.call, call], [CTX.requestId, String(request.id)]]);
  const lastEventId = parseLastEventId(request.headers['last-event-id']);
  if (lastEventId !== undefined) state.set(CTX.lastEventId, lastEventId);
  // Lazy: only streams and cross-replica waits need it, and an AbortController plus a 'close' listener per request is not free.
  if (options.signal) state.set(CTX.signal, options.signal);
  return new ServerCallContext({
    user: caller ? new CallerUser(caller.id) : new UnauthenticatedUser(),
    requestedVersion: options.version,
    state,
    ...(tenant ? { tenant } : {}),
  });
}
