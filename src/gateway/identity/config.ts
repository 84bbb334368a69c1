import { z } from 'zod';
import { Errors } from '../../protocol/index.js';

/** Algorithms never accepted from anyone: unsigned, or symmetric (a public key must never become an HMAC secret). */
const FORBIDDEN_ALGS = /^(none|HS\d+)$/i;

const algorithmList = z
  .array(z.string().min(1))
  .min(1)
  .refine((algs) => !algs.some((a) => FORBIDDEN_ALGS.test(a)), { message: 'must not contain none or HS* (only asymmetric algorithms are accepted)' });

/** One external token issuer (Keycloak, Okta, Entra ID, Apigee…) whose JWTs the gateway accepts. */
export const externalIssuerSchema = z
  .object({
    /** Exact `iss` value of its tokens. */
    issuer: z.string().min(1),
    /** Its JWK Set, fetched through the SSRF guard and cached. */
    jwksUri: z.string().url(),
    /** Accepted `aud` value(s). */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** Claim holding the tenant; a dotted path reaches into objects (`org.tenant`). */
    tenantClaim: z.string().min(1),
    /** Claim holding the scopes: a space-separated string (`scope`) or an array (`scp`). */
    scopesClaim: z.string().min(1),
    /** Claim naming the caller. Default `sub`. */
    subjectClaim: z.string().min(1).optional(),
    /** Accepted signature algorithms. Default RS256, ES256, PS256, EdDSA. */
    algorithms: algorithmList.optional(),
  })
  .strict();

/**
 * Identity configuration (the gateway's OAuth 2.0 server): one strict schema,
 * defaults with units.
 */
export const identityConfigSchema = z
  .object({
    /** The gateway's public URL: the `iss` of its tokens, and the base of its endpoints. */
    issuer: z.string().url(),
    /** Default audience of issued tokens, and the one `authenticate` accepts. */
    audience: z.string().min(1).default('agentmesh'),
    /** More audiences `authenticate` accepts besides `audience`. Default none. */
    acceptedAudiences: z.array(z.string().min(1)).default([]),
    /** Lifetime of access tokens, seconds (15 minutes: seed 000's short-lived tokens). */
    tokenTtlSeconds: z.number().int().min(30).max(86_400).default(900),
    /**
     * Longest a delegation grant lives, seconds (24 hours): the refresh token a
     * delegating client (the orchestrator) gets by token exchange to act for a
     * caller after the caller's token expired (docs/adr/0042-durable-delegation-grants.md).
     */
    delegationGrantTtlSeconds: z.number().int().min(60).max(30 * 86_400).default(86_400),
    /**
     * How long after its use a delegation grant's used refresh token may be
     * presented again as a retry of a redemption whose answer was lost, while
     * the token it was exchanged for was never redeemed, seconds (5 minutes:
     * past an orchestrator's replica takeover; 0: every second presentation
     * is a reuse) (docs/adr/0058-delegation-grant-redemption-retry.md).
     */
    delegationGrantRetrySeconds: z.number().int().min(0).max(3600).default(300),
    /** Algorithm of new signing keys. */
    signingAlg: z.enum(['ES256', 'RS256']).default('ES256'),
    /** A signing key signs for this long before the next one takes over, ms (7 days). */
    keyRotationIntervalMs: z.number().int().min(60_000).default(7 * 24 * 3600 * 1000),
    /**
     * A new key is published this long before it starts signing, so verifiers
     * that cache the JWKS (jose caches 10 minutes) know it in time, ms.
     * Default: the smaller of 10 minutes and a quarter of the rotation interval.
     */
    keyPublishLeadMs: z.number().int().min(0).optional(),
    /** Leeway for exp/nbf/iat checks, seconds. */
    clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
    /** External issuers whose JWTs are accepted. */
    externalIssuers: z.array(externalIssuerSchema).default([]),
    /**
     * Secret (32+ chars) the signing-key encryption key and the secret-hash
     * pepper are derived from (env GATEWAY_SECRET). Replicas must share it.
     * Unset: `secretFile` is read, or created (0600) with a random secret.
     */
    signingKeyEncryptionSecret: z.string().min(32).optional(),
    /**
     * The secret being retired during a rotation (env GATEWAY_SECRET_PREVIOUS):
     * what it sealed still opens, until `agentmesh secrets rotate` re-seals it.
     */
    previousSigningKeyEncryptionSecret: z.string().min(32).optional(),
    /** File holding the secret when `signingKeyEncryptionSecret` is unset, e.g. `<dataDir>/gateway-secret`. */
    secretFile: z.string().min(1).optional(),
    /** Static bearer token granting `gateway:admin` and `credits:admin` for bootstrap (env GATEWAY_ADMIN_TOKEN). */
    adminToken: z.string().min(16).optional(),
    /** How long a rotated client secret or API key stays valid, seconds (1 hour). A rotate call may ask for less. */
    secretRotationGraceSeconds: z.number().int().min(0).max(30 * 86_400).default(3600),
    /** How often a replica checks the shared revision (revocations, rotations, new keys), ms. */
    syncIntervalMs: z.number().int().min(50).default(1000),
    /** Verified tokens remembered so repeated calls skip the signature check (bounded, FIFO). */
    verifiedTokenCacheSize: z.number().int().min(0).default(10_000),
    /** API key records remembered between revision changes. */
    apiKeyCacheSize: z.number().int().min(0).default(10_000),
    /** Longest lifetime of a private_key_jwt client assertion (exp − now), seconds. */
    maxClientAssertionLifetimeSeconds: z.number().int().min(10).max(3600).default(300),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.signingKeyEncryptionSecret === undefined && config.secretFile === undefined) {
      ctx.addIssue({ code: 'custom', path: ['signingKeyEncryptionSecret'], message: 'must be set (32+ characters), or secretFile must name where a generated secret is kept' });
    }
    if (config.previousSigningKeyEncryptionSecret !== undefined && config.previousSigningKeyEncryptionSecret === config.signingKeyEncryptionSecret) {
      ctx.addIssue({ code: 'custom', path: ['previousSigningKeyEncryptionSecret'], message: 'equals the current secret: set it to the secret being retired, or leave it unset' });
    }
    const issuers = new Set<string>([config.issuer.replace(/\/+$/, '')]);
    config.externalIssuers.forEach((external, i) => {
      if (issuers.has(external.issuer.replace(/\/+$/, ''))) ctx.addIssue({ code: 'custom', path: ['externalIssuers', i, 'issuer'], message: 'is listed twice (or equals the gateway issuer)' });
      issuers.add(external.issuer.replace(/\/+$/, ''));
    });
  });

/** The parsed identity configuration: every default filled in. */
export type IdentityConfig = z.output<typeof identityConfigSchema>;
/** What callers pass: defaults may be left out. */
export type IdentityConfigInput = z.input<typeof identityConfigSchema>;
/** One external issuer of {@link IdentityConfig}. */
export type ExternalIssuerConfig = z.output<typeof externalIssuerSchema>;

/**
 * Parses and freezes an identity configuration; errors name the path
 * (`gateway.identity.tokenTtlSeconds …`).
 *
 * @example
 * const config = parseIdentityConfig({ issuer: 'https://gateway.example.com', secretFile: './.agentmesh/gateway-secret' });
 */
export function parseIdentityConfig(input: IdentityConfigInput): Readonly<IdentityConfig> {
  const result = identityConfigSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw Errors.identityConfigInvalid({ path: issue.path.join('.') || '(root)', problem: issue.message });
  }
  return Object.freeze({ ...result.data, issuer: result.data.issuer.replace(/\/+$/, '') });
}

/** The pre-publication lead of new signing keys, ms. */
export function keyPublishLeadMs(config: IdentityConfig): number {
  return config.keyPublishLeadMs ?? Math.min(600_000, Math.floor(config.keyRotationIntervalMs / 4));
}
