import type { AgentmeshError} from '../../../protocol/index.js';
import { Errors, invalidArgument, ErrorCodes } from '../../../protocol/index.js';
import { formatApiKey, newApiKeyId, newApiKeySecret, parseApiKey } from '../crypto/credential-ids.js';
import type { SecretHasher } from '../crypto/secret-hash.js';
import type { Principal } from '../principal.js';
import type { ApiKeyStore } from '../store/api-key-store.js';
import type { ListQuery, Page } from '../store/page.js';
import type { ApiKeyRecord } from '../store/records.js';
import { matchSecret } from './client-secrets.js';
import { checkScopes, checkTenant } from './input-rules.js';

/** Body of `POST /v1/api-keys`. */
export interface NewApiKeyInput {
  name: string;
  tenant: string;
  scopes: string[];
  /** Epoch ms; absent: the key never expires. */
  expiresAt?: number;
}

/** A key and its full value (`amk_<id>_<secret>`), shown once. */
export interface CreatedApiKey {
  apiKey: ApiKeyRecord;
  key: string;
}

/** How long an unknown key id is remembered as unknown, ms. */
const NEGATIVE_TTL_MS = 5_000;

/** Options of {@link ApiKeyService}. */
export interface ApiKeyServiceOptions {
  store: ApiKeyStore;
  hasher: SecretHasher;
  rotationGraceSeconds: number;
  cacheSize: number;
  clock: () => number;
}

/**
 * API keys (seed 002): creation, rotation with a grace period, revocation,
 * expiry, and the `X-API-Key` check on the hot path. Records are cached per
 * id (the secret check is an HMAC, ~2 µs); the cache is dropped whenever the
 * shared revision moves, so a revocation or rotation on any replica reaches
 * this one within one sync interval, and at once when made here.
 */
export class ApiKeyService {
  readonly #o: ApiKeyServiceOptions;
  readonly #cache = new Map<string, { record: ApiKeyRecord | undefined; until: number }>();
  /**
   * Presented keys whose secret already matched, until when the match holds
   * (forever for the current secret, the grace end for the previous one).
   * Repeated calls skip the two HMACs (~5 µs each on a busy machine); the
   * map lives in memory only, like the headers it comes from, and is
   * dropped with the record cache.
   */
  readonly #matched = new Map<string, { id: string; until: number }>();

  constructor(options: ApiKeyServiceOptions) {
    this.#o = options;
  }

  async create(input: NewApiKeyInput): Promise<CreatedApiKey> {
    const now = this.#o.clock();
    if (input.expiresAt !== undefined && input.expiresAt <= now) throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, 'expiresAt', 'must be in the future');
    const id = newApiKeyId();
    const secret = newApiKeySecret();
    const apiKey: ApiKeyRecord = {
      id,
      name: input.name,
      tenant: checkTenant(input.tenant),
      scopes: checkScopes(input.scopes),
      secretHash: this.#o.hasher.hash(id, secret),
      status: 'active',
      createdAt: now,
      updatedAt: now,
    };
    if (input.expiresAt !== undefined) apiKey.expiresAt = input.expiresAt;
    await this.#o.store.insert(apiKey);
    return { apiKey, key: formatApiKey(id, secret) };
  }

  async require(id: string): Promise<ApiKeyRecord> {
    const apiKey = await this.#o.store.get(id);
    if (apiKey === undefined) throw notFound(id);
    return apiKey;
  }

  list(query: ListQuery): Promise<Page<ApiKeyRecord>> {
    return this.#o.store.list(query);
  }

  /** A new secret for the same id, shown once; the old key works for `graceSeconds` more. */
  async rotate(id: string, graceSeconds: number = this.#o.rotationGraceSeconds): Promise<CreatedApiKey> {
    const now = this.#o.clock();
    const secret = newApiKeySecret();
    let refusal: AgentmeshError | undefined;
    const apiKey = await this.#o.store.update(id, (current) => {
      if (current.status === 'revoked') {
        refusal = invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, 'id', `${id} is revoked; create a new key`);
        return undefined;
      }
      const next: ApiKeyRecord = { ...current, secretHash: this.#o.hasher.hash(id, secret), rotatedAt: now, updatedAt: now };
      delete next.previousSecretHash;
      delete next.previousSecretExpiresAt;
      if (graceSeconds > 0) {
        next.previousSecretHash = current.secretHash;
        next.previousSecretExpiresAt = now + graceSeconds * 1000;
      }
      return { record: next, announce: true };
    });
    if (apiKey === undefined) throw notFound(id);
    if (refusal !== undefined) throw refusal;
    this.#forget(id);
    return { apiKey, key: formatApiKey(id, secret) };
  }

  /** Revokes the key: refused here at once, on other replicas at their next sync. */
  async revoke(id: string): Promise<ApiKeyRecord> {
    const now = this.#o.clock();
    const apiKey = await this.#o.store.update(id, (current) => (current.status === 'revoked' ? undefined : { record: { ...current, status: 'revoked', revokedAt: now, updatedAt: now }, announce: true }));
    if (apiKey === undefined) throw notFound(id);
    this.#forget(id);
    return apiKey;
  }

  /**
   * The principal of a presented `X-API-Key`. The secret is checked before
   * anything else is said about the key, so a guesser learns nothing about
   * which ids exist, are revoked or expired.
   */
  async authenticate(presented: string): Promise<Principal> {
    const now = this.#o.clock();
    const matched = this.#matched.get(presented);
    let record: ApiKeyRecord | undefined;
    if (matched !== undefined && matched.until > now) {
      const hit = this.#cache.get(matched.id);
      record = hit !== undefined && hit.until > now ? hit.record : await this.#lookup(matched.id, now);
    } else {
      const parsed = parseApiKey(presented);
      if (parsed === undefined) throw Errors.authApiKeyMalformed({});
      record = await this.#lookup(parsed.id, now);
      const which = matchSecret(this.#o.hasher, parsed.id, parsed.secret, record ?? { secretHash: undefined }, now);
      if (which === undefined || record === undefined) throw Errors.authApiKeyInvalid({});
      this.#remember(presented, { id: record.id, until: which === 'current' ? Number.POSITIVE_INFINITY : record.previousSecretExpiresAt! });
    }
    if (record === undefined) throw Errors.authApiKeyInvalid({});
    if (record.status === 'revoked') throw Errors.authApiKeyRevoked({});
    if (record.expiresAt !== undefined && record.expiresAt <= now) throw Errors.authApiKeyExpired({ expiredAt: new Date(record.expiresAt).toISOString() });
    const principal: Principal = { kind: 'api-key', subject: record.id, clientId: record.id, tenant: record.tenant, scopes: record.scopes };
    if (record.expiresAt !== undefined) principal.expiresAt = Math.floor(record.expiresAt / 1000);
    return principal;
  }

  /** Whether key `id` exists, is not revoked and has not expired (a delegation it started may go on). */
  async isUsable(id: string): Promise<boolean> {
    const now = this.#o.clock();
    const record = await this.#lookup(id, now);
    return record !== undefined && record.status !== 'revoked' && (record.expiresAt === undefined || record.expiresAt > now);
  }

  /** Forgets every cached record (the shared revision moved). */
  invalidate(): void {
    this.#cache.clear();
    this.#matched.clear();
  }

  #forget(id: string): void {
    this.#cache.delete(id);
    for (const [presented, entry] of this.#matched) if (entry.id === id) this.#matched.delete(presented);
  }

  #remember(presented: string, entry: { id: string; until: number }): void {
    if (this.#o.cacheSize === 0) return;
    if (this.#matched.size >= this.#o.cacheSize) {
      const oldest = this.#matched.keys().next().value;
      if (oldest !== undefined) this.#matched.delete(oldest);
    }
    this.#matched.set(presented, entry);
  }

  async #lookup(id: string, now: number): Promise<ApiKeyRecord | undefined> {
    const hit = this.#cache.get(id);
    if (hit !== undefined && hit.until > now) return hit.record;
    const record = await this.#o.store.get(id);
    if (this.#o.cacheSize > 0) {
      if (this.#cache.size >= this.#o.cacheSize) {
        const oldest = this.#cache.keys().next().value;
        if (oldest !== undefined) this.#cache.delete(oldest);
      }
      // Known keys stay until the revision moves; unknown ids only briefly (they may be created next).
      this.#cache.set(id, { record, until: record === undefined ? now + NEGATIVE_TTL_MS : Number.POSITIVE_INFINITY });
    }
    return record;
  }
}

function notFound(id: string): AgentmeshError {
  return Errors.apiKeyNotFound({ keyId: id });
}
