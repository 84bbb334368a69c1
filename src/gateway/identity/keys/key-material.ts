import { createPublicKey, generateKeyPair as generateNodeKeyPair } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, importJWK, importPKCS8 } from 'jose';
import type { CryptoKey, JWK } from 'jose';

/** Algorithms identity signs with. Pinned: nothing else is produced or accepted for its own tokens. */
export type SigningAlg = (typeof SIGNING_ALGS)[number];
export const SIGNING_ALGS = ['ES256', 'RS256'] as const;

/** The public half as published in the JWKS (RFC 7517). */
export interface PublicSigningJwk extends JWK {
  kid: string;
  alg: SigningAlg;
  use: 'sig';
  kty: string;
}

/** A freshly generated key, ready to be sealed and stored. */
export interface GeneratedKey {
  kid: string;
  alg: SigningAlg;
  publicJwk: PublicSigningJwk;
  /** PKCS#8 DER; sealed before it is stored, never logged. */
  privatePkcs8: Buffer;
}

/** A key in use: imported once, then signs or verifies without re-parsing. */
export interface SigningKey {
  readonly kid: string;
  readonly generation: number;
  readonly alg: SigningAlg;
  readonly publicJwk: PublicSigningJwk;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly createdAt: number;
  /** When it starts signing (epoch ms); published before. */
  readonly activatesAt: number;
}

/** Generates a P-256 (ES256) or 2048-bit RSA (RS256) key; its kid is the RFC 7638 thumbprint. */
export async function generateSigningKey(alg: SigningAlg): Promise<GeneratedKey> {
  return describe(await generatePrivateKey(alg), alg);
}

/** Node's generateKeyPair, its callback typed by the overload that makes KeyObjects. */
function generatePrivateKey(alg: SigningAlg): Promise<KeyObject> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, _publicKey: KeyObject, privateKey: KeyObject) => (err ? reject(err) : resolve(privateKey));
    if (alg === 'ES256') generateNodeKeyPair('ec', { namedCurve: 'P-256' }, done);
    else generateNodeKeyPair('rsa', { modulusLength: 2048, publicExponent: 0x10001 }, done);
  });
}

async function describe(privateKey: KeyObject, alg: SigningAlg): Promise<GeneratedKey> {
  const pub = createPublicKey(privateKey).export({ format: 'jwk' });
  // Only the members RFC 7638 hashes (and verifiers need): nothing private can leak into the JWKS.
  const base: JWK = pub.kty === 'EC' ? { kty: 'EC', crv: pub.crv!, x: pub.x!, y: pub.y! } : { kty: 'RSA', n: pub.n!, e: pub.e! };
  const kid = await calculateJwkThumbprint(base, 'sha256');
  return {
    kid,
    alg,
    publicJwk: { ...base, kty: base.kty!, kid, alg, use: 'sig' },
    privatePkcs8: privateKey.export({ format: 'der', type: 'pkcs8' }),
  };
}

/** Imports a stored key for signing and verification. */
export async function importSigningKey(row: { kid: string; generation: number; alg: SigningAlg; publicJwk: PublicSigningJwk; privatePkcs8: Buffer; createdAt: number; activatesAt: number }): Promise<SigningKey> {
  const pem = `-----BEGIN PRIVATE KEY-----\n${row.privatePkcs8.toString('base64')}\n-----END PRIVATE KEY-----`;
  const [privateKey, publicKey] = await Promise.all([importPKCS8(pem, row.alg), importJWK(row.publicJwk, row.alg)]);
  // importJWK answers bytes for a symmetric (oct) JWK, which no ES256/RS256 key is.
  if (publicKey instanceof Uint8Array) throw new TypeError(`signing key ${row.kid}: its public JWK is not an asymmetric key`);
  return Object.freeze({ kid: row.kid, generation: row.generation, alg: row.alg, publicJwk: Object.freeze({ ...row.publicJwk }), privateKey, publicKey, createdAt: row.createdAt, activatesAt: row.activatesAt });
}
