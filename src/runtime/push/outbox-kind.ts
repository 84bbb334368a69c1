/**
 * Rows of the push outbox that are not A2A push notifications: a config
 * whose `protocol` names a kind is delivered by that kind's rules (its
 * URL, headers and body; what an answer means), and everything else the
 * outbox does — the claim and its lease, one row per task and config at a
 * time, the receiver's backoff, the retry window and the dead letters — stays
 * the worker's. The runtime's workflow launches are one (runtime/workflow-hooks).
 */

/** One row of a kind, as the worker read it. */
export interface OutboxKindRow {
  taskId: string;
  configId: string;
  /** The event's sequence number in its task's log. */
  seq: number;
  /** The config as stored (opened when sealed): the kind's own JSON. */
  config: string;
  /** The event's StreamResponse JSON. */
  event: string;
  /** This attempt's time, epoch ms. */
  now: number;
}

/** The request one attempt sends. */
export interface OutboxRequest {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** The receiver's answer to a delivered row (2xx). */
export interface OutboxAnswer {
  status: number;
  contentType: string | null;
  /** The body as text, at most 64 KiB. */
  body: string;
}

/** A kind of outbox row, told apart by its config's `protocol`. */
export interface OutboxKind {
  /**
   * The request of one attempt; undefined settles the row unsent (an event
   * this kind does not send); `{ refused }` dead-letters it at once with that
   * reason (nothing another attempt can fix). A throw leaves the row claimed
   * until its lease expires, then it is tried again.
   */
  request(row: OutboxKindRow): Promise<OutboxRequest | { refused: string } | undefined>;
  /** The receiver took the row (2xx); the row is settled already. */
  delivered(row: OutboxKindRow, answer: OutboxAnswer): Promise<void>;
  /** The row was dead-lettered: it will never be sent. `config` is undefined when it could not be read. */
  dead(row: { taskId: string; configId: string; config: string | undefined; error: string }): Promise<void>;
}
