import { hkdfSync } from 'node:crypto';
import { Errors } from '../../../protocol/index.js';
import { readOrCreateSecretFile as readSecretFile, type SealingKeys } from '../../../storage/index.js';
import type { Logger } from '../../../observability/index.js';

/** The keys identity derives from its secret (and, during a rotation, the previous one); none ever leaves the process. */
export interface DerivedKeys {
  /** AES-256-GCM keys that seal signing keys and the credential pepper at rest. */
  readonly keyEncryption: SealingKeys;
  /**
   * The HMAC pepper each secret derives, for a database whose pepper is not
   * stored yet (written by a version that derived it on every start): the
   * stored one is adopted from the secret that sealed the signing keys.
   */
  readonly derivedPeppers: { readonly current: Buffer; readonly previous?: Buffer | undefined };
}

/** Where the secret comes from: the configured value, else the file (created when missing). */
export interface MasterSecretSource {
  secret?: string | undefined;
  /** The secret being retired (GATEWAY_SECRET_PREVIOUS). */
  previousSecret?: string | undefined;
  file?: string | undefined;
  logger: Logger;
  /** Level of the line that says the file was just generated. Default `warn`. */
  generatedLogLevel?: 'warn' | 'info' | undefined;
}

const SALT = Buffer.from('agentmesh/gateway/identity');

const keyEncryptionKey = (ikm: Buffer): Buffer => Buffer.from(hkdfSync('sha256', ikm, SALT, 'signing-key-encryption v1', 32));
const derivedPepper = (ikm: Buffer): Buffer => Buffer.from(hkdfSync('sha256', ikm, SALT, 'credential-hash-pepper v1', 32));

/**
 * Derives the key-encryption key (and the pepper an older database used)
 * from each secret with HKDF-SHA-256 (RFC 5869), each under its own `info`,
 * so neither can stand in for the other. Every replica must use the same
 * secret; during a rotation, the same two.
 */
export async function loadDerivedKeys(source: MasterSecretSource): Promise<DerivedKeys> {
  const secret = source.secret ?? (await readOrCreateSecretFile(source.file, source.logger, source.generatedLogLevel ?? 'warn'));
  return deriveKeys(secret, source.previousSecret);
}

/** {@link loadDerivedKeys} from the secrets themselves. */
export function deriveKeys(secret: string, previousSecret?: string): DerivedKeys {
  const ikm = Buffer.from(secret, 'utf8');
  const previous = previousSecret === undefined ? undefined : Buffer.from(previousSecret, 'utf8');
  return Object.freeze({
    keyEncryption: Object.freeze({ current: keyEncryptionKey(ikm), previous: previous && keyEncryptionKey(previous) }),
    derivedPeppers: Object.freeze({ current: derivedPepper(ikm), previous: previous && derivedPepper(previous) }),
  });
}

async function readOrCreateSecretFile(file: string | undefined, logger: Logger, generatedLogLevel: 'warn' | 'info'): Promise<string> {
  if (file === undefined) throw Errors.identitySecretMissing({});
  const log = logger.child({ module: 'identity' });
  const found = await readSecretFile(file);
  if (found.loose) log.warn({ file, mode: found.mode.toString(8) }, 'identity secret file is readable by group or others; chmod 600 it');
  if (found.created) log[generatedLogLevel]({ file }, 'identity: generated a secret for signing-key encryption; replicas on other hosts need the same secret (set GATEWAY_SECRET)');
  return found.secret;
}
