/** A push notification config of one task, as stored. */
export interface PushConfigRecord {
  taskId: string;
  id: string;
  tenant: string;
  /**
   * TaskPushNotificationConfig as A2A v1 JSON, as the runtime stores it: the
   * runtime seals it (credentials, webhook token, URL) before it reaches the
   * store, so the stored text is opaque here; rows written before that hold
   * the JSON itself.
   */
  config: string;
  /** Protocol version the webhook was registered over ('1.0' | '0.3'). */
  protocol: string;
  createdAt: number;
}

/** One pending delivery: event `seq` of `taskId` to config `configId`. */
export interface OutboxRecord {
  id: number;
  taskId: string;
  configId: string;
  seq: number;
  attempts: number;
  createdAt: number;
}

/** Counts of the outbox by state, for metrics. */
export interface OutboxStats {
  pending: number;
  dead: number;
}

/**
 * Push configs and the delivery outbox. Outbox rows are written by
 * {@link TaskStore.append}; this interface claims and settles them.
 */
export interface PushStore {
  putConfig(config: PushConfigRecord): Promise<void>;
  getConfig(taskId: string, id: string): Promise<PushConfigRecord | undefined>;
  listConfigs(taskId: string): Promise<PushConfigRecord[]>;
  /**
   * Up to `limit` configs still stored as JSON text (`{…}`), written before
   * the runtime sealed them at rest: the runtime seals them at start.
   */
  configsNotSealed(limit: number): Promise<PushConfigRecord[]>;
  /**
   * Up to `limit` configs after `after` in (task id, config id) order, every
   * tenant's: a rotation of the runtime's secret walks them all to re-seal
   * the ones still sealed under the previous secret.
   */
  configsAfter(after: { taskId: string; id: string } | undefined, limit: number): Promise<PushConfigRecord[]>;
  /** Sets a config's stored text to `to` if it still is `from`; false when it changed or is gone. */
  replaceConfig(taskId: string, id: string, from: string, to: string): Promise<boolean>;
  /** Deletes a config and its undelivered outbox rows; false when it did not exist. */
  deleteConfig(taskId: string, id: string): Promise<boolean>;
  /**
   * Claims due deliveries for `owner` until `leaseUntil`. Only the oldest
   * undelivered row of each (task, config) is eligible, so deliveries to one
   * webhook stay in order.
   */
  claimDue(options: { now: number; owner: string; leaseUntil: number; limit: number }): Promise<OutboxRecord[]>;
  markDelivered(id: number, now: number): Promise<void>;
  markRetry(id: number, options: { nextAttemptAt: number; error: string; now: number }): Promise<void>;
  markDead(id: number, options: { error: string; now: number }): Promise<void>;
  stats(): Promise<OutboxStats>;
}
