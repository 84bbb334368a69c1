import { hkdfSync } from 'node:crypto';
import { AgentmeshError, ErrorCodes } from '../../../protocol/index.js';
import { readOrCreateSecretFile as readSecretFile } from '../../../storage/index.js';
import type { Logger } from '../../../observability/index.js';

/** The two keys identity derives from its one secret; neither ever leaves the process. */
export interface DerivedKeys {
  /** AES-256-GCM key that seals signing keys at rest. */
  readonly keyEncryptionKey: Buffer;
  /** HMAC-SHA-256 pepper of client-secret and API-key hashes. */
  readonly secretPepper: Buffer;
}

/** Where the secret comes from: the configured value, else the file (created when missing). */
export interface MasterSecretSource {
  secret?: string | undefined;
  file?: string | undefined;
  logger: Logger;
}

const SALT = Buffer.from('agentmesh/gateway/identity');

/**
 * Derives the key-encryption key and the hash pepper from one secret with
 * HKDF-SHA-256 (RFC 5869), each under its own `info`, so neither can stand in
 * for the other. Every replica must use the same secret: keys sealed or
 * hashes made under another one do not open or match.
 */
export async function loadDerivedKeys(source: MasterSecretSource): Promise<DerivedKeys> {
  const secret = source.secret ?? (await readOrCreateSecretFile(source.file, source.logger));
  const ikm = Buffer.from(secret, 'utf8');
  return Object.freeze({
    keyEncryptionKey: Buffer.from(hkdfSync('sha256', ikm, SALT, 'signing-key-encryption v1', 32)),
    secretPepper: Buffer.from(hkdfSync('sha256', ikm, SALT, 'credential-hash-pepper v1', 32)),
  });
}

async function readOrCreateSecretFile(file: string | undefined, logger: Logger): Promise<string> {
  if (file === undefined) throw new AgentmeshError(ErrorCodes.CONFIG_INVALID, 'gateway.identity needs signingKeyEncryptionSecret or secretFile', { expose: false });
  const log = logger.child({ module: 'identity' });
  const found = await readSecretFile(file);
  if (found.loose) log.warn({ file, mode: found.mode.toString(8) }, 'identity secret file is readable by group or others; chmod 600 it');
  if (found.created) log.warn({ file }, 'identity: generated a secret for signing-key encryption; replicas on other hosts need the same secret (set GATEWAY_SECRET)');
  return found.secret;
}
