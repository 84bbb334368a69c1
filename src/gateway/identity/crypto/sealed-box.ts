import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AgentmeshError, ErrorCodes } from '../../../protocol/index.js';

const VERSION = 'v1';

/**
 * Seals `plaintext` with AES-256-GCM under `key`, binding it to `context`
 * (additional data: the key id), so a sealed value copied onto another row
 * does not open. Output: `v1.<iv>.<tag>.<ciphertext>`, base64url parts.
 */
export function seal(key: Buffer, plaintext: Buffer, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
}

/** Opens what {@link seal} made; a wrong key, context or a modified value is AM_ERR_CONFIG_INVALID. */
export function open(key: Buffer, sealed: string, context: string): Buffer {
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined) {
    throw new AgentmeshError(ErrorCodes.CONFIG_INVALID, `sealed value of ${context} has an unknown format`, { expose: false });
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
  } catch (err) {
    throw new AgentmeshError(
      ErrorCodes.CONFIG_INVALID,
      `signing key ${context} cannot be decrypted: the identity secret (signingKeyEncryptionSecret / secret file) differs from the one that encrypted it`,
      { expose: false, cause: err },
    );
  }
}
