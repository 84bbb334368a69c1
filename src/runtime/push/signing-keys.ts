import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { link, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';
import { Errors, errorCode, errorMessage, isRecord } from '../../protocol/index.js';
import type { Logger } from '../../observability/index.js';
import { makeFolderSync } from '../../storage/index.js';

/** Signature algorithms a push signing key may use. Pinned: nothing else is ever produced or accepted. */
export type SigningAlgorithm = 'ES256' | 'RS256';

/** The public half of a signing key as published in the JWKS (RFC 7517). */
export interface PublicSigningJwk extends JWK {
  kid: string;
  alg: SigningAlgorithm;
  use: 'sig';
}

/** A loaded signing key: what signs push notifications and what the JWKS endpoint publishes. */
export interface SigningKey {
  /** RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key: stable across restarts and replicas. */
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  /** The private key; never log or serialize it. */
  readonly privateKey: KeyObject;
  /** The public JWK with `kid`, `alg` and `use: 'sig'`. */
  readonly publicJwk: PublicSigningJwk;
  /** The JWK Set to serve at `/.well-known/jwks.json`. */
  jwks(): { keys: PublicSigningJwk[] };
}

/** Options of {@link loadSigningKey}. Set at most one of `privateKeyPem` and `jwk`. */
export interface LoadSigningKeyOptions {
  /** A PEM private key (PKCS#8, SEC1 `EC PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`). */
  privateKeyPem?: string | undefined;
  /** A private JWK (must hold `d`). */
  jwk?: JsonWebKey | JWK | undefined;
  /**
   * Where a generated key is persisted (e.g. `<dataDir>/signing-key.json`,
   * mode 0600) and read back on the next start, so restarts and replicas that
   * share the data dir keep one `kid`. Ignored when a key is configured.
   */
  file?: string | undefined;
  /** Default `ES256` (P-256). `RS256` needs an RSA key of at least 2048 bits. */
  alg?: SigningAlgorithm | undefined;
  /** Parent logger; warnings go out under `{ component: 'push' }`. */
  logger: Logger;
  /** Level of the line that says a generated key is in use. Default `warn`. */
  generatedLogLevel?: 'warn' | 'info' | undefined;
}

/** What a persisted generated key file holds: the private JWK plus its algorithm. */
interface KeyFile {
  alg: SigningAlgorithm;
  jwk: JsonWebKey;
  createdAt: string;
}

const ALGORITHMS: readonly SigningAlgorithm[] = ['ES256', 'RS256'];

/**
 * Loads the key that signs push notifications (and any other JWS the runtime
 * emits). A configured PEM or JWK wins; otherwise a key is generated once and
 * persisted to `file`, and a warning says so, since a generated key is not
 * what a production fleet should rotate by hand.
 *
 * @example
 * import { loadSigningKey } from './push/index.js';
 * const key = await loadSigningKey({ file: join(dataDir, 'signing-key.json'), logger });
 * app.get('/.well-known/jwks.json', () => key.jwks());
 */
export async function loadSigningKey(options: LoadSigningKeyOptions): Promise<SigningKey> {
  const alg = options.alg ?? 'ES256';
  if (!ALGORITHMS.includes(alg)) throw Errors.pushKeyAlgUnknown({ algorithms: ALGORITHMS.join(', '), given: JSON.stringify(alg) });
  if (options.privateKeyPem !== undefined && options.jwk !== undefined) {
    throw Errors.pushKeyTwoSources({});
  }
  const log = options.logger.child({ module: 'push' });

  if (options.privateKeyPem !== undefined) {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: options.privateKeyPem, format: 'pem' });
    } catch (err) {
      throw Errors.pushKeyPemUnreadable({}, { cause: err });
    }
    return build(key, alg, 'privateKeyPem');
  }
  if (options.jwk !== undefined) {
    return build(privateKeyFromJwk(options.jwk, '"jwk"'), alg, 'jwk');
  }
  if (options.file === undefined) {
    log.warn('push signing key: none configured and no file to persist one; using a key generated for this process only (receivers must refetch the JWKS after every restart)');
    return build(await generate(alg), alg, 'generated');
  }

  const key = await readOrCreateKeyFile(options.file, alg, log);
  const signingKey = await build(key, alg, options.file);
  // Once per file and process: `agentmesh up` hosts two runtimes (the agents and the orchestrator) on one data dir.
  if (!warnedKeyFiles.has(options.file)) {
    warnedKeyFiles.add(options.file);
    log[options.generatedLogLevel ?? 'warn']({ kid: signingKey.kid, file: options.file }, 'push signing key: using a generated key; configure a managed key (privateKeyPem or jwk) for production');
  }
  return signingKey;
}

/** Key files this process has warned about already. */
const warnedKeyFiles = new Set<string>();

async function build(privateKey: KeyObject, alg: SigningAlgorithm, source: string): Promise<SigningKey> {
  checkKeyMatchesAlg(privateKey, alg, source);
  const pub = createPublicKey(privateKey).export({ format: 'jwk' });
  // Only the public members, in case the runtime adds any: RFC 7638 hashes the required ones anyway.
  const base: JWK = pub.kty === 'EC' ? { kty: 'EC', crv: pub.crv!, x: pub.x!, y: pub.y! } : { kty: 'RSA', n: pub.n!, e: pub.e! };
  const kid = await calculateJwkThumbprint(base, 'sha256');
  const publicJwk: PublicSigningJwk = Object.freeze({ ...base, kid, alg, use: 'sig' as const });
  return Object.freeze({
    kid,
    alg,
    privateKey,
    publicJwk,
    jwks: () => ({ keys: [publicJwk] }),
  });
}

function checkKeyMatchesAlg(key: KeyObject, alg: SigningAlgorithm, source: string): void {
  if (key.type !== 'private') throw Errors.pushKeyNotPrivate({ source });
  if (alg === 'ES256') {
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw Errors.pushKeyNotP256({ source, key: describe(key) });
    }
    return;
  }
  if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw Errors.pushKeyRsaTooSmall({ source, key: describe(key) });
  }
}

function describe(key: KeyObject): string {
  const d = key.asymmetricKeyDetails;
  return [key.asymmetricKeyType ?? 'unknown', d?.namedCurve, d?.modulusLength === undefined ? undefined : `${d.modulusLength} bits`].filter(Boolean).join(' ');
}

/** The private key of a JWK from a caller or a file (any JSON until checked): one with `d`, which Node accepts. */
function privateKeyFromJwk(jwk: unknown, source: string): KeyObject {
  if (!isRecord(jwk) || typeof jwk['d'] !== 'string') throw Errors.pushKeyJwkNotPrivate({ source });
  try {
    return createPrivateKey({ key: jwk, format: 'jwk' });
  } catch (err) {
    throw Errors.pushKeyJwkUnusable({ source }, { cause: err });
  }
}

async function generate(alg: SigningAlgorithm): Promise<KeyObject> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  return privateKeyFromJwk(await exportJWK(privateKey), 'generated key');
}

/**
 * Reads the persisted key, or generates and persists one. Creation is
 * race-free across replicas sharing the directory: the key is written to a
 * private temp file and hard-linked into place, and `link` fails with EEXIST
 * when another process won, in which case its key is read instead. A reader
 * therefore never sees a half-written file.
 */
async function readOrCreateKeyFile(file: string, alg: SigningAlgorithm, log: Logger): Promise<KeyObject> {
  const existing = await readKeyFile(file, alg, log);
  if (existing !== undefined) return existing;

  const key = await generate(alg);
  const content: KeyFile = { alg, jwk: key.export({ format: 'jwk' }), createdAt: new Date().toISOString() };
  makeFolderSync(dirname(file), 0o700);
  const tmp = `${file}.${randomUUID()}.tmp`;
  await writeFile(tmp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(tmp, file);
    log.info({ file }, 'push signing key: generated and persisted a new key');
    return key;
  } catch (err) {
    if (errorCode(err) !== 'EEXIST') throw Errors.pushKeyNotPersisted({ file, reason: errorMessage(err) }, { cause: err });
    const winner = await readKeyFile(file, alg, log);
    if (winner === undefined) throw Errors.pushKeyFileVanished({ file });
    return winner;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

async function readKeyFile(file: string, alg: SigningAlgorithm, log: Logger): Promise<KeyObject | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw Errors.pushKeyFileUnreadable({ file, reason: errorMessage(err) }, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // Never overwrite a damaged key file: that would silently change the kid receivers trust.
    throw Errors.pushKeyFileNotJson({ file }, { cause: err });
  }
  const fileAlg = isRecord(parsed) ? parsed['alg'] : undefined;
  const jwk = isRecord(parsed) ? parsed['jwk'] : undefined;
  if (fileAlg !== alg) throw Errors.pushKeyFileOtherAlg({ file, fileAlg: String(fileAlg), alg });
  if (jwk === undefined) throw Errors.pushKeyFileWithoutJwk({ file });
  const mode = (await stat(file)).mode & 0o777;
  if ((mode & 0o077) !== 0) log.warn({ file, mode: mode.toString(8) }, 'push signing key file is readable by other users; chmod 600 it');
  return privateKeyFromJwk(jwk, `signing key file ${file}`);
}
