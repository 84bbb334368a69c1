import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Counter } from 'prom-client';
import type { Logger } from '../../../observability/index.js';
import { Errors, isRecord } from '../../../protocol/index.js';
import type { ApiKeyService } from '../credentials/api-key-service.js';
import type { ClientService } from '../credentials/client-service.js';
import { GATEWAY_DELEGATE_SCOPE, type Actor, type DelegationOrigin } from '../principal.js';
import type { ClientRecord } from '../store/records.js';
import type { RefreshTokenRow, RefreshTokenStore, StoredRefreshToken } from '../store/refresh-token-store.js';
import { readActClaim, readOriginClaim } from '../tokens/delegation-claims.js';
import type { RevocationList } from '../tokens/revocation-list.js';
import type { IssuedToken, TokenSigner } from '../tokens/token-signer.js';
import type { FormParams } from './form-body.js';
import { askedScopes } from './granted-target.js';
import type { ExchangeGrant } from './token-exchange.js';

/** RFC 6749 §6. */
export const REFRESH_TOKEN_GRANT = 'refresh_token';
/** What a refresh token of ours starts with: told apart from a JWT at the revocation endpoint. */
const PREFIX = 'amr_';
const SHAPE = /^amr_[A-Za-z0-9_-]{43}$/;

/** What delegation grants need. */
export interface DelegationGrantsOptions {
  store: RefreshTokenStore;
  signer: TokenSigner;
  clients: ClientService;
  apiKeys: ApiKeyService;
  revocations: RevocationList;
  /** The longest a grant lives, seconds (`delegationGrantTtlSeconds`). */
  grantTtlSeconds: number;
  /**
   * How long after its use a used token may be presented again as a retry of
   * its redemption, seconds (`delegationGrantRetrySeconds`; 0: never).
   */
  retrySeconds: number;
  clock: () => number;
  log: Logger;
  /** Grants issued, refreshed, retried and refused, by outcome. */
  outcomes: Counter<string>;
}

/** A grant just issued: the refresh token, shown once. */
export interface IssuedGrant {
  refreshToken: string;
  familyId: string;
  /** Seconds until the grant ends. */
  expiresIn: number;
  scope: string;
}

/** A refresh: the access token, and the refresh token that replaces the one redeemed. */
export interface Refreshed {
  issued: IssuedToken;
  refreshToken: string;
  familyId: string;
  subject: string;
  tenant: string;
  act: Actor;
}

/**
 * Durable delegation grants (docs/adr/0042-durable-delegation-grants.md): a
 * refresh token issued by token exchange (RFC 8693 §2.1,
 * `requested_token_type` refresh_token) to a delegating client, bound to the
 * caller's subject, tenant and scopes and to that client as the actor, which
 * the client redeems (RFC 6749 §6) for fresh delegated access tokens after
 * the caller's own token has expired. Each redemption rotates the token
 * (RFC 9700 §4.14.2); presenting a used one again revokes the whole family,
 * unless it is a retry of a redemption whose answer was lost: within
 * `delegationGrantRetrySeconds` of its use, while the successor it was
 * exchanged for was never redeemed (docs/adr/0058-delegation-grant-redemption-retry.md).
 * A grant never outlives what its caller could do: revoking the caller's
 * token or client, or its API key, ends it; its scopes shrink with the
 * caller's and the client's; it lives at most `delegationGrantTtlSeconds`,
 * and no longer than an API key's or an external token's own expiry.
 */
export class DelegationGrants {
  readonly #o: DelegationGrantsOptions;

  constructor(options: DelegationGrantsOptions) {
    this.#o = options;
  }

  /** A new grant for what a token exchange granted `client`. */
  async issue(grant: ExchangeGrant, client: ClientRecord): Promise<IssuedGrant> {
    const now = this.#o.clock();
    const { origin } = grant.subject;
    // A grant is redeemed only while the caller's client stays usable; a token no stored client
    // backs (the console's acting token of a platform admin, issued under the bootstrap admin
    // token) could never be redeemed, so none is issued: the caller exchanges its token per call.
    if (origin.kind === 'client' && origin.id !== undefined && (await this.#o.clients.get(origin.id)) === undefined) throw Errors.oauthSubjectTokenInvalid({ reason: 'no stored client backs it, so it cannot hold a delegation grant; exchange it per call' });
    let familyExpiresAt = now + this.#o.grantTtlSeconds * 1000;
    // A caller's client can always get a new token of its own; an API key or an external token cannot outlast its expiry.
    if (origin.kind !== 'client' && origin.exp !== undefined) familyExpiresAt = Math.min(familyExpiresAt, origin.exp * 1000);
    if (familyExpiresAt <= now) throw Errors.oauthSubjectTokenExpired({});
    const familyId = randomUUID();
    const { token: refreshToken, row } = newToken({
      familyId,
      clientId: client.id,
      subject: grant.subject.subject,
      tenant: grant.subject.tenant,
      scopes: grant.scopes,
      audience: grant.audience,
      act: JSON.stringify(grant.act),
      origin: JSON.stringify(origin),
      originJti: origin.kind === 'client' ? origin.jti : undefined,
      originId: origin.id,
      familyExpiresAt,
      createdAt: now,
    });
    await this.#o.store.insert(row);
    this.#o.outcomes.labels({ outcome: 'issued' }).inc();
    this.#o.log.info({ clientId: client.id, sub: grant.subject.subject, tenant: grant.subject.tenant, familyId, act: grant.act, expiresAt: familyExpiresAt }, 'delegation grant issued');
    return { refreshToken, familyId, expiresIn: Math.floor((familyExpiresAt - now) / 1000), scope: grant.scopes.join(' ') };
  }

  /**
   * The refresh token grant (RFC 6749 §6): checks the token and its grant,
   * rotates it, and signs a delegated access token. Every refusal of the
   * token is `invalid_grant`; the client's missing permission is
   * `unauthorized_client`, a wider scope `invalid_scope`.
   */
  async refresh(form: FormParams, client: ClientRecord, certificateThumbprint: string | undefined): Promise<Refreshed> {
    if (!client.scopes.includes(GATEWAY_DELEGATE_SCOPE)) throw Errors.oauthExchangeNotAllowed({ scope: GATEWAY_DELEGATE_SCOPE });
    const token = form.refresh_token;
    if (token === undefined || token === '') throw Errors.oauthParameterMissing({ parameter: 'refresh_token' });
    const now = this.#o.clock();
    const row = SHAPE.test(token) ? await this.#o.store.find(hashOf(token)) : undefined;
    // Another client's token is unknown to this one (RFC 6749 §6: bound to the client it was issued to).
    if (row === undefined || row.clientId !== client.id) throw this.#refused('unknown', Errors.oauthRefreshTokenInvalid({ reason: 'it was not issued to this client' }));
    if (row.status === 'revoked') throw this.#refused('revoked', Errors.oauthRefreshTokenRevoked({}));
    // A used token whose successor nobody redeemed is a retry of that redemption (ADR 0058); else a reuse.
    const retried = row.status === 'used' ? this.#retriable(row, now) : undefined;
    if (row.status === 'used' && retried === undefined) throw await this.#reused(row);
    if (row.familyExpiresAt <= now) throw this.#refused('expired', Errors.oauthRefreshTokenExpired({}));
    const act = readActClaim(parseJson(row.act));
    const origin = readOriginClaim(parseJson(row.origin));
    if (act == null || origin == null) throw this.#refused('unknown', Errors.oauthRefreshTokenInvalid({ reason: 'its grant is unreadable' }));
    const callerScopes = await this.#callerScopes(origin);
    if (callerScopes === undefined) {
      await this.#o.store.revokeFamily(row.familyId);
      throw this.#refused('revoked', Errors.oauthRefreshTokenRevoked({}));
    }
    const scopes = this.#scopes(form, row.scopes, client, callerScopes);
    const { token: refreshToken, row: successor } = newToken({ ...row, createdAt: now });
    // One redemption per token (one per successor, for a retry), on every replica: losing this race is a reuse.
    if (retried === undefined) {
      if (!(await this.#o.store.rotate(row.tokenHash, successor, now))) throw await this.#reused(row);
    } else if (!(await this.#o.store.retry(row.tokenHash, retried, successor, now))) throw await this.#reused(row);
    // A reuse of the same token at the same time (the losing redemption) revokes the family; when it
    // did so before the new token was committed, the new one escaped it. Revoking the family marks
    // every row, the used ones too: seen revoked now, the whole family goes again, the new token with it.
    if (await this.#o.store.isRevoked(row.tokenHash, ...(retried === undefined ? [] : [retried]))) {
      await this.#o.store.revokeFamily(row.familyId);
      throw this.#refused('reused', Errors.oauthRefreshTokenReused({}));
    }
    const notAfter = Math.floor(row.familyExpiresAt / 1000);
    // The grant now bounds the chain: an agent that exchanges what this token is sent with lives no longer than the grant.
    const issued = await this.#o.signer.accessToken({
      clientId: client.id,
      tenant: row.tenant,
      scopes,
      audience: row.audience,
      certificateThumbprint,
      delegation: { subject: row.subject, act, origin: { ...origin, exp: notAfter }, notAfter },
    });
    this.#o.outcomes.labels({ outcome: retried === undefined ? 'refreshed' : 'retried' }).inc();
    if (retried !== undefined) this.#o.log.info({ clientId: client.id, sub: row.subject, tenant: row.tenant, familyId: row.familyId, usedMsAgo: now - (row.usedAt ?? now) }, 'a used refresh token was presented again before its successor was redeemed: a retried redemption, answered with a new successor');
    this.#o.log.debug({ clientId: client.id, sub: row.subject, tenant: row.tenant, familyId: row.familyId, jti: issued.jti, scope: issued.scope }, 'delegation grant refreshed');
    return { issued, refreshToken, familyId: row.familyId, subject: row.subject, tenant: row.tenant, act };
  }

  /**
   * RFC 7009 for a refresh token: the client revokes its own grant (the
   * whole family). Another client's, or an unknown token, is nothing to
   * revoke. True when `token` has the shape of one of ours.
   */
  async revoke(token: string, client: ClientRecord): Promise<boolean> {
    if (!token.startsWith(PREFIX)) return false;
    const row = SHAPE.test(token) ? await this.#o.store.find(hashOf(token)) : undefined;
    if (row !== undefined && row.clientId === client.id && (await this.#o.store.revokeFamily(row.familyId)) > 0) {
      this.#o.outcomes.labels({ outcome: 'revoked' }).inc();
      this.#o.log.info({ clientId: client.id, familyId: row.familyId }, 'delegation grant revoked by its client');
    }
    return true;
  }

  /** The caller's token `jti` was revoked: the grants that started from it end with it. */
  async revokeFromToken(jti: string): Promise<number> {
    const n = await this.#o.store.revokeByOriginToken(jti);
    if (n > 0) this.#o.log.info({ jti, tokens: n }, "delegation grants revoked with the caller's token");
    return n;
  }

  /** Deletes grants past their end. */
  purge(now: number): Promise<void> {
    return this.#o.store.purge(now);
  }

  /**
   * What the caller may still do: the scopes of its client now, or no
   * narrowing (an API key still usable; an external issuer's token, bounded by
   * its expiry instead); undefined when the credential is revoked or gone.
   */
  async #callerScopes(origin: DelegationOrigin): Promise<readonly string[] | typeof UNNARROWED | undefined> {
    const { revocations } = this.#o;
    if (origin.kind === 'client') {
      if ((origin.jti !== undefined && revocations.isTokenRevoked(origin.jti)) || (origin.id !== undefined && revocations.isClientRevoked(origin.id))) return undefined;
      if (origin.id === undefined) return undefined;
      const record = await this.#o.clients.get(origin.id);
      return record === undefined || record.status === 'revoked' ? undefined : record.scopes;
    }
    if (origin.kind === 'api-key') {
      return origin.id !== undefined && (await this.#o.apiKeys.isUsable(origin.id)) ? UNNARROWED : undefined;
    }
    return UNNARROWED;
  }

  /** The grant's scopes that the caller and the client both still hold, narrowed to those asked (RFC 6749 §6: never wider). */
  #scopes(form: FormParams, granted: readonly string[], client: ClientRecord, caller: readonly string[] | typeof UNNARROWED): string[] {
    const held = granted.filter((s) => client.scopes.includes(s) && (caller === UNNARROWED || caller.includes(s)));
    const asked = askedScopes(form);
    if (asked === undefined) return held;
    const notHeld = asked.filter((s) => !held.includes(s));
    if (notHeld.length > 0) throw Errors.oauthScopeNotHeld({ scope: notHeld.join(' ') });
    return asked;
  }

  /**
   * The successor to supersede when the used token `row` is a retry of its
   * redemption: presented within `retrySeconds` of its use, and the token it
   * was exchanged for still active (never redeemed). Undefined: a reuse.
   */
  #retriable(row: StoredRefreshToken, now: number): string | undefined {
    if (row.usedAt === undefined || now >= row.usedAt + this.#o.retrySeconds * 1000) return undefined;
    return row.activeSuccessor;
  }

  /** A used token presented again: someone else holds it, or holds its successor. Both lose the grant. */
  async #reused(row: RefreshTokenRow): Promise<Error> {
    await this.#o.store.revokeFamily(row.familyId);
    this.#o.log.warn({ clientId: row.clientId, sub: row.subject, tenant: row.tenant, familyId: row.familyId }, 'a used refresh token was presented again: its delegation grant is revoked');
    return this.#refused('reused', Errors.oauthRefreshTokenReused({}));
  }

  #refused(outcome: string, err: Error): Error {
    this.#o.outcomes.labels({ outcome }).inc();
    return err;
  }
}

/** A new refresh token, shown once, and its row (active, never used). */
function newToken(row: Omit<RefreshTokenRow, 'tokenHash' | 'status'>): { token: string; row: RefreshTokenRow } {
  const token = PREFIX + randomBytes(32).toString('base64url');
  return { token, row: { ...row, tokenHash: hashOf(token), status: 'active', usedAt: undefined, replaces: undefined } };
}

/** The caller's scopes are not narrowed here: an API key's were fixed when it was made; an external issuer's token is bounded by its expiry. */
const UNNARROWED = 'unnarrowed';

/** A refresh token is 256 random bits: a plain SHA-256 keys it (a guess is as hard as the token). */
function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function parseJson(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
