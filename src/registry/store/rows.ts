import { AgentCard } from '@a2a-js/sdk';
import type { Insertable, Selectable } from 'kysely';
import type { Tables } from '../../storage/index.js';
import { cardToJsonText, recordFromJson, type AgentRecordJson } from '../../contracts/registry/index.js';
import { REGISTRY_CHANGE_KINDS } from '../../contracts/registry/index.js';
import type { AgentBridge, AgentConfigVersion, AgentHealth, AgentInstance, AgentMetadata, AgentOwnership, AgentRecord, AgentStatus, InstanceProbeState, PendingReviewRef, RegistryChange } from '../../contracts/registry/index.js';
import { isRecord, requireOneOf } from '../../protocol/index.js';

type AgentRow = Selectable<Tables['registry_agents']>;
type InstanceRow = Selectable<Tables['registry_instances']>;
type ConfigRow = Selectable<Tables['registry_configs']>;
type ChangeRow = Selectable<Tables['registry_changes']>;

// The values each enum column holds (as written by rowFromRecord and the store); any other is damage.
const AGENT_STATUSES: readonly AgentStatus[] = ['active', 'deprecated', 'disabled'];
const AGENT_HEALTHS: readonly AgentHealth[] = ['healthy', 'degraded', 'down', 'unknown'];
const PROBE_STATES: readonly InstanceProbeState[] = ['up', 'down', 'unknown'];

/** A JSON object column (a config, a change's detail), checked: a column is data like any other. */
export function objectColumn(text: string, what: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  if (!isRecord(value)) throw new TypeError(`${what} is not a JSON object`);
  return value;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrUndefined = (ms: number | null): string | undefined => (ms === null ? undefined : iso(ms));

/** Row ↔ record mapping; JSON columns hold the card and metadata as written. */
export function recordFromRow(row: AgentRow): AgentRecord {
  return {
    name: row.name,
    identifier: row.identifier,
    card: AgentCard.fromJSON(JSON.parse(row.card)),
    ...(row.card_url !== null && { cardUrl: row.card_url }),
    sourceProtocol: row.source_protocol === '0.3' ? '0.3' : '1.0',
    signed: row.signed === 1,
    ...(row.bridge !== null && { bridge: JSON.parse(row.bridge) as AgentBridge }),
    metadata: JSON.parse(row.metadata) as AgentMetadata,
    status: requireOneOf(AGENT_STATUSES, row.status, 'registry_agents.status'),
    health: requireOneOf(AGENT_HEALTHS, row.health, 'registry_agents.health'),
    revision: row.revision,
    ...(row.active_config_version !== null && { activeConfigVersion: row.active_config_version }),
    ...(row.governance !== null && governance(JSON.parse(row.governance) as RowGovernance)),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/**
 * The `governance` column: the ownership verdict and the pointer to a review
 * held for the agent, the registry's own state of the record, read and
 * written with it.
 */
interface RowGovernance {
  ownership?: AgentOwnership;
  review?: PendingReviewRef;
}

function governance(column: RowGovernance): Pick<AgentRecord, 'ownership' | 'review'> {
  return { ...(column.ownership !== undefined && { ownership: column.ownership }), ...(column.review !== undefined && { review: column.review }) };
}

/** The row of a record; `ownership_check_at` is not in it: a write that does not name it leaves it as it is. */
export function rowFromRecord(record: AgentRecord): Omit<Insertable<Tables['registry_agents']>, 'ownership_check_at'> & AgentRowWritten {
  return {
    name: record.name,
    identifier: record.identifier,
    card: cardToJsonText(record.card),
    card_url: record.cardUrl ?? null,
    source_protocol: record.sourceProtocol,
    signed: record.signed ? 1 : 0,
    bridge: record.bridge === undefined ? null : JSON.stringify(record.bridge),
    metadata: JSON.stringify(record.metadata),
    status: record.status,
    health: record.health,
    revision: record.revision,
    active_config_version: record.activeConfigVersion ?? null,
    created_at: Date.parse(record.createdAt),
    updated_at: Date.parse(record.updatedAt),
    governance: record.ownership === undefined && record.review === undefined ? null : JSON.stringify({ ownership: record.ownership, review: record.review }),
  };
}

/** The columns {@link rowFromRecord} always writes (its `card` is read back by the store). */
interface AgentRowWritten {
  name: string;
  card: string;
}

/** An instance is in rotation while its lease lives (static ones always) and its last probe was not down. */
export function instanceFromRow(row: InstanceRow, now: number): AgentInstance {
  const leaseAlive = row.kind === 'static' || (row.lease_expires_at !== null && row.lease_expires_at > now);
  return {
    id: row.id,
    agent: row.agent,
    url: row.url,
    ...(row.region !== null && { region: row.region }),
    ...(row.version !== null && { version: row.version }),
    ...(row.capacity !== null && { capacity: row.capacity }),
    kind: row.kind === 'static' ? 'static' : 'leased',
    ...(row.lease_ttl_ms !== null && { leaseTtlMs: row.lease_ttl_ms }),
    ...(row.lease_expires_at !== null && { leaseExpiresAt: iso(row.lease_expires_at) }),
    ...(row.last_heartbeat_at !== null && { lastHeartbeatAt: iso(row.last_heartbeat_at) }),
    registeredAt: iso(row.registered_at),
    probe: {
      state: requireOneOf(PROBE_STATES, row.probe_state, 'registry_instances.probe_state'),
      ...(row.last_probe_at !== null && { lastProbeAt: iso(row.last_probe_at) }),
      ...(row.latency_ms !== null && { latencyMs: row.latency_ms }),
      consecutiveFailures: row.consecutive_failures,
      ...(row.last_error !== null && { lastError: row.last_error }),
    },
    inRotation: leaseAlive && row.probe_state !== 'down',
  };
}

export function configFromRow(row: ConfigRow, activeVersion: number | null): AgentConfigVersion {
  return {
    agent: row.agent,
    version: row.version,
    config: objectColumn(row.config, 'registry_configs.config'),
    createdAt: iso(row.created_at),
    ...(row.created_by !== null && { createdBy: row.created_by }),
    ...(row.comment !== null && { comment: row.comment }),
    active: row.version === activeVersion,
  };
}

export function changeFromRow(row: ChangeRow): RegistryChange {
  return {
    seq: Number(row.seq),
    kind: requireOneOf(REGISTRY_CHANGE_KINDS, row.kind, 'registry_changes.kind'),
    agent: row.agent,
    at: iso(row.at),
    ...(row.record !== null && { record: recordFromJson(JSON.parse(row.record) as AgentRecordJson) }),
    ...(row.detail !== null && { detail: objectColumn(row.detail, 'registry_changes.detail') }),
  };
}

export { isoOrUndefined };
