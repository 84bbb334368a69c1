/**
 * runtime/push: delivery of A2A push notifications (A2A §3.5.3, §4.3.3,
 * §13.2) from the transactional outbox, and the key that signs them.
 * See docs/push-notifications.md.
 */
export { loadSigningKey } from './signing-keys.js';
export { SealedPushStore, loadPushSealingKey, pushSealingKeys, PUSH_SECRET_CANARY } from './sealed-push-store.js';
export type { CanaryCheck } from './sealed-push-store.js';
export { requireDatabaseSecret } from './secret-check.js';
export type { SecretOrigin } from './secret-check.js';
export { resealPushConfigs } from './reseal-push-configs.js';
export type { ResealPushConfigsOptions } from './reseal-push-configs.js';
export type { PushSealingKeySource } from './sealed-push-store.js';
export type { SigningKey, SigningAlgorithm, PublicSigningJwk, LoadSigningKeyOptions } from './signing-keys.js';
export {
  createPushSigner,
  verifyPushSignature,
  bodySha256,
  PUSH_SIGNATURE_HEADER,
  PUSH_SIGNATURE_TTL_SECONDS,
  PUSH_SIGNATURE_ALGORITHMS,
} from './push-signer.js';
export type { PushSigner, PushSignerOptions, PushSignatureClaims, VerifyPushSignatureOptions, PushSignatureFailure } from './push-signer.js';
export { PushDeliveryWorker, RETRY_AFTER_MAX_MS } from './push-delivery-worker.js';
export type { PushDeliveryWorkerOptions, PushMetrics, PushIssuer } from './push-delivery-options.js';
export type { WebhookGuard, WebhookFetchInit } from './webhook-guard.js';
export type { OutboxKind, OutboxKindRow, OutboxRequest, OutboxAnswer } from './outbox-kind.js';
export { buildPushBody } from './push-body.js';
export type { PushBody, PushProtocol } from './push-body.js';
export { parseRetryAfter, DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_MAX_MS, DEFAULT_ORIGIN_BACKOFF_BASE_MS, DEFAULT_ORIGIN_BACKOFF_MAX_MS } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export type { DeliveryFailureReason } from './delivery-failure.js';
