import { join } from 'node:path';
import { z } from 'zod';
import { LOG_FORMATS, LOG_LEVELS } from '../../observability/index.js';
import { Errors } from '../../protocol/index.js';
import { roleTlsFields } from '../tls/tls-settings.js';

/**
 * The settings every serving role shares (where it listens, where its state
 * lives, how loud it logs), as zod fields each role's schema spreads in with
 * its own default port.
 *
 * @example
 * const schema = z.object({ ...roleServerFields(4100), probeIntervalMs: z.number().default(10_000) }).strict();
 */
export function roleServerFields(defaultPort: number) {
  return {
    /** TCP port; 0 picks a free one. */
    port: z.number().int().min(0).max(65535).default(defaultPort),
    host: z.string().default('127.0.0.1'),
    /** Base URL clients reach this role at. Default http://localhost:PORT. */
    publicUrl: z.string().url().optional(),
    /** Directory of the SQLite file and generated keys. */
    dataDir: z.string().default('./.agentmesh'),
    /** `postgres://…` to share state between replicas; unset uses SQLite in dataDir. */
    databaseUrl: z.string().optional(),
    /** `postgres://…` of the schema's owner, to migrate on when `databaseUrl` is an application role that cannot (deploy/postgres/roles.sql). */
    databaseMigrationUrl: z.string().optional(),
    /** `transaction` when `databaseUrl` is a pooler in transaction mode (PgBouncer): no session state, the marker per transaction (ADR 0024). Default `session`. */
    databasePoolMode: z.enum(['session', 'transaction']).optional(),
    /** PostgreSQL connections this process keeps open at most. Default 10. */
    databasePoolSize: z.number().int().min(1).max(1000).optional(),
    /** PostgreSQL: longest a query waits for its answer before its connection is dropped as dead. Default 30 000 ms. */
    databaseQueryTimeoutMs: z.number().int().min(100).max(3_600_000).optional(),
    /** PostgreSQL: longest opening a connection, or waiting for a free one of the pool, may take. Default 5 000 ms. */
    databaseConnectTimeoutMs: z.number().int().min(100).max(600_000).optional(),
    /** `redis://…` for the cross-replica bus (and quotas); unset stays in-process. */
    redisUrl: z.string().optional(),
    logLevel: z.enum(LOG_LEVELS).default('info'),
    /** `json` (log shippers) or `pretty` (people). Unset: pretty on a terminal, JSON elsewhere; the CLI sets it from LOG_FORMAT (default pretty). */
    logFormat: z.enum(LOG_FORMATS).optional(),
    /** OpenTelemetry OTLP endpoint; tracing is off when unset. */
    otlpEndpoint: z.string().optional(),
    /**
     * OpenTelemetry's `OTEL_SEMCONV_STABILITY_OPT_IN`, as a list: with
     * `gen_ai_latest_experimental`, agent calls are traced as GenAI
     * `invoke_agent` spans (docs/observability.md#genai-spans).
     */
    semconvStabilityOptIn: z.array(z.string().min(1)).optional(),
    ...roleTlsFields(),
    ...roleProbeFields(),
  };
}

/**
 * The settings of the probe listener (`createProbeListener`): `/health` and
 * `/ready` in plain HTTP on a port of their own, for kubelet probes when the
 * public port requires client certificates (`tls.clientAuth: 'require'`),
 * which the kubelet never presents. Off unless `probePort` is set.
 */
export function roleProbeFields() {
  return {
    /** Port of the probe listener (`GET /health`, `GET /ready`, plain HTTP); 0 picks a free one. Unset: no probe listener. */
    probePort: z.number().int().min(0).max(65535).optional(),
    /** Interface of the probe listener. Default: the role's `host`. */
    probeHost: z.string().min(1).optional(),
  };
}

/**
 * The base URL a role prints and publishes when no public URL is set:
 * `https://localhost:PORT` when it serves TLS (the certificate should name
 * localhost), else `http://localhost:PORT`.
 */
export function localUrlOf(config: { tls?: unknown }, port: number): string {
  return `${config.tls === undefined ? 'http' : 'https'}://localhost:${port}`;
}

/**
 * The settings of a role that serves its metrics on their own listener
 * (`createMetricsListener`) rather than on its public port, as zod fields
 * its schema spreads in. `metricsPort` has no schema default: the role
 * resolves it with {@link metricsPortOf} (a fixed port, or any free one
 * when the role's own port is 0).
 *
 * @example
 * const schema = z.object({ ...roleServerFields(4200), ...roleMetricsFields() }).strict();
 */
export function roleMetricsFields() {
  return {
    /** Port of the metrics listener (`GET /metrics`); 0 picks a free one. Default: the role's, see metricsPortOf. */
    metricsPort: z.number().int().min(0).max(65535).optional(),
    /** Interface of the metrics listener: loopback unless a scraper elsewhere must reach it. */
    metricsHost: z.string().min(1).default('127.0.0.1'),
  };
}

/**
 * The metrics port a role listens on: the configured one, else any free
 * port when the role's own port is 0 (tests, `up --gateway-port 0`), else
 * the role's default.
 */
export function metricsPortOf(config: { port: number; metricsPort?: number | undefined }, defaultPort: number): number {
  if (config.metricsPort !== undefined) return config.metricsPort;
  return config.port === 0 ? 0 : defaultPort;
}

/**
 * Parses and freezes a role's configuration; the error names the first bad
 * path, prefixed with the role (`registry.probeIntervalMs Expected number…`),
 * and carries it as `details.setting`, which the CLI turns into the
 * environment variable that set it.
 *
 * @throws AgentmeshError `AM_ERR_CONFIG_INVALID`
 */
export function parseRoleConfig<S extends z.ZodTypeAny>(role: string, schema: S, input: z.input<S>): Readonly<z.output<S>> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw Errors.roleConfigInvalid({ setting: `${role}.${issue.path.join('.') || '(root)'}`, problem: issue.message });
  }
  return Object.freeze(result.data);
}

/**
 * The `createDatabase` options of a role's settings.
 *
 * @example
 * const database = await createDatabase(databaseOptionsOf(config));
 */
export function databaseOptionsOf(config: { databaseUrl?: string | undefined; databaseMigrationUrl?: string | undefined; databasePoolMode?: 'session' | 'transaction' | undefined; dataDir?: string | undefined; databasePoolSize?: number | undefined; databaseQueryTimeoutMs?: number | undefined; databaseConnectTimeoutMs?: number | undefined }) {
  return {
    url: config.databaseUrl,
    poolMode: config.databasePoolMode,
    migrationUrl: config.databaseMigrationUrl,
    sqlitePath: join(config.dataDir ?? './.agentmesh', 'mesh.db'),
    poolSize: config.databasePoolSize,
    queryTimeoutMs: config.databaseQueryTimeoutMs,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
  };
}
