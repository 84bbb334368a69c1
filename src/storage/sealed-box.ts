import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Errors } from '../protocol/index.js';

const VERSION = 'v1';
const SEALED = /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/;

/**
 * Derives a 32-byte AES-256-GCM key from a secret with HKDF-SHA-256
 * (RFC 5869). Each use names its own `salt` and `info`, so a key derived for
 * one purpose cannot stand in for another's.
 *
 * @example
 * const key = deriveSealingKey(secret, 'agentmesh/runtime', 'push-config-encryption v1');
 */
export function deriveSealingKey(secret: string, salt: string, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.from(salt, 'utf8'), info, 32));
}

/**
 * Seals `plaintext` with AES-256-GCM under `key`, binding it to `context`
 * (additional data: the row it belongs to), so a sealed value copied onto
 * another row does not open. Output: `v1.<iv>.<tag>.<ciphertext>`, base64url
 * parts. The same format as the gateway's sealed signing keys.
 *
 * @example
 * const stored = sealValue(key, Buffer.from(json, 'utf8'), `push-config:${taskId}/${id}`);
 */
export function sealValue(key: Buffer, plaintext: Buffer, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
}

/**
 * True when `text` has the shape {@link sealValue} produces (JSON, for one, never does).
 *
 * @example
 * const json = isSealedValue(stored) ? openSealedValue(key, stored, context).toString('utf8') : stored;
 */
export function isSealedValue(text: string): boolean {
  return SEALED.test(text);
}

/**
 * Opens what {@link sealValue} made. A wrong key, another context or a modified
 * value is AM_ERR_CONFIG_INVALID (not exposed): the secret differs from the
 * one that sealed it, or the value was tampered with.
 *
 * @example
 * const json = openSealedValue(key, stored, `push-config:${taskId}/${id}`).toString('utf8');
 */
export function openSealedValue(key: Buffer, sealed: string, context: string): Buffer {
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined) {
    throw Errors.sealedValueUnknownFormat({ context });
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
  } catch (err) {
    throw Errors.sealedValueSealedElsewhere({ context }, { cause: err });
  }
}
