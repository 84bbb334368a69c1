import type { ReplicaHeartbeat } from '../storage/index.js';

/** A heartbeat judged stale, and how long it has been watched unchanged. */
export interface StaleHeartbeat extends ReplicaHeartbeat {
  silentMs: number;
}

/**
 * Which replicas stopped heartbeating, judged by how long this replica has
 * watched each one's heartbeat stay the same, on its own clock, never by
 * comparing a heartbeat's time (another replica's clock) with its own: a
 * replica whose wall clock ran ahead read every other heartbeat as stale and
 * took over the fleet's live tasks each round, and one whose clock ran behind
 * had its own taken (ADR 0086). Kubernetes' leader election judges a lease
 * the same way, so it needs no clock shared across nodes, only clocks that
 * run at about the same rate: the runtime gives it a monotonic one.
 *
 * A heartbeat seen for the first time is as good as a change: a replica just
 * started takes nothing over before it has watched for a lease.
 */
export class HeartbeatWatch {
  #seen = new Map<string, { heartbeatAt: number; since: number }>();

  /**
   * Records the heartbeat rows read at `now` (the watch's clock) and returns
   * those unchanged for `leaseMs` or longer, as read: an orphan scan takes
   * only the tasks of an owner whose heartbeat is still the one judged stale,
   * so a replica heartbeating again meanwhile keeps its tasks.
   */
  stale(rows: readonly ReplicaHeartbeat[], now: number, leaseMs: number): StaleHeartbeat[] {
    const seen = new Map<string, { heartbeatAt: number; since: number }>();
    const stale: StaleHeartbeat[] = [];
    for (const { id, heartbeatAt } of rows) {
      const before = this.#seen.get(id);
      const since = before !== undefined && before.heartbeatAt === heartbeatAt ? before.since : now;
      seen.set(id, { heartbeatAt, since });
      if (now - since >= leaseMs) stale.push({ id, heartbeatAt, silentMs: now - since });
    }
    // Rows gone (a clean stop) are forgotten with them.
    this.#seen = seen;
    return stale;
  }

  /**
   * Forgets what was watched, after the heartbeats could not be read: the
   * database was out of reach, for the other replicas' heartbeats too, maybe.
   * Counting that time as watched would judge live replicas silent at the
   * first read after it, before their next heartbeat lands.
   */
  forget(): void {
    this.#seen.clear();
  }
}
