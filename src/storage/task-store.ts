/**
 * Durable tasks: one row per task (the folded snapshot, under a version
 * column) plus its ordered event log. The runtime computes the next version
 * and sequence numbers itself; the store only accepts a write whose
 * `expectedVersion` still matches, so concurrent writers never lose an update.
 *
 * Payloads are opaque JSON strings: storage knows nothing of A2A shapes.
 */
export interface TaskRecord extends TaskFields {
  version: number;
  lastSeq: number;
  createdAt: number;
  updatedAt: number;
}

/** What a task is, as its writer creates it and as the store returns it. */
export interface TaskFields {
  id: string;
  agent: string;
  tenant: string;
  contextId: string;
  state: string;
  skill: string | null;
  /** messageId of the message that created the task. */
  messageId: string | null;
  snapshot: string;
  owner: string | null;
  idempotent: boolean;
  terminal: boolean;
}

/** A replica's heartbeat as one read of its row found it: the time is the replica's own clock's. */
export interface ReplicaHeartbeat {
  id: string;
  heartbeatAt: number;
}

/** A replica's heartbeat row. */
export interface ReplicaRecord extends ReplicaHeartbeat {
  /** What the replica hosts, as its heartbeat wrote it; null when it never said (a replica of an earlier version). */
  hosts: string | null;
}

/** One entry of a task's event log. */
export interface TaskEventRecord {
  taskId: string;
  seq: number;
  kind: string;
  payload: string;
  createdAt: number;
}

/** An event to append; `seq` is assigned by the writer (previous lastSeq + 1, …). */
export interface NewTaskEvent {
  seq: number;
  kind: string;
  payload: string;
}

/** A new task and the events that created it. */
export interface NewTask extends TaskFields {
  events: NewTaskEvent[];
  now: number;
  /** Push configs were stored for this id before it was created: queue its first events for delivery too. */
  pushConfigured?: boolean;
  /**
   * The messageId started another task already, and this message is not a retry of it (another message
   * under a reused id, ADR 0046): created without claiming the id ({@link MessageAlreadyStarted}).
   */
  messageIdReused?: boolean;
}

/**
 * A create refused because a task of the same agent, tenant and messageId was created since the send
 * looked the id up (another replica served the client's retry meanwhile): `taskId` names it. The
 * engine answers the send with that task when it is a retry of it. PostgreSQL only (migration 0030).
 */
export class MessageAlreadyStarted extends Error {
  override readonly name = 'MessageAlreadyStarted';
  readonly messageId: string;
  readonly taskId: string;
  constructor(messageId: string, taskId: string, options?: ErrorOptions) {
    super(`message ${messageId} already started task ${taskId}`, options);
    this.messageId = messageId;
    this.taskId = taskId;
  }
}

/** A fold of new events into an existing task. */
export interface TaskAppend {
  taskId: string;
  /**
   * The task's tenant, when the writer knows it: on PostgreSQL the write then
   * runs under that tenant's row-security marker (ADR 0022); unset, under the
   * connection's own scope.
   */
  tenant?: string;
  /** The version the writer folded onto; the write fails if the row moved on. */
  expectedVersion: number;
  state: string;
  /**
   * The new snapshot; undefined leaves the stored one (it then lags the log
   * by transient progress only: the writer bounds how far, see task-run.ts).
   */
  snapshot?: string;
  terminal: boolean;
  /** Set to change the owner (claim or release); undefined leaves it. */
  owner?: string | null;
  events: NewTaskEvent[];
  now: number;
}

/** Filters of ListTasks (A2A §3.1.4). */
export interface TaskListQuery {
  agent: string;
  tenant: string;
  contextId?: string;
  state?: string;
  /** Only tasks updated at or after this epoch-ms time. */
  updatedAfter?: number;
  pageSize: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export interface TaskListPage {
  tasks: TaskRecord[];
  totalSize: number;
  nextCursor: string;
}

/**
 * The task store contract. {@link SqliteTaskStore} and {@link PostgresTaskStore}
 * implement it; one conformance suite runs over both.
 */
export interface TaskStore {
  /** Inserts a task and its first events. */
  create(task: NewTask): Promise<void>;
  /**
   * Appends events and replaces the snapshot (when given), bumping the version by one.
   * Rejects with `AM_ERR_TASK_VERSION_CONFLICT` when `expectedVersion` is stale.
   * For each push config of the task, one outbox row per event is written in
   * the same transaction (transactional outbox: no notification is lost).
   */
  append(change: TaskAppend): Promise<void>;
  /**
   * The task, or undefined. With `tenant`, the read runs as that tenant: on
   * PostgreSQL, row-level security then hides every other tenant's row (the
   * second line behind the caller's own tenant check).
   */
  get(id: string, tenant?: string): Promise<TaskRecord | undefined>;
  /**
   * The task a message created, for retried sends: one created within the
   * dedupe window (24 h, storage/message-key.ts) before `now`.
   */
  findByMessage(agent: string, tenant: string, messageId: string, now: number): Promise<TaskRecord | undefined>;
  list(query: TaskListQuery): Promise<TaskListPage>;
  /** Events with `seq > afterSeq`, in order, at most `limit`. */
  events(taskId: string, afterSeq: number, limit: number): Promise<TaskEventRecord[]>;
  /**
   * Records that replica `id` is alive, and with `hosts` what it hosts (an
   * opaque string the runtime writes and reads back, see {@link ReplicaRecord});
   * without, the hosts recorded stay.
   */
  heartbeat(replicaId: string, now: number, hosts?: string): Promise<void>;
  /** The replicas that heartbeat at or after `since` (each replica's own clock), theirs and stale ones alike; 0: every row. */
  replicasSeen(since: number): Promise<ReplicaRecord[]>;
  /**
   * Removes a replica's heartbeat row: at a clean shutdown, or (with `heartbeatAt`) one watched silent
   * for long, only while it still holds that heartbeat.
   */
  removeReplica(replicaId: string, heartbeatAt?: number): Promise<void>;
  /**
   * Live tasks whose owner has no heartbeat row at all, or is one of `stale`
   * with its heartbeat still the one given there: work a dead replica left
   * behind (the caller judges which heartbeats are stale; one that changed
   * since it read them is alive). Ordered by id; `afterId` pages past rows a
   * caller chose to leave.
   */
  orphans(stale: readonly ReplicaHeartbeat[], limit: number, afterId?: string): Promise<TaskRecord[]>;
  /** Deletes terminal tasks last updated before `before`, with their events, configs and outbox rows. Returns how many tasks went. */
  prune(before: number, limit: number): Promise<number>;
}
