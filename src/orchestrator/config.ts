import { z } from 'zod';
import { parseRoleConfig, type databaseOptionsOf } from '../http/index.js';

/** The orchestrator's own settings; everything else is the runtime's (it hosts the orchestrator agent). */
export const orchestratorConfigSchema = z
  .object({
    /** The agent's name: its path `/agents/{name}` and its registry record. */
    name: z.string().regex(/^[a-z0-9][a-z0-9-_]{0,62}$/i).default('orchestrator'),
    /** The gateway every child call goes through; unset = straight to instances from the registry. */
    gatewayUrl: z.string().url().optional(),
    /** The orchestrator's OAuth client at the gateway (needs `gateway:delegate` and the a2a scopes). */
    clientId: z.string().min(1).optional(),
    clientSecret: z.string().min(1).optional(),
    /** Registry: routing by skill, tags and text, and instances when there is no gateway. */
    registryUrl: z.string().url().optional(),
    /** A folder of workflow files (`*.yaml`, `*.yml`, `*.json`) offered as skills. */
    workflowsDir: z.string().optional(),
    /**
     * The tenant calls without one (straight to the orchestrator, no gateway
     * in front) act for. Default: \`default\` when there is no gateway; with a
     * gateway such calls are refused.
     */
    anonymousTenant: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/).optional(),
    /**
     * Where the router remembers which specialist each conversation went to:
     * \`database\` (the orchestrator's database: replicas share it, a restart
     * keeps it) or \`memory\` (this process only). Default: \`database\` on
     * PostgreSQL, \`memory\` on SQLite.
     */
    conversations: z.enum(['memory', 'database']).optional(),
    /**
     * Optional model routing (docs/orchestrator.md#routing): an OpenAI-compatible endpoint
     * asked to choose among the router's top candidates when two or more
     * fit. Unset = the lexical ranking alone; on failure or timeout the
     * lexical decision stands.
     */
    routerModel: z
      .object({
        url: z.string().url(),
        model: z.string().min(1),
        apiKey: z.string().min(1).optional(),
        timeoutMs: z.number().int().positive().default(2000),
      })
      .strict()
      .optional(),
    /** Longest a workflow run may take. Default 24 h. */
    runTimeoutMs: z.number().int().positive().default(24 * 3600 * 1000),
    /** The runtime hosting the orchestrator agent (port default 4300). */
    runtime: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()
  .refine((c) => !c.gatewayUrl || (c.clientId !== undefined && c.clientSecret !== undefined), {
    message: 'needs clientId and clientSecret (ORCHESTRATOR_CLIENT_ID, ORCHESTRATOR_CLIENT_SECRET) to call agents through the gateway',
    path: ['gatewayUrl'],
  });

/**
 * The settings of the runtime that hosts the orchestrator agent, as far as
 * the orchestrator reads them (its database, log level, tracing, the
 * registry, the client certificate of its calls). The host parses them all:
 * the composition root (`compose/orchestrator.ts`) types them as the
 * runtime's `RuntimeConfigInput`, so the orchestrator does not import the runtime.
 */
export type HostSettings = Parameters<typeof databaseOptionsOf>[0] & {
  registryUrl?: string | undefined;
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' | undefined;
  logFormat?: 'json' | 'pretty' | undefined;
  otlpEndpoint?: string | undefined;
  semconvStabilityOptIn?: readonly string[] | undefined;
  clientTls?: unknown;
  /** Seals runs' delegation grants at rest (with the runtime's push configs); unset: `runtime-secret` in dataDir. */
  storageSecret?: string | undefined;
  previousStorageSecret?: string | undefined;
};

export type OrchestratorConfig<R extends HostSettings = HostSettings> = Omit<z.output<typeof orchestratorConfigSchema>, 'runtime'> & { runtime: R };
export type OrchestratorConfigInput<R extends HostSettings = HostSettings> = Omit<z.input<typeof orchestratorConfigSchema>, 'runtime'> & { runtime?: R };

/** Parses and freezes the orchestrator's configuration; errors name the path. `runtime` is passed through as given, for its host to parse. */
export function parseOrchestratorConfig<R extends HostSettings = HostSettings>(input: OrchestratorConfigInput<R>): Readonly<OrchestratorConfig<R>> {
  return parseRoleConfig('orchestrator', orchestratorConfigSchema, input) as Readonly<OrchestratorConfig<R>>;
}
