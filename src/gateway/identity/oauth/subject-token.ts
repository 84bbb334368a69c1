import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { JWTPayload } from 'jose';
import type { ApiKeyService } from '../credentials/api-key-service.js';
import type { Actor, DelegationOrigin } from '../principal.js';
import { originOf } from '../tokens/delegation-claims.js';
import type { ExternalIssuers } from '../tokens/external-issuers.js';
import type { LocalTokenVerifier } from '../tokens/local-token-verifier.js';
import type { RevocationList } from '../tokens/revocation-list.js';
import { ASSERTION_TYP, GATEWAY_ACTOR } from '../tokens/token-signer.js';
import { Errors, isAgentmeshError, type AgentmeshError } from '../../../protocol/index.js';

/** RFC 8693 §3 token type identifiers this server reads and issues. */
export const TOKEN_TYPE = Object.freeze({
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  /** Issued only, as a delegation grant (docs/adr/0042-durable-delegation-grants.md); never read as a subject token. */
  refreshToken: 'urn:ietf:params:oauth:token-type:refresh_token',
});

/** What a subject token says, whichever kind it was. */
export interface ExchangeSubject {
  /** The top caller. */
  subject: string;
  tenant: string;
  scopes: readonly string[];
  /** The actors the subject token already names (the gateway's own hop left out); undefined for a caller's own token. */
  act: Actor | undefined;
  /** The credential the chain started from. */
  origin: DelegationOrigin;
  /** When the subject token itself expires, epoch seconds: the exchanged token never outlives it, except an assertion's (below). */
  expiresAt: number;
  /** The agent the token was sent to, when it is one of the gateway's assertions. */
  agent: string | undefined;
  /** Its verified claims (for `may_act`). */
  claims: JWTPayload;
}

/** What reading a subject token needs. */
export interface SubjectTokenDeps {
  issuer: string;
  verifier: LocalTokenVerifier;
  external: ExternalIssuers;
  revocations: RevocationList;
  apiKeys: ApiKeyService;
}

/**
 * Verifies `token` as the subject of a token exchange (RFC 8693 §2.1), by its
 * declared type:
 *
 * - `access_token`: an access token this gateway issued (a caller's own, or
 *   one from an earlier exchange), or a JWT of a configured external issuer;
 * - `jwt`: any of those, or an assertion the gateway sent an agent (what an
 *   agent holds of the call it serves, and exchanges to call further).
 *
 * Whatever is wrong with the token (garbage, a bad signature, another
 * issuer, expired, revoked, or derived from a credential that was) is
 * `invalid_grant`; a key set out of reach stays a retryable 503.
 */
export async function readSubjectToken(token: string, type: string, deps: SubjectTokenDeps): Promise<ExchangeSubject> {
  let subject: ExchangeSubject;
  try {
    subject = await verifySubject(token, type, deps);
  } catch (err) {
    throw asGrantError(err);
  }
  await refuseRevokedOrigin(subject.origin, deps);
  return subject;
}

async function verifySubject(token: string, type: string, deps: SubjectTokenDeps): Promise<ExchangeSubject> {
  let iss: unknown;
  let typ: unknown;
  try {
    ({ iss } = decodeJwt(token));
    ({ typ } = decodeProtectedHeader(token));
  } catch (err) {
    throw Errors.oauthSubjectTokenInvalid({ reason: 'it is not a JWT' }, { cause: err });
  }
  if (iss === deps.issuer && typ === ASSERTION_TYP) {
    if (type !== TOKEN_TYPE.jwt) throw Errors.oauthSubjectTokenInvalid({ reason: `an assertion of the gateway is exchanged with subject_token_type ${TOKEN_TYPE.jwt}` });
    const a = await deps.verifier.verifyAssertion(token);
    // The gateway's own hop is outermost (it forwarded the call); the chain goes on from the actors before it.
    const act = a.act?.sub === GATEWAY_ACTOR ? a.act.act : a.act;
    // Only an assertion made for a caller's call names the credential it came from; the gateway's own reads (settlement, the console) do not, and act for nobody.
    if (a.origin === undefined) throw Errors.oauthSubjectTokenInvalid({ reason: 'this assertion was not made for a caller\'s call' });
    return { subject: a.subject, tenant: a.tenant, scopes: a.scopes, act, origin: a.origin, expiresAt: a.expiresAt, agent: a.agent, claims: a.claims };
  }
  if (iss === deps.issuer) {
    const { principal, claims } = await deps.verifier.verify(token);
    if (deps.revocations.isTokenRevoked(principal.tokenId!) || deps.revocations.isClientRevoked(principal.clientId)) throw Errors.oauthSubjectTokenRevoked({});
    return { subject: principal.subject, tenant: principal.tenant, scopes: principal.scopes, act: principal.act, origin: originOf(principal), expiresAt: principal.expiresAt!, agent: undefined, claims };
  }
  if (typeof iss === 'string' && deps.external.has(iss)) {
    const { principal, claims } = await deps.external.verify(token, iss);
    return { subject: principal.subject, tenant: principal.tenant, scopes: principal.scopes, act: principal.act, origin: originOf(principal), expiresAt: principal.expiresAt!, agent: undefined, claims };
  }
  throw Errors.oauthSubjectTokenInvalid({ reason: typeof iss === 'string' ? 'its issuer is neither this gateway nor a configured external issuer' : 'it names no issuer' });
}

/**
 * Revocation reaches down the chain: a token derived from a revoked token or
 * client (or from a revoked or expired API key) is refused like the
 * credential itself. An external issuer's tokens have no revocation here.
 */
async function refuseRevokedOrigin(origin: DelegationOrigin, deps: SubjectTokenDeps): Promise<void> {
  if (origin.kind === 'client') {
    if ((origin.jti !== undefined && deps.revocations.isTokenRevoked(origin.jti)) || (origin.id !== undefined && deps.revocations.isClientRevoked(origin.id))) {
      throw Errors.oauthSubjectTokenRevoked({});
    }
  } else if (origin.kind === 'api-key' && origin.id !== undefined && !(await deps.apiKeys.isUsable(origin.id))) {
    throw Errors.oauthSubjectTokenRevoked({});
  }
}

/** A refusal of the subject token as the exchange's: invalid_grant, keeping the reason; a key set out of reach passes as it is. */
function asGrantError(err: unknown): unknown {
  if (!isAgentmeshError(err)) return err;
  if (err.details?.['oauthError'] !== undefined || err.retryable) return err;
  const reason = err.details?.['reason'];
  if (reason === 'expired') return Errors.oauthSubjectTokenExpired({}, { cause: err });
  if (reason === 'revoked' || reason === 'client_revoked') return Errors.oauthSubjectTokenRevoked({}, { cause: err });
  return Errors.oauthSubjectTokenInvalid({ reason: err.expose ? err.message : 'it could not be verified' }, { cause: err }) satisfies AgentmeshError;
}
