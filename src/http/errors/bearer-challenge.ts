import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorCodes, isAgentmeshError } from '../../protocol/index.js';

/** Options of {@link bearerChallenge}. */
export interface BearerChallengeOptions {
  /** `realm` of the challenge (`agentmesh`, `agentmesh-registry`). */
  realm: string;
  /** The scope the route needs, when the error does not name one (`details.scope`). */
  scope?: string;
}

/** A scope-token or realm inside a quoted-string: no quote, backslash or control character (RFC 6750 §3). */
function quoted(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '');
}

/** True when the request presented a credential (a bearer token or an API key), good or bad. */
function presentedCredential(request: Pick<FastifyRequest, 'headers'>): boolean {
  return request.headers.authorization !== undefined || request.headers['x-api-key'] !== undefined;
}

/**
 * The RFC 6750 §3 `WWW-Authenticate` value for a refused call, or undefined
 * when `err` is not a refusal. A 401 names `error="invalid_token"` only when
 * the request presented a credential (§3.1: no error code when it carried no
 * authentication information); a 403 for a missing scope is
 * `error="insufficient_scope"` with the scope. The A2A proxy, the management
 * and the credits routes send the same challenges.
 *
 * @example
 * import { bearerChallenge } from '../http/index.js';
 * const challenge = bearerChallenge(err, request, { realm: 'agentmesh', scope: 'gateway:admin' });
 * if (challenge !== undefined) reply.header('www-authenticate', challenge);
 */
export function bearerChallenge(err: unknown, request: Pick<FastifyRequest, 'headers'>, options: BearerChallengeOptions): string | undefined {
  if (!isAgentmeshError(err)) return undefined;
  const detail = err.details?.['scope'];
  const scope = typeof detail === 'string' && detail !== '' ? detail : options.scope;
  const realm = `Bearer realm="${quoted(options.realm)}"`;
  if (err.code === ErrorCodes.AUTH_UNAUTHENTICATED) {
    return `${realm}${presentedCredential(request) ? ', error="invalid_token"' : ''}${scope === undefined ? '' : `, scope="${quoted(scope)}"`}`;
  }
  if (err.code === ErrorCodes.AUTH_FORBIDDEN) {
    return `${realm}, error="insufficient_scope"${scope === undefined ? '' : `, scope="${quoted(scope)}"`}`;
  }
  return undefined;
}

/**
 * Adds {@link bearerChallenge} to every refusal of the routes of `scope` (an
 * encapsulated plugin), through an `onError` hook: the header is set before
 * whichever error handler renders the body.
 *
 * @example
 * await app.register(async (scope) => {
 *   installBearerChallenge(scope, { realm: 'agentmesh', scope: 'gateway:admin' });
 *   scope.get('/v1/clients', handler);
 * });
 */
export function installBearerChallenge(scope: FastifyInstance, options: BearerChallengeOptions): void {
  scope.addHook('onError', (request, reply, error, done) => {
    const challenge = bearerChallenge(error, request, options);
    if (challenge !== undefined) reply.header('www-authenticate', challenge);
    done();
  });
}
