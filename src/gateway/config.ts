import { z } from 'zod';
import { approvalRuleSchema } from './approvals/approval-rule.js';
import { parseRoleConfig, roleMetricsFields, roleServerFields } from '../http/index.js';
import { consoleOidcSchema } from './console/console-oidc-config.js';
import { piiConfigSchema } from './policy/pii-policy.js';
import { MAX_DELEGATION_DEPTH } from './identity/principal.js';

/**
 * Port of the gateway's metrics listener when `metricsPort` is unset (and
 * `port` is not 0). Its `/metrics` names tenants and their balances, so it is
 * never on the public port.
 */
export const DEFAULT_GATEWAY_METRICS_PORT = 4290;

const externalIssuer = z
  .object({
    issuer: z.string().min(1),
    jwksUri: z.string().url(),
    audience: z.union([z.string(), z.array(z.string())]),
    tenantClaim: z.string().default('tenant'),
    scopesClaim: z.string().default('scope'),
    subjectClaim: z.string().optional(),
    algorithms: z.array(z.string()).optional(),
  })
  .strict();

/** Gateway configuration: one strict schema, defaults with units. */
export const gatewayConfigSchema = z
  .object({
    ...roleServerFields(4200),
    /** `GET /metrics` listens here, not on the public port (default 127.0.0.1:4290; any free port when `port` is 0). */
    ...roleMetricsFields(),
    /** Where agents are found (the registry's watch stream keeps the routing cache). */
    registryUrl: z.string().url().default('http://localhost:4100'),
    registryToken: z.string().optional(),
    /** A token with the registry's `registry:review` scope (env REGISTRY_REVIEW_TOKEN): the console's reviews view decides with it. */
    registryReviewToken: z.string().optional(),
    /** The built web console served at /console/ (env GATEWAY_CONSOLE_DIR); unset: `dist/console` of the agentmesh package. */
    consoleDir: z.string().min(1).optional(),
    /**
     * The console's sign-in through one of `externalIssuers` (authorization code + PKCE, docs/console.md#sign-in-with-openid-connect):
     * `{ issuer, clientId, scopes?, resource?, name? }` (env GATEWAY_CONSOLE_OIDC_*). Unset: no such sign-in.
     */
    consoleOidc: consoleOidcSchema.optional(),
    /** Bootstrap credential of the management API (env GATEWAY_ADMIN_TOKEN), compared in constant time. */
    adminToken: z.string().min(16).optional(),
    /** Default audience of issued tokens. */
    audience: z.string().default('agentmesh'),
    /** Lifetime of issued access tokens, seconds (seed 000: short-lived, 15 minutes). */
    tokenTtlSeconds: z.number().int().min(30).max(86_400).default(900),
    /**
     * Longest a delegation grant lives, seconds (24 hours; env
     * GATEWAY_DELEGATION_GRANT_TTL_SECONDS): what lets a workflow run outlive
     * its caller's token (docs/adr/0042-durable-delegation-grants.md).
     */
    delegationGrantTtlSeconds: z.number().int().min(60).max(30 * 86_400).default(86_400),
    /**
     * How long after its use a grant's used refresh token may be presented
     * again as a retry of a redemption whose answer was lost, seconds (5
     * minutes; 0: never; env GATEWAY_DELEGATION_GRANT_RETRY_SECONDS;
     * docs/adr/0058-delegation-grant-redemption-retry.md).
     */
    delegationGrantRetrySeconds: z.number().int().min(0).max(3600).default(300),
    /**
     * Most actors a delegated call's `act` chain may hold (4; env
     * GATEWAY_DELEGATION_MAX_DEPTH): a deeper call is refused at the gateway,
     * as is one that would reach an agent already in its chain
     * (docs/adr/0074-delegation-loop-guard.md). At most the 8 a token holds.
     */
    delegationMaxDepth: z.number().int().min(1).max(MAX_DELEGATION_DEPTH).default(4),
    signingAlg: z.enum(['ES256', 'RS256']).default('ES256'),
    /** Signing keys rotate this often, ms (7 days); retired keys stay published until their tokens expire. */
    keyRotationIntervalMs: z.number().int().min(60_000).default(7 * 24 * 3600 * 1000),
    clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
    /**
     * The key cards are re-signed with (PKCS#8 PEM, P-256; env GATEWAY_CARD_SIGNING_KEY or
     * its _FILE): one for every replica. Unset: generated once into dataDir/gateway-card-key.pem.
     */
    cardSigningKeyPem: z.string().min(1).optional(),
    /** Encrypts signing keys at rest; unset: a secret file in dataDir (0600). */
    keyEncryptionSecret: z.string().min(32).optional(),
    /**
     * The secret being retired during a rotation (env GATEWAY_SECRET_PREVIOUS):
     * what it sealed still opens, until `agentmesh secrets rotate` re-seals it
     * under `keyEncryptionSecret` (docs/operations.md#rotating-gateway_secret-and-agentmesh_secret).
     */
    previousKeyEncryptionSecret: z.string().min(32).optional(),
    externalIssuers: z.array(externalIssuer).default([]),
    /** Lifetime of the assertion the gateway attaches to each forwarded call, seconds. */
    assertionTtlSeconds: z.number().int().min(5).max(3600).default(120),
    /** Requests per minute per client and agent when neither the client nor the agent record says (seed 000). */
    defaultRequestsPerMinute: z.number().int().positive().default(1000),
    defaultBurst: z.number().int().min(0).default(0),
    /** Requests per minute of one tenant across its clients and agents. */
    tenantRequestsPerMinute: z.number().int().positive().default(10_000),
    /** Calls one tenant may have in flight on one agent through one gateway replica (streams included); an agent's maxConcurrentTasks is also split fairly between tenants. */
    tenantConcurrencyPerAgent: z.number().int().positive().default(256),
    /** PII policies (docs/gateway.md#policies): a default, per tenant; agents may declare theirs in their registry metadata. */
    pii: piiConfigSchema.optional(),
    /**
     * Approval gates (docs/approvals.md): rules whose calls wait for a
     * principal with the approver scope. Rules declared here are in force
     * from the start and cannot be changed through the API; more are added
     * with `agentmesh approvals rules add` or `POST /v1/approval-rules`.
     */
    approvals: z
      .object({
        rules: z.array(approvalRuleSchema).default([]),
        /** How often expiries, stored rules and unfinished forwards are looked at, ms (5 s). */
        sweepIntervalMs: z.number().int().min(100).max(600_000).default(5_000),
      })
      .strict()
      .default({ rules: [], sweepIntervalMs: 5_000 }),
    /** Origins browsers may call from (CORS); empty: no CORS headers. */
    corsOrigins: z.array(z.string()).default([]),
    /** Largest request body, bytes (1 MiB); also the largest answer (a run, or one SSE event) the ACP bridge reads from a bridged agent. */
    bodyLimitBytes: z.number().int().positive().default(1_048_576),
    /** Non-streaming request timeout, ms (5 min: a blocking SendMessage waits for its task). */
    requestTimeoutMs: z.number().int().positive().default(300_000),
    /** Breaker per instance (seed 001): consecutive failures that open it, and how long it stays open, ms. */
    breakerFailures: z.number().int().positive().default(5),
    breakerOpenMs: z.number().int().positive().default(30_000),
    /**
     * The client of plain `http:` agents (ADR 0064): `llhttp`, Node's own HTTP parser on kept-alive sockets, or
     * `undici`, which TLS and in-process agents always use. `llhttp` falls back to undici, logged at start, on a
     * Node whose parser binding is not as expected.
     */
    upstreamClient: z.enum(['llhttp', 'undici']).default('llhttp'),
    /**
     * What parses the public port's connections (ADR 0069): `node`, node:http's server for everything, or
     * `llhttp`, Node's own HTTP parser driven by the data plane's front (ADR 0065, 0067), an opt-in that costs a
     * few µs a call less. node:http's server is the default: the public port is the one door every caller
     * passes, and its parser is the one Node documents, maintains and fixes. TLS listeners are always
     * node:https's; `llhttp` falls back to `node`, logged at start, on a Node whose parser binding is not as
     * expected.
     */
    dataPlaneServer: z.enum(['llhttp', 'node']).default('node'),
    /**
     * What a client's half-close (a FIN after its request, as `nc -N` sends) means on the public port (ADR 0069):
     * `answer`, as HAProxy: its answer is written, and a client that closes its socket is seen gone only when it is;
     * `end`, as nginx: the client has left, its call is aborted (a blocking send's ACP run cancelled, its hold refunded).
     */
    halfClose: z.enum(['answer', 'end']).default('answer'),
    /** Available balance under which a low-balance event fires, milli-credits. */
    lowBalanceMilliCredits: z.number().int().min(0).default(100_000),
    /**
     * Longest a credit hold may stay open, ms (24 h): a hold whose task has not
     * ended by then (abandoned in input-required, say) is refunded and audited
     * as `credits.expired`.
     */
    creditsMaxHoldMs: z.number().int().min(60_000).default(86_400_000),
    /**
     * How often the audit chain is verified in the background, ms (10 min; 0
     * turns it off): the first run walks the whole chain, later ones the rows
     * added since, every 24th the whole chain again. Outcomes are the
     * `agentmesh_audit_verify_*` metrics an alert watches.
     */
    auditVerifyIntervalMs: z.number().int().min(0).default(600_000),
    /** How often the ledger is swept for holds older than creditsMaxHoldMs, ms (5 min). */
    creditsHoldSweepMs: z.number().int().min(1_000).default(300_000),
    /**
     * How calls hold credits (ADR 0010): `lease` holds them in memory against
     * per-replica leases of the tenant's balance and writes settlements in
     * batches; `exact` is one ledger transaction per reserve and per settle.
     */
    creditsMode: z.enum(['lease', 'exact']).default('lease'),
    /** A tenant's first and smallest lease is sized for this many calls at the estimate of the call that takes it; a busy tenant's grow to about a second of its calls (at most creditsLeaseShare of the available balance). */
    creditsLeaseCalls: z.number().int().min(2).max(100_000).default(100),
    /** Largest share of a tenant's available balance one lease takes. */
    creditsLeaseShare: z.number().gt(0).max(1).default(0.25),
    /** Longest a settlement waits in memory before it is written (the write-behind window), ms. */
    creditsFlushMs: z.number().int().min(1).max(10_000).default(50),
    /**
     * What an answered call's settlement and audit row reach before its answer
     * is released (ADR 0047): `journal` appends them to a local file, one
     * write per turn of the event loop, and the database batches follow
     * within creditsFlushMs and the audit's flush interval (a gateway killed
     * with SIGKILL replays the file at its next start); `commit` waits for
     * the database transactions themselves (ADR 0035).
     */
    answerDurability: z.enum(['journal', 'commit']).default('journal'),
    /**
     * Where the answer journals live (default dataDir/gateway-journal). Each
     * gateway takes a free numbered slot in it; a restarted gateway takes
     * the slot of one that was killed and replays it. Keep it on a local disk
     * that outlives the process (a container's volume, not its scratch layer).
     */
    answerJournalDir: z.string().min(1).optional(),
    /** A lease unused this long returns its unspent credits, ms. */
    creditsLeaseIdleMs: z.number().int().min(100).default(10_000),
    /** A lease older than this takes no new calls and returns once its calls end, ms (must stay far below creditsMaxHoldMs). */
    creditsLeaseMaxAgeMs: z.number().int().min(1_000).max(3_600_000).default(60_000),
    /**
     * Level of the line logged when a secret or key is generated into dataDir
     * rather than configured: production advice (replicas on other hosts need
     * the same one). `agentmesh up`, one process on one data dir, logs it at
     * `info` and says in one line of its own where its development secrets live.
     */
    generatedSecretsLogLevel: z.enum(['warn', 'info']).default('warn'),
    dev: z.boolean().default(false),
    allowHosts: z.array(z.string()).default([]),
    shutdownDeadlineMs: z.number().int().positive().default(10_000),
  })
  .strict();

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;

/** Parses and freezes a configuration; errors name the path. */
export function parseGatewayConfig(input: GatewayConfigInput): Readonly<GatewayConfig> {
  return parseRoleConfig('gateway', gatewayConfigSchema
    .refine((c) => c.assertionTtlSeconds <= c.tokenTtlSeconds, { message: 'must not exceed tokenTtlSeconds', path: ['assertionTtlSeconds'] })
    .refine((c) => c.consoleOidc === undefined || c.externalIssuers.some((e) => e.issuer === c.consoleOidc!.issuer), { message: 'must be the issuer of one of externalIssuers: the gateway accepts only their tokens', path: ['consoleOidc', 'issuer'] })
    .refine((c) => new Set(c.approvals.rules.map((r) => r.id)).size === c.approvals.rules.length, { message: 'rule ids must be unique', path: ['approvals', 'rules'] })
    .refine((c) => c.approvals.rules.every((r) => r.expiresAfterMs < c.creditsMaxHoldMs), { message: 'a rule\'s expiresAfterMs must be below creditsMaxHoldMs: a parked call holds credits until it is decided', path: ['approvals', 'rules'] })
    .refine((c) => c.port === 0 || (c.metricsPort ?? DEFAULT_GATEWAY_METRICS_PORT) !== c.port, { message: 'must differ from port: metrics are not served on the public port', path: ['metricsPort'] }), input);
}
