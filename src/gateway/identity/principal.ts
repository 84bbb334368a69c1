/** How a caller proved who it is. */
export type PrincipalKind = 'client' | 'api-key' | 'external';

/**
 * Who is calling: what `Identity.authenticate` returns, and what policy,
 * quotas, credits and audit work from.
 */
export interface Principal {
  /** `client`: a token this gateway issued; `api-key`: an X-API-Key; `external`: a token of a configured issuer. */
  kind: PrincipalKind;
  /** The caller: the client id, the API key id, or the external token's subject claim. */
  subject: string;
  /** The OAuth client (for API keys, the key id; for external tokens, `azp`/`client_id`, else the subject). */
  clientId: string;
  /** The tenant every call of this principal is scoped to. */
  tenant: string;
  scopes: string[];
  /** The token's `jti` (absent for API keys and external tokens without one). */
  tokenId?: string;
  /** When the credential expires, epoch seconds. */
  expiresAt?: number;
  /** The issuer of an external token (`kind: 'external'`). */
  issuer?: string;
  /**
   * Who acts for `subject` (RFC 8693 §4.1), on a token from a token exchange:
   * the client that exchanged, then (nested) the actors before it. `subject`
   * and `tenant` are the top caller's; `clientId` is the current actor's.
   * Absent on a caller's own credential. See {@link delegationChain}.
   */
  act?: Actor;
  /** The credential the delegation started from (the top caller's), on a token from a token exchange. */
  origin?: DelegationOrigin;
}

/**
 * One actor of a delegation chain, as the `act` claim nests them (RFC 8693
 * §4.1): the outermost is the current actor, each nested `act` the one
 * before it.
 */
export interface Actor {
  /** The OAuth client that acted (the one that exchanged the token). */
  readonly sub: string;
  /** The agent it acted as: the audience of the gateway's assertion it exchanged, when that is what it exchanged. */
  readonly agent?: string;
  readonly act?: Actor;
}

/**
 * The credential a delegation chain started from: what its revocation and
 * expiry are checked against, whichever token of the chain is presented.
 * Carried in exchanged tokens and in the gateway's assertions (claim
 * `origin`, docs/adr/0036-token-exchange-and-delegation-chains.md).
 */
export interface DelegationOrigin {
  kind: PrincipalKind;
  /** The client id (`client`), the API key id (`api-key`); absent for an external issuer's token. */
  id?: string;
  /** The token id, when the credential is a token that has one. */
  jti?: string;
  /** The issuer of an external token. */
  iss?: string;
  /** When the credential expires, epoch seconds (absent: an API key without expiry). */
  exp?: number;
}

/** Most actors a chain may hold: a longer one is refused at the token endpoint. */
export const MAX_DELEGATION_DEPTH = 8;

/**
 * A principal's delegation chain, the top caller first and the current
 * actor last: `['user-7', 'amc_orchestrator', 'amc_specialist']`. A caller
 * with its own credential is a chain of one. What a feature that must reach
 * the top caller (or show who acted for whom) reads.
 *
 * @example
 * const [topCaller, ...actors] = delegationChain(call.principal);
 */
export function delegationChain(principal: Pick<Principal, 'subject' | 'act'>): string[] {
  const actors: string[] = [];
  for (let a = principal.act; a !== undefined && actors.length < MAX_DELEGATION_DEPTH; a = a.act) actors.push(a.sub);
  return [principal.subject, ...actors.reverse()];
}

/** Scope of the management APIs (`/v1/clients`, `/v1/api-keys`, …). */
export const GATEWAY_ADMIN_SCOPE = 'gateway:admin';
/**
 * Scope of delegation: a client registered with it may exchange a caller's
 * token for one that acts for that caller (RFC 8693 token exchange at
 * `/oauth/token`) — the orchestrator, calling specialists for its callers,
 * and any agent that calls further for the caller it serves. It no longer
 * lets a client name another tenant (`x-agentmesh-on-behalf-of-tenant` needs
 * `gateway:admin` for that, docs/security.md#delegation).
 */
export const GATEWAY_DELEGATE_SCOPE = 'gateway:delegate';
/** Scope of credit top-ups (tenancy). */
export const CREDITS_ADMIN_SCOPE = 'credits:admin';
