/** Kinds of personal data the gateway's PII policy detects (docs/gateway.md#personal-data-pii). */
export const PII_KINDS = ['email', 'phone', 'card', 'us_ssn', 'uk_nino'] as const;
export type PiiKind = (typeof PII_KINDS)[number];
/** What the gateway does with a message carrying personal data, mildest first. */
export const PII_ACTIONS = ['log', 'redact', 'block'] as const;
export type PiiAction = (typeof PII_ACTIONS)[number];
