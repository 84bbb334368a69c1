import { z } from 'zod';

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
    /** `redis://…` for the cross-replica bus (and quotas); unset stays in-process. */
    redisUrl: z.string().optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** OpenTelemetry OTLP endpoint; tracing is off when unset. */
    otlpEndpoint: z.string().optional(),
  };
}

/**
 * Parses and freezes a role's configuration; the error names the first bad
 * path, prefixed with the role (`registry.probeIntervalMs Expected number…`).
 */
export function parseRoleConfig<S extends z.ZodTypeAny>(role: string, schema: S, input: z.input<S>): Readonly<z.output<S>> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`${role}.${issue.path.join('.') || '(root)'} ${issue.message}`);
  }
  return Object.freeze(result.data);
}
