import type { Database, ResealCount } from '../../storage/index.js';
import { resealCredentialPepper } from './crypto/credential-pepper.js';
import { deriveKeys, type DerivedKeys } from './crypto/master-secret.js';
import { SigningKeyStore } from './store/signing-key-store.js';

/** What a rotation of GATEWAY_SECRET found, per kind of sealed row. */
export interface IdentityResealResult {
  signingKeys: ResealCount;
  credentialPepper: ResealCount;
}

/** Options of {@link resealGatewaySecrets}. */
export interface ResealGatewaySecretsOptions {
  database: Database;
  /** The new GATEWAY_SECRET. */
  secret: string;
  /** The secret being retired (GATEWAY_SECRET_PREVIOUS). */
  previousSecret: string;
  /** Count what is still sealed under the previous secret; write nothing. */
  dryRun?: boolean;
}

/**
 * Finishes a rotation of GATEWAY_SECRET: re-seals under `secret` every
 * signing key and the credential pepper that only `previousSecret` opens.
 * Each row is replaced only if unchanged since read, so it runs beside
 * serving replicas (which open either) and a second run finds nothing.
 * A row neither secret opens fails it with AM_ERR_CONFIG_INVALID.
 *
 * @example
 * const { signingKeys } = await resealGatewaySecrets({ database, secret: next, previousSecret: old });
 */
export function resealGatewaySecrets(options: ResealGatewaySecretsOptions): Promise<IdentityResealResult> {
  return resealIdentity(options.database, deriveKeys(options.secret, options.previousSecret), { dryRun: options.dryRun ?? false });
}

/** {@link resealGatewaySecrets} with keys already derived. */
export async function resealIdentity(database: Database, keys: DerivedKeys, options: { dryRun: boolean }): Promise<IdentityResealResult> {
  const signingKeys = await new SigningKeyStore(database, keys.keyEncryption).resealUnderPrevious(options.dryRun);
  const credentialPepper = await resealCredentialPepper(database, keys, options.dryRun);
  return { signingKeys, credentialPepper };
}
