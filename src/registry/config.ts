import { isIP } from 'node:net';
import { z } from 'zod';
import { parseRoleConfig, roleServerFields } from '../http/index.js';

/** A DNS server as `node:dns` takes it: an IP address, `ip:port`, or `[ipv6]:port`. */
const dnsServer = z.string().refine(
  (text) => {
    const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
    const plain = /^([^:]+):(\d{1,5})$/.exec(text);
    const [address, port] = bracketed ? [bracketed[1]!, bracketed[2]] : plain ? [plain[1]!, plain[2]] : [text, undefined];
    return isIP(address) !== 0 && (port === undefined || (Number(port) >= 1 && Number(port) <= 65_535));
  },
  { message: 'must be an IP address, ip:port or [ipv6]:port' },
);

/** When card changes wait for a reviewer (docs/registry.md#review-holds). */
const reviewSettings = z
  .object({
    /** Every agent's card changes are held until a reviewer approves them. */
    required: z.boolean().default(false),
    /** These tenants' agents' changes are held: those listing one of them in `metadata.tenants`, and those open to every tenant. */
    tenants: z.array(z.string().min(1).max(256)).default([]),
  })
  .strict();

/** How ownership claims are checked (docs/registry.md#ownership-verification). Durations in ms. */
const ownershipSettings = z
  .object({
    /** DNS servers the TXT lookups ask; empty: the system's (/etc/resolv.conf). */
    dnsServers: z.array(dnsServer).default([]),
    /** Time one DNS query may take before it is tried again (twice in all). */
    dnsTimeoutMs: z.number().int().min(100).default(3_000),
    /** Time the well-known file's fetch may take. */
    fetchTimeoutMs: z.number().int().min(100).default(5_000),
    /** A verified or refused claim is checked again after this long. */
    recheckIntervalMs: z.number().int().min(1_000).default(3_600_000),
    /** A claim whose check could not complete (a DNS timeout, a host that did not answer) is checked again after this long. */
    retryIntervalMs: z.number().int().min(100).default(60_000),
    /** How often a replica looks for claims due a check. */
    sweepIntervalMs: z.number().int().min(100).default(30_000),
  })
  .strict();

/** Registry configuration: one strict schema, defaults with units. */
export const registryConfigSchema = z
  .object({
    ...roleServerFields(4100),
    /** The `<publisher>` of ARD identifiers `urn:air:<publisher>:agent:<name>`: a domain you control. */
    publisher: z.string().regex(/^[a-z0-9.-]+$/i).default('agentmesh.local'),
    /** Bearer token writes need when no authenticator is given (env REGISTRY_TOKEN). Unset: writes are open. */
    writeToken: z.string().min(16).optional(),
    /** Bearer token that grants `registry:review`, to approve or reject held card changes (env REGISTRY_REVIEW_TOKEN). */
    reviewToken: z.string().min(16).optional(),
    /** Card changes held for review. */
    review: reviewSettings.prefault({}),
    /** Ownership claims' checks. */
    ownership: ownershipSettings.prefault({}),
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
  .strict()
  .superRefine((config, ctx) => {
    if (config.reviewToken !== undefined && config.writeToken === undefined) {
      ctx.addIssue({ code: 'custom', path: ['reviewToken'], message: 'needs writeToken (REGISTRY_TOKEN) too: with a token for reviews only, nobody could write' });
    }
    if (config.reviewToken !== undefined && config.reviewToken === config.writeToken) {
      ctx.addIssue({ code: 'custom', path: ['reviewToken'], message: 'must differ from writeToken: whoever writes a change must not be able to approve it' });
    }
    const holds = config.review.required || config.review.tenants.length > 0;
    if (holds && config.writeToken !== undefined && config.reviewToken === undefined) {
      ctx.addIssue({ code: 'custom', path: ['reviewToken'], message: 'is required when review holds are on and writes need a token (REGISTRY_REVIEW_TOKEN): without it nobody could approve a held change' });
    }
  });

export type RegistryConfig = z.output<typeof registryConfigSchema>;
export type RegistryConfigInput = z.input<typeof registryConfigSchema>;

/** Parses and freezes a configuration; errors name the path. */
export function parseRegistryConfig(input: RegistryConfigInput): Readonly<RegistryConfig> {
  return parseRoleConfig('registry', registryConfigSchema, input);
}
