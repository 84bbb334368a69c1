import { z } from 'zod';
import { parseRoleConfig, roleServerFields } from '../http/index.js';
import { workflowHooksSchema } from './workflow-hooks/workflow-hook-config.js';

/**
 * Runtime configuration: one strict schema, defaults with units. The CLI
 * reads env and flags once and passes the parsed, frozen result down.
 */
export const runtimeConfigSchema = z
  .object({
    ...roleServerFields(4000),
    /** Largest request body, bytes (1 MiB). */
    bodyLimitBytes: z.number().int().positive().default(1_048_576),
    /** Time to receive a request's headers, ms (10 s); a client trickling them gets 408. At most requestTimeoutMs. */
    headersTimeoutMs: z.number().int().positive().default(10_000),
    /**
     * Time to receive a whole request, headers and body, ms (30 s); a client
     * trickling its body gets 408. It does not bound the answer: a blocking
     * SendMessage waits for its task, bounded by the skill's timeout.
     */
    requestTimeoutMs: z.number().int().positive().default(30_000),
    /**
     * What a client's half-close (a FIN after its request, as `nc -N` sends) means (ADR 0069): `answer`, its
     * answer is written, and a client that closes its socket is seen gone only when it is; `end`, the client has
     * left: an ACP `sync` run it waited for is cancelled at once, and a half-closing client gets no answer.
     */
    halfClose: z.enum(['answer', 'end']).default('answer'),
    /**
     * Serve the gRPC binding (A2A §10) too: the port of the first hosted agent;
     * each further agent takes the next port (0: every agent gets a free port,
     * reported by `listen()`). Unset: no gRPC, and grpc-js is never loaded.
     */
    grpcPort: z.number().int().min(0).max(65535).optional(),
    /** Tasks of one agent running at once (an agent may set its own). */
    maxConcurrentTasks: z.number().int().positive().default(64),
    /** Tasks of one agent waiting for a slot before new ones are refused. */
    queueLimit: z.number().int().min(0).default(1000),
    /**
     * A SendMessage repeating a messageId (same agent and tenant, within 24 h)
     * answers with the task that messageId started, without a second run: A2A
     * §3.3.1 lets agents detect duplicates by messageId. `false` treats every
     * message as new, for clients that reuse messageIds for different messages.
     */
    dedupeMessageIds: z.boolean().default(true),
    /** Per-skill timeout, ms (10 min), unless the skill sets its own. */
    skillTimeoutMs: z.number().int().positive().default(600_000),
    /** SSE heartbeat comment interval, ms. */
    sseHeartbeatMs: z.number().int().positive().default(15_000),
    /** Replica heartbeat interval, ms. */
    heartbeatMs: z.number().int().positive().default(5_000),
    /** A replica silent this long is dead; its live tasks are failed or re-run, ms. */
    replicaTtlMs: z.number().int().positive().default(30_000),
    /**
     * An idempotent task of a dead replica, whose skill this replica does not
     * host (the orchestrator's workflow runs, to a replica of other agents), is
     * left to a replica that hosts it, a silent one included: it comes back
     * and resumes it. Failed once no replica hosting it has heartbeat for this
     * long, nor the task been written, ms (1 h; ADR 0080).
     */
    unhostedTaskGiveUpMs: z.number().int().positive().default(3_600_000),
    /**
     * An answer to a task waiting for input on another replica is handed to
     * that replica over the bus, which keeps nothing; the answer is confirmed
     * only once the task's log shows it taken. Past this the sender is told it
     * is not confirmed (retryable; read the task before answering again), ms.
     */
    answerConfirmMs: z.number().int().positive().default(10_000),
    /** Terminal tasks older than this are pruned, ms (7 days). 0 keeps them forever. */
    retentionMs: z.number().int().min(0).default(7 * 24 * 3600 * 1000),
    /** Graceful shutdown deadline, ms. */
    shutdownDeadlineMs: z.number().int().positive().default(10_000),
    /**
     * Secret (32+ characters) the push notification configs are sealed under at
     * rest (AES-256-GCM, key derived with HKDF): their webhook tokens and
     * credentials. The same on every replica sharing a database. Unset: read
     * from `runtime-secret` in dataDir, created (0600) on first start.
     */
    storageSecret: z.string().min(32).optional(),
    /**
     * The secret being retired during a rotation (env AGENTMESH_SECRET_PREVIOUS):
     * configs it sealed still open, until `agentmesh secrets rotate` re-seals
     * them under `storageSecret` (docs/operations.md#rotating-gateway_secret-and-agentmesh_secret).
     */
    previousStorageSecret: z.string().min(32).optional(),
    /** Card/push signing key: PEM of a private key (ES256 or RS256). Unset: a key is generated into dataDir. */
    signingKeyPem: z.string().optional(),
    /** Sign agent cards (JWS, A2A §8.4). */
    signCards: z.boolean().default(true),
    /**
     * Level of the line logged when a secret or key is generated into dataDir
     * rather than configured: production advice (replicas on other hosts need
     * the same one). `agentmesh up`, one process on one data dir, logs it at
     * `info` and says in one line of its own where its development secrets live.
     */
    generatedSecretsLogLevel: z.enum(['warn', 'info']).default('warn'),
    /** Development mode: http webhooks allowed. */
    dev: z.boolean().default(false),
    /** Hosts (or *.suffix) outbound calls may reach even when private/loopback. */
    allowHosts: z.array(z.string()).default([]),
    /**
     * The workflow hooks agents launch with `ctx.launchWorkflow(name, …)`:
     * each an engine's webhook (n8n, Make, Kestra) with its Standard Webhooks
     * secrets (env AGENTMESH_WORKFLOW_HOOKS, JSON). See docs/integrations.md.
     */
    workflowHooks: workflowHooksSchema,
    /**
     * Base URL the engines call back at (`<base>/workflow-callbacks/…`), when
     * they reach this runtime at another address than `publicUrl`. Unset: `publicUrl`.
     */
    workflowCallbackUrl: z.string().url().optional(),
    /** Push delivery: keep retrying for this long, ms (24 h), then dead-letter. */
    pushRetryWindowMs: z.number().int().positive().default(24 * 3600 * 1000),
    /** Registry every hosted agent registers with after `listen()` (heartbeats, config). Unset: no registration. */
    registryUrl: z.string().url().optional(),
    /** Bearer token of registry writes (the registry's REGISTRY_TOKEN, or a token with `registry:write`). */
    registryToken: z.string().min(1).optional(),
    /** Lease the instances ask for; heartbeats go every third of it, ms (seed 002: 30 s). */
    registryLeaseTtlMs: z.number().int().min(1000).default(30_000),
    /** Region recorded on this process's instances. */
    registryRegion: z.string().min(1).max(64).optional(),
    /**
     * The gateway in front: its JWKS (and issuer). Calls carrying its assertion
     * (`Authorization: Bearer <jwt>`, audience `agentmesh:agent:<name>`) get their
     * tenant and scopes from it.
     */
    gatewayJwksUrl: z.string().url().optional(),
    gatewayIssuer: z.string().min(1).optional(),
    /**
     * Refuse every A2A call without a valid gateway assertion (cards stay
     * public). Unset: true whenever gatewayJwksUrl is set, so an agent behind
     * a gateway cannot be called around it, skipping its credits and audit;
     * `false` opts out, for development only. `true` needs
     * gatewayJwksUrl.
     */
    requireGatewayAssertion: z.boolean().optional(),
  })
  .strict();

/** Parsed runtime configuration. */
export type RuntimeConfig = z.output<typeof runtimeConfigSchema>;
/** What callers pass: every field optional. */
export type RuntimeConfigInput = z.input<typeof runtimeConfigSchema>;

/**
 * Whether calls without a gateway assertion are refused: as configured, else
 * whenever a gateway is configured (its JWKS URL is set).
 *
 * @example
 * gatewayAssertionRequired(parseRuntimeConfig({ gatewayJwksUrl: 'http://gw:4200/.well-known/jwks.json' })); // true
 */
export function gatewayAssertionRequired(config: Pick<RuntimeConfig, 'gatewayJwksUrl' | 'requireGatewayAssertion'>): boolean {
  return config.requireGatewayAssertion ?? config.gatewayJwksUrl !== undefined;
}

/** Parses and freezes a configuration; errors name the path. */
export function parseRuntimeConfig(input: RuntimeConfigInput): Readonly<RuntimeConfig> {
  return parseRoleConfig('runtime', runtimeConfigSchema.refine((c) => c.requireGatewayAssertion !== true || c.gatewayJwksUrl !== undefined, {
    message: 'needs gatewayJwksUrl (GATEWAY_JWKS_URL): the gateway assertion cannot be checked without its keys',
    path: ['requireGatewayAssertion'],
  }), input);
}
