import { z } from 'zod';
import { parseRoleConfig, roleServerFields } from '../http/index.js';

/** Registry configuration: one strict schema, defaults with units. */
export const registryConfigSchema = z
  .object({
    ...roleServerFields(4100),
    /** The `<publisher>` of ARD identifiers `urn:air:<publisher>:agent:<name>`: a domain you control. */
    publisher: z.string().regex(/^[a-z0-9.-]+$/i).default('agentmesh.local'),
    /** Bearer token writes need when no authenticator is given (env REGISTRY_TOKEN). Unset: writes are open. */
    writeToken: z.string().min(16).optional(),
    bodyLimitBytes: z.number().int().positive().default(1_048_576),
    requestTimeoutMs: z.number().int().positive().default(30_000),
    /** Lease of an instance that does not name one, ms (seed 002: 30 s). */
    defaultLeaseTtlMs: z.number().int().min(1000).default(30_000),
    /** Largest lease an instance may ask for, ms. */
    maxLeaseTtlMs: z.number().int().min(1000).default(600_000),
    /** How often each instance is probed while healthy, and how often lapsed leases are swept, ms. */
    probeIntervalMs: z.number().int().min(100).default(10_000),
    /** Ceiling of the probe backoff after failures, ms. */
    probeMaxBackoffMs: z.number().int().min(100).default(300_000),
    /** Time one probe may take, ms. */
    probeTimeoutMs: z.number().int().min(100).default(3_000),
    /** Probe points kept per instance. */
    probeHistory: z.number().int().min(1).default(100),
    /** Lapsed instances are forgotten after this long, ms. */
    forgetInstanceAfterMs: z.number().int().min(0).default(3_600_000),
    /** Change-log entries older than this are pruned, ms (7 days); a watch resuming from before gets a `resync` event. */
    changeRetentionMs: z.number().int().min(60_000).default(7 * 24 * 3600 * 1000),
    /** How often a replica reads the change log when no bus signal arrives, ms. */
    feedPollMs: z.number().int().min(10).default(1_000),
    /** SSE heartbeat comment interval, ms. */
    sseHeartbeatMs: z.number().int().positive().default(15_000),
    /** Development mode: http card URLs and probes allowed. */
    dev: z.boolean().default(false),
    /** Hosts (or *.suffix) card fetches and probes may reach even when private/loopback. */
    allowHosts: z.array(z.string()).default([]),
    /** Refuse unsigned cards. */
    requireSignedCards: z.boolean().default(false),
    shutdownDeadlineMs: z.number().int().positive().default(10_000),
  })
  .strict();

export type RegistryConfig = z.output<typeof registryConfigSchema>;
export type RegistryConfigInput = z.input<typeof registryConfigSchema>;

/** Parses and freezes a configuration; errors name the path. */
export function parseRegistryConfig(input: RegistryConfigInput): Readonly<RegistryConfig> {
  return parseRoleConfig('registry', registryConfigSchema, input);
}
