import { createPublicKey } from 'node:crypto';
import type { JWK } from 'jose';
import type { SsrfGuard } from '../../../http/index.js';
import { ErrorCodes, isAgentmeshError, isRecord, invalidArgument } from '../../../protocol/index.js';

/** Members only a private JWK has (RFC 7518 §6.2.2, §6.3.2; RFC 8037). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const ASYMMETRIC = new Set(['EC', 'RSA', 'OKP']);
const MAX_KEYS = 20;

/**
 * Checks the JWK Set a private_key_jwt client registers: public asymmetric
 * keys only, each one parseable. A private member is refused rather than
 * stripped: whoever sent it has leaked the key and must make another.
 */
export function checkClientJwks(jwks: unknown): { keys: JWK[] } {
  const keys: unknown = isRecord(jwks) ? jwks['keys'] : undefined;
  if (!Array.isArray(keys)) throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, 'jwks', 'must be a JWK Set: { "keys": [ … ] }');
  const checked: JWK[] = [];
  if (keys.length === 0 || keys.length > MAX_KEYS) throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, 'jwks.keys', `must hold 1 to ${MAX_KEYS} keys`);
  keys.forEach((key: unknown, i) => {
    const field = `jwks.keys[${i}]`;
    if (!isRecord(key)) throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, field, 'must be a JWK object');
    const kty = key['kty'];
    if (typeof kty !== 'string' || !ASYMMETRIC.has(kty)) throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, `${field}.kty`, 'must be EC, RSA or OKP (public-key signatures only)');
    const jwk = { ...key, kty };
    const leaked = PRIVATE_MEMBERS.find((m) => m in jwk);
    if (leaked !== undefined) throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, field, `holds the private member "${leaked}": register the public key only (and replace this key, it has been exposed)`);
    if (key['use'] !== undefined && key['use'] !== 'sig') throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, `${field}.use`, 'must be "sig" when present');
    try {
      createPublicKey({ key: jwk, format: 'jwk' });
    } catch {
      throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, field, 'is not a valid public JWK');
    }
    checked.push(jwk);
  });
  return { keys: checked };
}

/**
 * Checks a jwks_uri: an absolute http(s) URL the SSRF guard lets through.
 * A host that does not resolve yet is accepted (DNS may come later); an
 * address the guard refuses is not.
 */
export async function checkJwksUri(uri: string, guard: SsrfGuard): Promise<string> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, 'jwksUri', 'must be an absolute https URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, 'jwksUri', 'must be an absolute https URL');
  try {
    await guard.check(url);
  } catch (err) {
    if (isAgentmeshError(err) && err.code === ErrorCodes.SSRF_BLOCKED) throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, 'jwksUri', `is refused by the outbound policy: ${err.message}`);
  }
  return url.href;
}
