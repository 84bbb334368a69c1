/**
 * registry/intake: how a card enters the registry — fetched by URL through
 * the SSRF guard or submitted as JSON, validated against the A2A v1.0 card
 * schema (every problem reported at once), translated from v0.3, its
 * signatures verified (A2A §8.4) — and the validation of the enterprise
 * metadata that goes with it.
 */
export { createCardIntake } from './card-intake.js';
export type { CardIntake } from './card-intake.js';
export type { AdmittedCard } from './admitted-card.js';
export type { AdmittedAcpAgent } from './acp-intake.js';
export { MAX_ACP_AGENTS } from './acp-intake.js';
export { CARD_INTAKE_DEFAULTS } from './card-intake-options.js';
export type { CardIntakeOptions } from './card-intake-options.js';
export type { KeySetCache, KeySetCacheBounds, TrustedKey } from './signature-keys.js';
export { KEY_SET_CACHE_DEFAULTS, createKeyResolver, createKeySetCache } from './signature-keys.js';
export { ALLOWED_ALGORITHMS, verifyCardSignatures } from './card-signatures.js';
export { cardLocations } from './card-fetch.js';
export { validateAgentMetadata } from './metadata-validation.js';
export { checkInterfaceUrls } from './interface-urls.js';
