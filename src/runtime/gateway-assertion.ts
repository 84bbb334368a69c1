import { LRUCache } from 'lru-cache';
import { createRemoteJWKSet, customFetch, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { createOutboundPool, fetchThrough, type ClientTlsSource } from '../http/index.js';
import { Errors, isAgentmeshError, isRecord, readRetryOnlyClaim, RETRY_ONLY_CLAIM } from '../protocol/index.js';
import type { RetryOnlyClaim } from '../protocol/index.js';
import type { Authenticate, AuthenticatedCaller, AuthenticateRequest, CallerAnswer } from './transports/call-context.js';

/** Options of {@link createGatewayAssertionCheck}. */
export interface GatewayAssertionOptions {
  jwksUrl: string;
  /** Expected `iss`; unset accepts any issuer the JWKS signs for. */
  issuer?: string | undefined;
  /** Refuse calls that carry no assertion. */
  required: boolean;
  /** Clock skew tolerated on exp/nbf, seconds. */
  clockToleranceSeconds?: number;
  /** Client certificate and CA of the JWKS fetch (a gateway served over HTTPS with a private CA, or requiring mutual TLS). */
  tls?: ClientTlsSource | undefined;
}

/** A verified assertion: its claims, the agent it is for, and the caller it proves (built once, frozen: every call that presents it shares it). */
interface Verified {
  /** The assertion's exact text: a hit is this token, byte for byte. */
  token: string;
  payload: JWTPayload;
  agent: string;
  caller: Readonly<AuthenticatedCaller>;
}

/** Verified assertions remembered (FIFO). */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * The cache's key: the token's last characters (its signature's, 96 bits).
 * A new header string is hashed in full by a Map lookup, about 1.5 µs for a
 * 770-byte assertion; its tail hashes in nanoseconds, and a hit still
 * requires the whole token to be equal.
 */
const KEY_CHARS = 16;

/** Algorithms the gateway signs with; anything else (none, HS*) is refused. */
const ALGORITHMS = ['ES256', 'RS256'];

/**
 * Verifies the assertion the gateway attaches to each call it forwards: a
 * short-lived JWT signed with the gateway's key (its JWKS), audience
 * `agentmesh:agent:<name>` so an assertion minted for one agent does not
 * open another. Its `tenant` and `scope` become the call's tenant and scopes:
 * the task store then scopes every read and write by that tenant.
 *
 * @example
 * const check = createGatewayAssertionCheck({ jwksUrl: 'http://gw:4200/.well-known/jwks.json', required: true });
 * createRuntime({ agents, authenticate: check.forAgent('lead-scorer') });
 */
export function createGatewayAssertionCheck(options: GatewayAssertionOptions): { forAgent(name: string): Authenticate } {
  const jwksFetch = options.tls ? { [customFetch]: fetchThrough(createOutboundPool({ tls: options.tls })) } : {};
  const keys = createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 600_000, ...jwksFetch });
  // The gateway reuses an assertion for a caller and agent while it is fresh, so a
  // verified one is remembered until it expires: one signature check per minute or
  // so, not one per call (an ES256 verify costs ~0.2 ms). A hit is the exact bytes (looked up by their tail).
  const verified = new LRUCache<string, Verified>({ max: VERIFIED_CACHE_SIZE });
  /** The verified entry of exactly this token, for this agent, not expired; else undefined. */
  const cached = (token: string, agent: string): Verified | undefined => {
    const hit = verified.get(token.slice(-KEY_CHARS));
    return hit !== undefined && hit.token === token && hit.agent === agent && (hit.payload.exp ?? 0) > Date.now() / 1000 ? hit : undefined;
  };
  const verify = async (token: string, agent: string): Promise<Verified> => {
    try {
      const { payload, protectedHeader } = await jwtVerify(token, keys, {
        algorithms: ALGORITHMS,
        audience: `agentmesh:agent:${agent}`,
        ...(options.issuer !== undefined && { issuer: options.issuer }),
        clockTolerance: options.clockToleranceSeconds ?? 30,
        requiredClaims: ['exp', 'sub', 'tenant'],
        // Understood here: a retry-only call (ADR 0046, third addendum). A verifier without this refuses such an assertion.
        crit: { [RETRY_ONLY_CLAIM]: true },
      });
      const tenant = payload['tenant'];
      if (typeof tenant !== 'string') throw Errors.assertionWithoutTenant({}, { details: { reason: 'tenant' } });
      const scope = payload['scope'];
      const caller: AuthenticatedCaller = { id: String(payload.sub), tenant, scopes: Object.freeze(typeof scope === 'string' ? scope.split(' ').filter(Boolean) : []), subjectToken: token };
      const actors = actorsOf(payload['act']);
      if (actors !== undefined) caller.actors = actors;
      if (protectedHeader.crit?.includes(RETRY_ONLY_CLAIM) === true || payload[RETRY_ONLY_CLAIM] !== undefined) caller.retryOnly = retryOnlyOf(payload, protectedHeader);
      const entry: Verified = { token, payload, agent, caller: Object.freeze(caller) };
      verified.set(token.slice(-KEY_CHARS), entry);
      return entry;
    } catch (err) {
      if (isAgentmeshError(err)) throw err;
      // The gateway's key set could not be read (a timeout, a refused connection, an error status): the assertion is not
      // known to be bad, the check is out of reach for now, so the caller gets a retryable 503, not a 401 for its request.
      if (keySetUnreachable(err)) throw Errors.keySetUnavailable({ what: 'the gateway assertion' }, { cause: err });
      throw Errors.assertionInvalid({ reason: reasonOf(err) }, { cause: err });
    }
  };
  return {
    forAgent(agent: string): Authenticate {
      const now = (request: AuthenticateRequest): CallerAnswer => {
        const token = bearerOf(request.headers.authorization);
        if (token === undefined) {
          if (!options.required) return undefined;
          throw Errors.assertionMissing({}, { details: { reason: 'missing' } });
        }
        // The same assertion on call after call (the gateway reuses it while fresh): one verification, one caller
        // object, handed back at once; only an assertion not yet verified (or expired, or another agent's) waits.
        const hit = cached(token, agent);
        return hit !== undefined ? hit.caller : verify(token, agent).then(callerOfEntry);
      };
      const authenticate: Authenticate = async (request: AuthenticateRequest): Promise<AuthenticatedCaller | undefined> => now(request);
      authenticate.now = now;
      return authenticate;
    },
  };
}

function callerOfEntry(entry: Verified): AuthenticatedCaller {
  return entry.caller;
}

/** The token of an `Authorization: Bearer …` header; the gateway's exact form without a regular expression. */
function bearerOf(header: string | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  if (header.startsWith('Bearer ') && header.charCodeAt(7) > 0x20 && header.charCodeAt(header.length - 1) > 0x20) return header.slice(7);
  return /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '').trim() : undefined;
}

/** The `act.sub` of the gateway's own hop: it forwarded the call, it did not act for the caller. */
const GATEWAY_ACTOR = 'agentmesh-gateway';
/** The gateway's hop and the longest chain it accepts (docs/security.md#delegation). */
const MAX_ACT_DEPTH = 9;

/**
 * The actors of a delegated call, in the order they acted, from the
 * assertion's nested `act` (RFC 8693 §4.1: the current actor outermost),
 * the gateway's own hop left out. Bounded; anything malformed reads as none.
 */
function actorsOf(act: unknown): readonly string[] | undefined {
  const outermostFirst: string[] = [];
  for (let at = act; isRecord(at) && outermostFirst.length < MAX_ACT_DEPTH; at = Object.hasOwn(at, 'act') ? at['act'] : undefined) {
    const sub = Object.hasOwn(at, 'sub') ? at['sub'] : undefined;
    if (typeof sub !== 'string') return undefined;
    outermostFirst.push(sub);
  }
  if (outermostFirst[0] === GATEWAY_ACTOR) outermostFirst.shift();
  return outermostFirst.length === 0 ? undefined : Object.freeze(outermostFirst.reverse());
}

/**
 * The retry-only claim of an assertion: in its payload, its messageId repeated
 * as a critical header parameter (so a verifier that predates it refuses the
 * assertion). A claim without its header, or that disagrees with it, is refused.
 */
function retryOnlyOf(payload: JWTPayload, header: Record<string, unknown>): RetryOnlyClaim {
  const claim = readRetryOnlyClaim(payload[RETRY_ONLY_CLAIM]);
  const critical = header['crit'];
  if (claim === undefined || !Array.isArray(critical) || !critical.includes(RETRY_ONLY_CLAIM) || header[RETRY_ONLY_CLAIM] !== claim.messageId) {
    throw Errors.assertionInvalid({ reason: `claim ${RETRY_ONLY_CLAIM} malformed` });
  }
  return Object.freeze(claim);
}

/**
 * A failure to read the key set, as jose reports it: its timeout, a key set
 * that is not one, its generic error (a non-200 answer, a body that is not
 * JSON), or the fetch's own error. The gateway classes its issuers' key sets
 * the same way (src/gateway/identity/tokens/jose-failure.ts).
 */
function keySetUnreachable(err: unknown): boolean {
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid) return true;
  return !(err instanceof joseErrors.JOSEError) || err.code === 'ERR_JOSE_GENERIC';
}

function reasonOf(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `claim ${err.claim} ${err.reason}`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'unknown signing key';
  if (err instanceof joseErrors.JWTInvalid || err instanceof joseErrors.JWSInvalid) return 'malformed token';
  return err instanceof Error ? err.message : 'unverifiable';
}
