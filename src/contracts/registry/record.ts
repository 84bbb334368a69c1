import type { AgentCard } from '@a2a-js/sdk';
import type { FromSchema } from 'json-schema-to-ts';
import type { agentMetadataSchema } from './metadata-schema.js';

/**
 * The registry's data model: an A2A card (always stored as v1.0 JSON) plus
 * the enterprise metadata of seeds 000/004, instances under leases, and
 * versioned configs. Timestamps on the API are ISO 8601 strings.
 */

/** A JSON Schema document (draft 2020-12 or 07), as declared by the agent's owner. */
export type JsonSchema = Record<string, unknown>;

export type SlaTier = Sla['tier'];
export type AgentStatus = 'active' | 'deprecated' | 'disabled';
/** Per-agent health, derived from its instances: all up, some up, none up, or not yet known. */
export type AgentHealth = 'healthy' | 'degraded' | 'down' | 'unknown';
/** One instance's last probe verdict. */
export type InstanceProbeState = 'up' | 'down' | 'unknown';

/** Enterprise metadata of an agent (seeds 000/004), as `metadata-schema.ts` validates it. Every field optional. */
export type AgentMetadata = FromSchema<typeof agentMetadataSchema>;
/** Per-skill metadata the card itself cannot hold. Keyed by skill id. */
export type SkillMetadata = NonNullable<AgentMetadata['skills']>[string];
/** What a skill costs, in credits (seed 004: `creditsPerLead` counted over `leadIds`). */
export type SkillPricing = NonNullable<SkillMetadata['pricing']>;
/** SLA promise of an agent (seed 000: gold/silver/bronze). */
export type Sla = NonNullable<AgentMetadata['sla']>;
/** An agent's PII policy, applied by the gateway to every call to it: without `kinds`, every kind. */
export type PiiPolicyDeclaration = NonNullable<AgentMetadata['pii']>;

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

/** An agent's ownership claim as its metadata states it (`metadata.ownership`). */
export type OwnershipClaim = NonNullable<AgentMetadata['ownership']>;
/** How an ownership claim was proven: a DNS TXT record, a well-known file on the card's host, or a card signed by the owner's key. */
export type OwnershipMethod = 'dns' | 'well-known' | 'signature';
/**
 * Where an ownership claim stands: `verified` (one method proved it),
 * `unverified` (not checked yet, or a check could not complete: a DNS
 * timeout, a host that did not answer) or `refused` (checked, and false).
 */
export type OwnershipStatus = 'verified' | 'unverified' | 'refused';

/**
 * The registry's verdict on the record's ownership claim
 * (docs/registry.md#ownership-verification). Written by the registry only:
 * a registration states the claim in `metadata.ownership`.
 */
export interface AgentOwnership {
  /** The domain claimed, as `metadata.ownership.domain` says. */
  domain: string;
  organization?: string;
  status: OwnershipStatus;
  /** How it was proven, when verified. */
  method?: OwnershipMethod;
  /** When the check that made it verified ran. */
  verifiedAt?: string;
  /** When the current verdict was reached (checks that reach the same verdict again leave the record as it is). */
  checkedAt?: string;
  /** Why it is not verified: each method's reason. */
  reason?: string;
  /**
   * The value the DNS TXT record or the well-known file must carry: issued by
   * this registry for this record and domain, kept while the claim names the
   * same domain (a new registration of the name gets a new one).
   */
  token: string;
}

/** A card change of the record waiting for a reviewer (docs/registry.md#review-holds). */
export interface PendingReviewRef {
  id: string;
  submittedAt: string;
  /** SHA-256 (hex) of the proposal: the same change submitted again is the same review. */
  digest: string;
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
  /** The registry's verdict on `metadata.ownership`, when the metadata claims an owner. */
  ownership?: AgentOwnership;
  /** A changed card held for review: the record keeps the approved one until a reviewer decides. */
  review?: PendingReviewRef;
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

/**
 * Kinds of change the watch stream carries. `review_requested`: a changed
 * card was held (the record still holds the approved one); `review_decided`:
 * a reviewer approved or rejected it (an approval also logs `updated`, with
 * the new card).
 */
export type RegistryChangeKind = 'registered' | 'updated' | 'deregistered' | 'health_changed' | 'config_changed' | 'instance_changed' | 'review_requested' | 'review_decided';

/** Every {@link RegistryChangeKind}, in the order the docs list them. */
export const REGISTRY_CHANGE_KINDS: readonly RegistryChangeKind[] = Object.freeze(['registered', 'updated', 'deregistered', 'health_changed', 'config_changed', 'instance_changed', 'review_requested', 'review_decided']);

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
