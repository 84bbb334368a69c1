/**
 * Standard Webhooks (standardwebhooks.com, v1): the signature the workflow
 * engines' own tooling and receivers know. A request carries three headers:
 *
 *   webhook-id         the message id, the same on every retry of one message (receivers de-duplicate on it)
 *   webhook-timestamp  integer seconds since the epoch of this attempt
 *   webhook-signature  space-separated `v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`
 *
 * A secret is `whsec_` + base64 of 24 to 64 random bytes. Several secrets
 * are valid at once while one is rotated: the sender signs with each, and a
 * receiver holding any one of them accepts. HMAC-SHA256 from node:crypto is
 * the whole of the scheme, so no library stands between it and the bytes.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Errors, type AgentmeshError } from '../../protocol/index.js';

/** The three request headers of a signed message, by their (lower-case) names. */
export const WEBHOOK_ID_HEADER = 'webhook-id';
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';

/** How far a timestamp may be from the receiver's clock, either way: 5 minutes, as the specification's libraries use. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

const SECRET_PREFIX = 'whsec_';
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;
/** Signatures a header may list that a verifier looks at: more is no rotation, it is an attack on the verifier's time. */
const MAX_SIGNATURES = 16;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** What was wrong with a signed message (`details.reason` of the error). */
export type WebhookSignatureFailure = 'missing' | 'timestamp' | 'expired' | 'signature';

/**
 * The key bytes of a `whsec_…` secret, or undefined when it is not one
 * (wrong prefix, not base64, fewer than 24 or more than 64 bytes).
 *
 * @example
 * webhookSecretBytes('whsec_' + randomBytes(32).toString('base64'))?.length; // 32
 */
export function webhookSecretBytes(secret: string): Buffer | undefined {
  if (typeof secret !== 'string' || !secret.startsWith(SECRET_PREFIX)) return undefined;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(encoded, 'base64');
  return bytes.length >= MIN_SECRET_BYTES && bytes.length <= MAX_SECRET_BYTES ? bytes : undefined;
}

/**
 * A new secret: `whsec_` + base64 of 32 random bytes.
 *
 * @example
 * generateWebhookSecret(); // 'whsec_q3Vx…'
 */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/** Input of {@link signStandardWebhook}. */
export interface SignStandardWebhookInput {
  /** The message id: the same on every attempt of one message. */
  id: string;
  /** This attempt's time, epoch milliseconds (sent in seconds). */
  now: number;
  /** The exact body bytes sent (a string is signed as its UTF-8 bytes). */
  body: string | Uint8Array;
  /** Every secret currently valid (`whsec_…`): one signature each. */
  secrets: readonly string[];
}

/**
 * The three headers of one signed attempt.
 *
 * @example
 * const headers = signStandardWebhook({ id: 'msg_1', now: Date.now(), body, secrets: [secret] });
 * // { 'webhook-id': 'msg_1', 'webhook-timestamp': '1767225600', 'webhook-signature': 'v1,K5o…=' }
 */
export function signStandardWebhook(input: SignStandardWebhookInput): Record<string, string> {
  const timestamp = String(Math.floor(input.now / 1000));
  const signatures = input.secrets.map((secret) => {
    const key = webhookSecretBytes(secret);
    if (key === undefined) throw Errors.webhookSecretInvalid({});
    return `v1,${mac(key, input.id, timestamp, input.body)}`;
  });
  return { [WEBHOOK_ID_HEADER]: input.id, [WEBHOOK_TIMESTAMP_HEADER]: timestamp, [WEBHOOK_SIGNATURE_HEADER]: signatures.join(' ') };
}

/** Input of {@link verifyStandardWebhook}. */
export interface VerifyStandardWebhookInput {
  /** The request's headers (a Headers, or a record with lower-case names as Node gives them). */
  headers: Headers | Readonly<Record<string, string | string[] | undefined>>;
  /** The raw body bytes as received, before any JSON parsing. */
  body: string | Uint8Array;
  /** Every secret currently valid: a signature by any one of them is accepted. */
  secrets: readonly string[];
  /** The receiver's clock, epoch ms. Default `Date.now()`. */
  now?: number;
  /** Default {@link WEBHOOK_TOLERANCE_SECONDS}. */
  toleranceSeconds?: number;
}

/**
 * Checks a signed message: the timestamp within the tolerance of `now`, and
 * one `v1` signature made with one of `secrets` over this id, timestamp and
 * body. Resolves with the id and timestamp (de-duplicate on the id); throws
 * `AM_ERR_AUTH_UNAUTHENTICATED` with `details.reason` a
 * {@link WebhookSignatureFailure} otherwise.
 *
 * @example
 * import { verifyStandardWebhook } from 'agentmesh';
 * const { id } = verifyStandardWebhook({ headers: req.headers, body: rawBody, secrets: [process.env.HOOK_SECRET] });
 */
export function verifyStandardWebhook(input: VerifyStandardWebhookInput): { id: string; timestamp: number } {
  const id = header(input.headers, WEBHOOK_ID_HEADER);
  const stamp = header(input.headers, WEBHOOK_TIMESTAMP_HEADER);
  const signed = header(input.headers, WEBHOOK_SIGNATURE_HEADER);
  if (id === undefined || stamp === undefined || signed === undefined) throw refused('missing');
  if (!/^\d{1,12}$/.test(stamp)) throw refused('timestamp');
  const timestamp = Number(stamp);
  const nowSeconds = Math.floor((input.now ?? Date.now()) / 1000);
  if (Math.abs(nowSeconds - timestamp) > (input.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS)) throw refused('expired');
  const offered = signed
    .split(' ')
    .slice(0, MAX_SIGNATURES)
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice(3), 'base64'));
  for (const secret of input.secrets) {
    const key = webhookSecretBytes(secret);
    if (key === undefined) throw Errors.webhookSecretInvalid({});
    const expected = Buffer.from(mac(key, id, stamp, input.body), 'base64');
    if (offered.some((o) => o.length === expected.length && timingSafeEqual(o, expected))) return { id, timestamp };
  }
  throw refused('signature');
}

function mac(key: Buffer, id: string, timestamp: string, body: string | Uint8Array): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
}

function header(headers: VerifyStandardWebhookInput['headers'], name: string): string | undefined {
  const value = headers instanceof Headers ? headers.get(name) : headers[name];
  const one = Array.isArray(value) ? value[0] : value;
  return typeof one === 'string' && one.length > 0 ? one : undefined;
}

function refused(reason: WebhookSignatureFailure): AgentmeshError {
  return Errors.webhookSignatureRefused({ reason }, { details: { reason } });
}
