import type { AgentCard } from '@a2a-js/sdk';

/**
 * The registry's data model: an A2A card (always stored as v1.0 JSON) plus
 * the enterprise metadata of seeds 000/004, instances under leases, and
 * versioned configs. Timestamps on the API are ISO 8601 strings.
 */

/** A JSON Schema document (draft 2020-12 or 07), as declared by the agent's owner. */
export type JsonSchema = Record<string, unknown>;

export type SlaTier = 'gold' | 'silver' | 'bronze';
export type AgentStatus = 'active' | 'deprecated' | 'disabled';
/** Per-agent health, derived from its instances: all up, some up, none up, or not yet known. */
export type AgentHealth = 'healthy' | 'degraded' | 'down' | 'unknown';
/** One instance's last probe verdict. */
export type InstanceProbeState = 'up' | 'down' | 'unknown';

/** What a skill costs, in credits (seed 004: `creditsPerLead` counted over `leadIds`). */
export interface SkillPricing {
  /** Flat credits charged per call. */
  creditsPerCall?: number;
  /** Credits per counted item. */
  creditsPerItem?: number;
  /** Dot path into the skill input whose array length (or numeric value) is the item count, e.g. `leadIds`. */
  itemsPath?: string;
}

/** Per-skill metadata the card itself cannot hold. Keyed by skill id. */
export interface SkillMetadata {
  inputSchema?: JsonSchema;
  outputSchema?: JsonSchema;
  pricing?: SkillPricing;
  /** OAuth scopes a caller needs for this skill, on top of the agent's. */
  requiredScopes?: string[];
  /** A workflow skill's steps as an outline (the orchestrator's, for the console's graph): `{ steps: [{ id, kind, agent?, skill?, steps?, step? }] }`. */
  workflow?: Record<string, unknown>;
}

/** Kinds of personal data the gateway's PII policy detects (docs/gateway.md#personal-data-pii). */
export const PII_KINDS = ['email', 'phone', 'card', 'us_ssn', 'uk_nino'] as const;
export type PiiKind = (typeof PII_KINDS)[number];
/** What the gateway does with a message carrying personal data, mildest first. */
export const PII_ACTIONS = ['log', 'redact', 'block'] as const;
export type PiiAction = (typeof PII_ACTIONS)[number];

/** An agent's PII policy, applied by the gateway to every call to it: without `kinds`, every kind. */
export interface PiiPolicyDeclaration {
  action: PiiAction;
  kinds?: PiiKind[];
}

/** SLA promise of an agent (seed 000: gold/silver/bronze). */
export interface Sla {
  tier: SlaTier;
  /** Availability target, percent (e.g. 99.9). */
  availability?: number;
  /** Latency ceiling, ms. */
  maxLatencyMs?: number;
}

/** Enterprise metadata of an agent (seeds 000/004). Every field optional. */
export interface AgentMetadata {
  department?: string;
  owner?: string;
  maintainers?: string[];
  costCenter?: string;
  sla?: Sla;
  maxConcurrentTasks?: number;
  /** OAuth scopes every call needs. */
  requiredScopes?: string[];
  rateLimit?: { requestsPerMinute: number; burst?: number };
  /** The agent scopes its data by the caller's tenant. */
  tenantAware?: boolean;
  /** Tenants allowed to see and call the agent; absent or empty = every tenant. */
  tenants?: string[];
  regions?: string[];
  documentationUrl?: string;
  /** Tags beyond those of the card's skills. */
  tags?: string[];
  /** Schema every config version must satisfy. */
  configSchema?: JsonSchema;
  skills?: Record<string, SkillMetadata>;
  /** Personal data policy the gateway applies to calls to this agent (docs/gateway.md "Policies"). */
  pii?: PiiPolicyDeclaration;
}

/**
 * How a bridged agent is reached in its own protocol. Today only ACP
 * (docs/acp.md): the agent is `agentName` on the ACP server at `url`, and
 * `manifest` is its agent manifest as that server served it (valid against
 * the ACP document), kept as is so nothing the card cannot say is lost.
 */
export interface AgentBridge {
  protocol: 'acp';
  /** The ACP server's base URL (where `/agents`, `/runs` and `/ping` are), without a trailing slash. */
  url: string;
  /** The agent's name on that server (`agent_name` of its runs). */
  agentName: string;
  manifest: Record<string, unknown>;
}

/** One agent as the registry keeps it. */
export interface AgentRecord {
  /** Unique slug (`^[a-z0-9][a-z0-9-]{0,62}$`); the key of every API path. */
  name: string;
  /** ARD identifier: `urn:air:<publisher>:agent:<name>`. */
  identifier: string;
  /** The card as A2A v1.0 JSON (v0.3 cards are translated on the way in). */
  card: AgentCard;
  /** Where the card was fetched from, when registered by URL. */
  cardUrl?: string;
  /** Protocol version of the card as it was submitted. */
  sourceProtocol: '1.0' | '0.3';
  /** The card carried a signature that verified. */
  signed: boolean;
  /** Set when the agent speaks another protocol than A2A: its card is derived, and the gateway bridges calls to it. */
  bridge?: AgentBridge;
  metadata: AgentMetadata;
  status: AgentStatus;
  /** Derived from the instances in rotation. */
  health: AgentHealth;
  /** Record revision; every update increments it (optimistic concurrency with `If-Match`). */
  revision: number;
  /** Version number of the active config, when any config was put. */
  activeConfigVersion?: number;
  createdAt: string;
  updatedAt: string;
}

/** One running copy of an agent. */
export interface AgentInstance {
  id: string;
  agent: string;
  /** Base URL of the instance (its A2A endpoint). */
  url: string;
  region?: string;
  version?: string;
  /** Tasks it can run at once. */
  capacity?: number;
  /** `leased`: kept only while it heartbeats. `static`: from a card URL, kept until removed, probed only. */
  kind: 'leased' | 'static';
  leaseTtlMs?: number;
  leaseExpiresAt?: string;
  lastHeartbeatAt?: string;
  registeredAt: string;
  probe: {
    state: InstanceProbeState;
    lastProbeAt?: string;
    latencyMs?: number;
    consecutiveFailures: number;
    lastError?: string;
  };
  /** Lease alive (or static) and last probe not down. */
  inRotation: boolean;
}

/** One immutable config version of an agent (seed 002). */
export interface AgentConfigVersion {
  agent: string;
  version: number;
  config: Record<string, unknown>;
  createdAt: string;
  createdBy?: string;
  /** Free text: why this version exists ("rollback to 3", …). */
  comment?: string;
  active: boolean;
}

/** Kinds of change the watch stream carries. */
export type RegistryChangeKind = 'registered' | 'updated' | 'deregistered' | 'health_changed' | 'config_changed' | 'instance_changed';

/** One entry of the change log; `seq` is the resumable watch id. */
export interface RegistryChange {
  seq: number;
  kind: RegistryChangeKind;
  agent: string;
  at: string;
  /** The record after the change (absent for `deregistered`). */
  record?: AgentRecord;
  /** Kind-specific details (old/new health, config version, instance id). */
  detail?: Record<string, unknown>;
}
