import type { JWK } from 'jose';
import type { SsrfGuard } from '../../../http/index.js';
import type { AgentmeshError} from '../../../protocol/index.js';
import { Errors, invalidArgument, ErrorCodes } from '../../../protocol/index.js';
import { newClientId, newClientSecret } from '../crypto/credential-ids.js';
import type { SecretHasher } from '../crypto/secret-hash.js';
import type { ClientStore } from '../store/client-store.js';
import type { ListQuery, Page } from '../store/page.js';
import type { ClientAuthMethod, ClientRecord, RateLimit } from '../store/records.js';
import type { RevocationList } from '../tokens/revocation-list.js';
import { checkClientJwks, checkJwksUri } from './client-keys.js';
import { secretMatches } from './client-secrets.js';
import { checkAudiences, checkScopes, checkTenant } from './input-rules.js';

/** Body of `POST /v1/clients`. */
export interface NewClientInput {
  name: string;
  tenant: string;
  scopes: string[];
  /** Default: the gateway's audience. */
  audiences?: string[];
  authMethod: ClientAuthMethod;
  /** private_key_jwt: the client's public keys… */
  jwks?: { keys: JWK[] };
  /** …or where to fetch them. */
  jwksUri?: string;
  rateLimit?: RateLimit;
}

/** A new client and its secret, shown once (none for private_key_jwt). */
export interface CreatedClient {
  client: ClientRecord;
  secret?: string;
}

/** Options of {@link ClientService}. */
export interface ClientServiceOptions {
  store: ClientStore;
  hasher: SecretHasher;
  revocations: RevocationList;
  guard: SsrfGuard;
  defaultAudience: string;
  rotationGraceSeconds: number;
  clock: () => number;
}

/**
 * OAuth clients: registration, secret rotation with a grace period,
 * revocation, and secret checks for the token endpoint.
 */
export class ClientService {
  readonly #o: ClientServiceOptions;

  constructor(options: ClientServiceOptions) {
    this.#o = options;
  }

  async create(input: NewClientInput): Promise<CreatedClient> {
    const now = this.#o.clock();
    const id = newClientId();
    const record: ClientRecord = {
      id,
      name: input.name,
      tenant: checkTenant(input.tenant),
      scopes: checkScopes(input.scopes),
      audiences: checkAudiences(input.audiences ?? [this.#o.defaultAudience]),
      authMethod: input.authMethod,
      status: 'active',
      createdAt: now,
      updatedAt: now,
    };
    if (input.rateLimit !== undefined) record.rateLimit = { requestsPerMinute: input.rateLimit.requestsPerMinute, burst: input.rateLimit.burst };
    let secret: string | undefined;
    if (input.authMethod === 'private_key_jwt') {
      if ((input.jwks === undefined) === (input.jwksUri === undefined)) throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, 'jwks', 'private_key_jwt needs exactly one of jwks and jwksUri');
      if (input.jwks !== undefined) record.jwks = checkClientJwks(input.jwks);
      else record.jwksUri = await checkJwksUri(input.jwksUri!, this.#o.guard);
    } else {
      if (input.jwks !== undefined || input.jwksUri !== undefined) throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, 'jwks', `is only for private_key_jwt; ${input.authMethod} clients authenticate with a secret`);
      secret = newClientSecret();
      record.secretHash = this.#o.hasher.hash(id, secret);
    }
    await this.#o.store.insert(record);
    return secret === undefined ? { client: record } : { client: record, secret };
  }

  get(id: string): Promise<ClientRecord | undefined> {
    return this.#o.store.get(id);
  }

  /** The client, or AM_ERR_IDENTITY_CLIENT_NOT_FOUND. */
  async require(id: string): Promise<ClientRecord> {
    const client = await this.#o.store.get(id);
    if (client === undefined) throw Errors.clientNotFound({ clientId: id });
    return client;
  }

  list(query: ListQuery): Promise<Page<ClientRecord>> {
    return this.#o.store.list(query);
  }

  /**
   * A new secret, shown once. The old one keeps working for `graceSeconds`
   * (default: the configured grace) so deployed callers can switch over;
   * 0 ends it at once.
   */
  async rotateSecret(id: string, graceSeconds: number = this.#o.rotationGraceSeconds): Promise<CreatedClient & { secret: string }> {
    const now = this.#o.clock();
    const secret = newClientSecret();
    let refusal: AgentmeshError | undefined;
    const client = await this.#o.store.update(id, (current) => {
      if (current.status === 'revoked') refusal = invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, 'client_id', `${id} is revoked; register a new client`);
      else if (current.authMethod === 'private_key_jwt') refusal = invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, 'client_id', `${id} authenticates with private_key_jwt and has no secret; rotate its keys instead`);
      if (refusal !== undefined) return undefined;
      const next: ClientRecord = { ...current, secretHash: this.#o.hasher.hash(id, secret), secretRotatedAt: now, updatedAt: now };
      delete next.previousSecretHash;
      delete next.previousSecretExpiresAt;
      if (graceSeconds > 0 && current.secretHash !== undefined) {
        next.previousSecretHash = current.secretHash;
        next.previousSecretExpiresAt = now + graceSeconds * 1000;
      }
      return { record: next, announce: false };
    });
    if (client === undefined) throw Errors.clientNotFound({ clientId: id });
    if (refusal !== undefined) throw refusal;
    return { client, secret };
  }

  /** Revokes the client: no new tokens, and its tokens stop working (here at once, on other replicas at their next sync). */
  async revoke(id: string): Promise<ClientRecord> {
    const now = this.#o.clock();
    const client = await this.#o.store.update(id, (current) => (current.status === 'revoked' ? undefined : { record: { ...current, status: 'revoked', revokedAt: now, updatedAt: now }, announce: true }));
    if (client === undefined) throw Errors.clientNotFound({ clientId: id });
    this.#o.revocations.addClient(id, client.revokedAt ?? now);
    return client;
  }

  /** The client when `secret` is its secret (or its previous one within the grace period); undefined otherwise. */
  async verifySecret(id: string, secret: string): Promise<ClientRecord | undefined> {
    const client = await this.#o.store.get(id);
    const ok = secretMatches(this.#o.hasher, id, secret, client ?? {}, this.#o.clock());
    return ok ? client : undefined;
  }
}
