import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { SignJWT, createLocalJWKSet, createRemoteJWKSet, jwtVerify } from 'jose';
import type { JSONWebKeySet, JWTPayload, JWTVerifyGetKey } from 'jose';
import { type AgentmeshError, Errors, errorMessage } from '../../protocol/index.js';
import type { SigningAlgorithm, SigningKey } from './signing-keys.js';

/**
 * The request header carrying the delivery's signature. A2A v1 leaves the
 * authenticity of webhook calls to the agent (§13.2: receivers "SHOULD
 * implement appropriate security measures to verify the notification
 * source"); this header is agentmesh's answer, next to the config's own
 * `authentication` and `token`.
 */
export const PUSH_SIGNATURE_HEADER = 'X-A2A-Notification-Signature';

/** Lifetime of a push signature: `exp = iat + 300`. */
export const PUSH_SIGNATURE_TTL_SECONDS = 300;

/** Algorithms a verifier accepts. `none` and every HMAC algorithm are refused (no alg confusion). */
export const PUSH_SIGNATURE_ALGORITHMS: readonly SigningAlgorithm[] = ['ES256', 'RS256'];

/** The claims of a push signature (a JWT, RFC 7519). */
export interface PushSignatureClaims extends JWTPayload {
  /** The agent's base URL (or card URL): who sent the notification. */
  iss: string;
  /** The webhook URL the notification was POSTed to. */
  aud: string | string[];
  iat: number;
  exp: number;
  /** Unique per delivery attempt: receivers may reject a jti they have seen (replay). */
  jti: string;
  /** base64url(SHA-256(request body bytes)): binds the signature to this exact body. */
  body_sha256: string;
  /**
   * The event's sequence number in its task's log (also sent as the
   * `Agentmesh-Event-Seq` header): the same on every attempt of one
   * notification, so (task id, seq) de-duplicates at-least-once deliveries.
   */
  event_seq?: number;
}

/** Signs push deliveries. Built by {@link createPushSigner}. */
export interface PushSigner {
  /** The header name the signature goes in ({@link PUSH_SIGNATURE_HEADER}). */
  readonly headerName: string;
  /**
   * Signs one delivery attempt: a compact JWS over claims that bind the
   * issuer, the webhook URL, the time and the exact body bytes.
   */
  sign(input: { issuer: string; audience: string; body: string | Uint8Array; now: number; eventSeq?: number }): Promise<string>;
}

/** Options of {@link createPushSigner}. */
export interface PushSignerOptions {
  /** The signing key from {@link loadSigningKey}. */
  key: SigningKey;
  /** Source of `jti` values. Default `crypto.randomUUID`. */
  jti?: () => string;
}

/**
 * base64url SHA-256 of a request body. A string is hashed as the UTF-8
 * bytes `fetch` sends for it.
 */
export function bodySha256(body: string | Uint8Array): string {
  return createHash('sha256').update(body).digest('base64url');
}

/**
 * Creates the signer of push deliveries.
 *
 * @example
 * import { createPushSigner, loadSigningKey } from './push/index.js';
 * const signer = createPushSigner({ key: await loadSigningKey({ file, logger }) });
 * const jws = await signer.sign({ issuer: 'https://agents.example.com/agents/sales', audience: webhookUrl, body, now: Date.now() });
 * headers[signer.headerName] = jws;
 */
export function createPushSigner(options: PushSignerOptions): PushSigner {
  const { key } = options;
  const jti = options.jti ?? randomUUID;
  return Object.freeze({
    headerName: PUSH_SIGNATURE_HEADER,
    async sign(input: { issuer: string; audience: string; body: string | Uint8Array; now: number; eventSeq?: number }): Promise<string> {
      const iat = Math.floor(input.now / 1000);
      return new SignJWT({ body_sha256: bodySha256(input.body), ...(input.eventSeq !== undefined && { event_seq: input.eventSeq }) })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
        .setIssuer(input.issuer)
        .setAudience(input.audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + PUSH_SIGNATURE_TTL_SECONDS)
        .setJti(jti())
        .sign(key.privateKey);
    },
  });
}

/** Options of {@link verifyPushSignature}. Give `jwks` or `jwksUrl`. */
export interface VerifyPushSignatureOptions {
  /** The `X-A2A-Notification-Signature` header value. */
  signature: string;
  /** The request body exactly as received (raw bytes, or the undecoded text). */
  body: string | Uint8Array;
  /** Your webhook URL, exactly as registered in the push config. */
  audience: string;
  /**
   * The agent's key set, or a resolver such as jose's `createRemoteJWKSet(url)`
   * (pass one you keep, so its cache is reused across calls).
   */
  jwks?: JSONWebKeySet | JWTVerifyGetKey;
  /**
   * The agent's JWKS URL (`https://<agent host>/.well-known/jwks.json`). Configure
   * it out of band: never derive it from the unverified token's `iss`.
   * Fetched on each call; prefer `jwks` with a kept resolver at volume.
   */
  jwksUrl?: string | URL;
  /** Expected `iss`; checked when set. */
  issuer?: string;
  /** Clock of the check, epoch ms. Default `Date.now()`. */
  now?: number;
  /** Allowed clock skew, seconds. Default 30. */
  clockToleranceSeconds?: number;
}

/** Reasons in the `details.reason` of a rejected signature. */
export type PushSignatureFailure = 'malformed' | 'algorithm' | 'key' | 'signature' | 'expired' | 'claims' | 'body_mismatch';

function reject(reason: PushSignatureFailure, message: string, cause?: unknown): AgentmeshError {
  return Errors.pushSignatureRejected({ problem: message }, { details: { reason }, ...(cause === undefined ? {} : { cause }) });
}

function failureOf(err: unknown): PushSignatureFailure {
  // jose errors carry stable codes; match on them, not on classes (a second
  // copy of jose in node_modules would defeat instanceof).
  switch ((err as { code?: unknown }).code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return 'claims';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return 'algorithm';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'signature';
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
    case 'ERR_JWK_INVALID':
      return 'key';
    default:
      return 'malformed';
  }
}

/**
 * Verifies a push notification the way a receiver should: the algorithm is
 * pinned to ES256/RS256 (`none` and HS* are refused, whatever the header
 * says), the key comes from the agent's JWKS by `kid`, `typ` must be `JWT`,
 * `aud` must be the receiver's own webhook URL, `exp`/`iat` must hold, and
 * `body_sha256` must match the body received. Rejects with
 * `AM_ERR_AUTH_UNAUTHENTICATED` and `details.reason` ({@link PushSignatureFailure}).
 *
 * @example
 * import { createRemoteJWKSet } from 'jose';
 * import { verifyPushSignature } from 'agentmesh/runtime';
 * const jwks = createRemoteJWKSet(new URL('https://agents.example.com/.well-known/jwks.json'));
 * const claims = await verifyPushSignature({
 *   jwks, signature: req.headers['x-a2a-notification-signature'], body: rawBody, audience: 'https://me.example.com/hooks/a2a',
 * });
 */
export async function verifyPushSignature(options: VerifyPushSignatureOptions): Promise<PushSignatureClaims> {
  if (typeof options.signature !== 'string' || options.signature === '') throw reject('malformed', 'the signature header is missing');
  const getKey = keyResolver(options);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(options.signature, getKey, {
      algorithms: [...PUSH_SIGNATURE_ALGORITHMS],
      typ: 'JWT',
      audience: options.audience,
      ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
      currentDate: new Date(options.now ?? Date.now()),
      clockTolerance: options.clockToleranceSeconds ?? 30,
      // Bounds the lifetime even if a token claims a far `exp`.
      maxTokenAge: PUSH_SIGNATURE_TTL_SECONDS,
      requiredClaims: ['iss', 'aud', 'iat', 'exp', 'jti', 'body_sha256'],
    }));
  } catch (err) {
    const reason = failureOf(err);
    throw reject(reason, errorMessage(err), err);
  }
  const claimed = payload.body_sha256;
  if (typeof claimed !== 'string' || !sameDigest(claimed, bodySha256(options.body))) {
    throw reject('body_mismatch', 'body_sha256 does not match the request body');
  }
  if (!isPushSignatureClaims(payload)) throw reject('claims', 'the claims are not those of a push signature');
  return payload;
}

/** The claims' types (jose checked that the required ones are present, and the times). */
function isPushSignatureClaims(payload: JWTPayload): payload is PushSignatureClaims {
  const { iss, aud, iat, exp, jti, body_sha256: digest, event_seq: seq } = payload;
  return typeof iss === 'string' && (typeof aud === 'string' || Array.isArray(aud)) && typeof iat === 'number' && typeof exp === 'number' && typeof jti === 'string' && typeof digest === 'string' && (seq === undefined || typeof seq === 'number');
}

function keyResolver(options: VerifyPushSignatureOptions): JWTVerifyGetKey {
  if (typeof options.jwks === 'function') return options.jwks;
  if (options.jwks !== undefined) return createLocalJWKSet(options.jwks);
  if (options.jwksUrl !== undefined) return createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: 5_000 });
  throw Errors.pushVerifyNeedsKeys({});
}

function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
