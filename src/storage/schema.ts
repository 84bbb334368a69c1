import type { ColumnType, Generated } from 'kysely';
import type { AuditTables } from './schema-audit.js';
import type { WorkflowTables } from './schema-workflows.js';
import type { RouterTables } from './schema-router.js';
import type { IdentityTables } from './schema-identity.js';
import type { TenancyTables } from './schema-tenancy.js';

/**
 * Table shapes shared by both dialects. Timestamps are epoch milliseconds;
 * booleans are 0/1 integers so one migration set serves SQLite and Postgres.
 */
export interface TasksTable {
  id: string;
  agent: string;
  tenant: string;
  context_id: string;
  state: string;
  skill: string | null;
  /** messageId of the message that created the task. */
  message_id: string | null;
  /** Hash of (agent, tenant, message_id), indexed for retried-send lookups. */
  message_key: number | null;
  /** Hour bucket of created_at; the dedupe index leads with it. */
  message_bucket: number | null;
  version: number;
  last_seq: number;
  /** The task as A2A v1 JSON (history and artifacts included). */
  snapshot: string;
  owner: string | null;
  idempotent: number;
  terminal: number;
  created_at: number;
  updated_at: number;
}

export interface TaskEventsTable {
  task_id: string;
  /** First event of the row. */
  seq: number;
  /** Last event of the row (one row per write). */
  last_seq: number;
  /** The events' kinds, comma-joined. */
  kind: string;
  /** The events as StreamResponse A2A v1 JSON, newline-joined. */
  payload: string;
  created_at: number;
}

export interface PushConfigsTable {
  task_id: string;
  id: string;
  tenant: string;
  /** TaskPushNotificationConfig as A2A v1 JSON. */
  config: string;
  /** Protocol version the webhook was registered over; decides the payload shape. */
  protocol: string;
  created_at: number;
  /** Keyed hash of the webhook's origin (migration 0015); NULL for configs stored before it. */
  origin_key: string | null;
}

export interface PushOutboxTable {
  id: Generated<number>;
  task_id: string;
  config_id: string;
  seq: number;
  state: string;
  attempts: number;
  next_attempt_at: number;
  claimed_by: string | null;
  claim_expires_at: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

/** A webhook origin that is failing, shared by the replicas (migration 0015, ADR 0027). */
export interface PushOriginsTable {
  origin_key: string;
  /** Consecutive failed probes (1 once it failed at all). */
  failures: number;
  next_probe_at: number;
  /** The replica probing it now, until `probe_until`. */
  probe_by: string | null;
  probe_until: number | null;
  last_error: string | null;
  updated_at: number;
}

/** A value sealed under the first replica's secret, that later replicas must open (migration 0015). */
export interface SealedCanariesTable {
  name: string;
  value: string;
  created_at: number;
}

export interface RuntimeReplicasTable {
  id: string;
  started_at: number;
  heartbeat_at: number;
  /** The agents and skills the replica hosts, JSON (migration 0026); null from replicas of an earlier version. */
  hosts: string | null;
}

export interface RegistryAgentsTable {
  name: string;
  identifier: string;
  /** The card as A2A v1.0 JSON. */
  card: string;
  card_url: string | null;
  /** AgentBridge JSON of a bridged (ACP) agent; null for A2A agents. */
  bridge: string | null;
  source_protocol: string;
  signed: number;
  /** AgentMetadata JSON. */
  metadata: string;
  status: string;
  health: string;
  revision: number;
  active_config_version: number | null;
  created_at: number;
  updated_at: number;
  /** The registry's own state of the record (JSON): the ownership verdict and the pointer to a held review; null with neither. */
  governance: string | null;
  /** When the ownership claim is next checked (epoch ms); null without a claim. Left as it is by a write that does not name it. */
  ownership_check_at: ColumnType<number | null, number | null | undefined, number | null | undefined>;
}

/** A changed card held for review, and its decision (docs/registry.md#review-holds). */
export interface RegistryReviewsTable {
  id: string;
  agent: string;
  /** pending | approved | rejected | superseded | withdrawn */
  state: string;
  base_revision: number;
  /** The proposal's JSON: card, cardUrl, sourceProtocol, signed, metadata, metadataPatch. */
  proposal: string;
  /** CardChange[] JSON. */
  changes: string;
  base_card_digest: string;
  digest: string;
  submitted_at: number;
  submitted_by: string | null;
  decided_at: number | null;
  decided_by: string | null;
  on_behalf_of: string | null;
  reason: string | null;
}

export interface RegistryInstancesTable {
  id: string;
  agent: string;
  url: string;
  region: string | null;
  version: string | null;
  capacity: number | null;
  /** `leased` or `static`. */
  kind: string;
  lease_ttl_ms: number | null;
  lease_expires_at: number | null;
  last_heartbeat_at: number | null;
  registered_at: number;
  probe_state: string;
  last_probe_at: number | null;
  latency_ms: number | null;
  consecutive_failures: number;
  last_error: string | null;
  next_probe_at: number;
}

export interface RegistryProbesTable {
  id: Generated<number>;
  instance_id: string;
  at: number;
  ok: number;
  latency_ms: number | null;
  error: string | null;
}

export interface RegistryConfigsTable {
  agent: string;
  version: number;
  config: string;
  created_at: number;
  created_by: string | null;
  comment: string | null;
}

export interface RegistryChangesTable {
  seq: Generated<number>;
  kind: string;
  agent: string;
  at: number;
  /** AgentRecord JSON after the change. */
  record: string | null;
  detail: string | null;
}

export interface GatewayOpenReservationsTable {
  key: string;
  agent: string;
  task_id: string;
  tenant: string;
  subject: string;
  /** Milli-credits reserved. */
  estimate: number;
  created_at: number;
}

/** The tenant that started each run of a bridged ACP agent (the gateway's bridge). */
export interface GatewayBridgedRunsTable {
  agent: string;
  run_id: string;
  tenant: string;
  created_at: number;
}

/** An approval rule declared through the admin API (docs/approvals.md); '' matches anything. */
export interface GatewayApprovalRulesTable {
  id: string;
  agent: string;
  skill: string;
  /** The tenant the rule matches ('' any). */
  match_tenant: string;
  condition: string;
  reason: string;
  approver_scope: string;
  expires_after_ms: number;
  created_at: number;
  created_by: string;
}

/** One version of a gateway policy (docs/policies.md, migration 0025). */
export interface GatewayPoliciesTable {
  /** '' for a platform-wide policy. */
  policy_tenant: string;
  id: string;
  version: number;
  effect: string;
  /** The policy as written, JSON. */
  body: string;
  /** 1: this version deleted the policy. */
  deleted: number;
  created_at: number;
  created_by: string;
}

/** A call parked for approval, and its decision (docs/approvals.md). */
export interface GatewayApprovalsTable {
  id: string;
  tenant: string;
  agent: string;
  skill: string;
  rule_id: string;
  reason: string;
  approver_scope: string;
  state: string;
  /** The caller, as JSON. */
  principal: string;
  /** The call as received, as JSON. */
  request: string;
  message_id: string;
  context_id: string;
  milli_credits: number;
  reservation_key: string;
  created_at: number;
  expires_at: number;
  decided_by: string | null;
  decided_at: number | null;
  decision_reason: string | null;
  task_id: string | null;
  /** What forwarding answered, as JSON. */
  outcome: string | null;
}

/** Every table agentmesh keeps, as Kysely sees them. */
export interface Tables extends IdentityTables, TenancyTables, AuditTables, WorkflowTables, RouterTables {
  tasks: TasksTable;
  task_events: TaskEventsTable;
  push_configs: PushConfigsTable;
  push_outbox: PushOutboxTable;
  push_origins: PushOriginsTable;
  sealed_canaries: SealedCanariesTable;
  runtime_replicas: RuntimeReplicasTable;
  registry_agents: RegistryAgentsTable;
  registry_instances: RegistryInstancesTable;
  registry_probes: RegistryProbesTable;
  registry_configs: RegistryConfigsTable;
  registry_changes: RegistryChangesTable;
  registry_reviews: RegistryReviewsTable;
  gateway_open_reservations: GatewayOpenReservationsTable;
  gateway_bridged_runs: GatewayBridgedRunsTable;
  gateway_approval_rules: GatewayApprovalRulesTable;
  gateway_approvals: GatewayApprovalsTable;
  gateway_policies: GatewayPoliciesTable;
}
