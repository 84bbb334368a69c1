import type { Kysely } from 'kysely';
import type { Logger } from '../observability/index.js';
import type { Tables } from '../storage/index.js';
import type { CreditLedger, Settlement } from '../tenancy/index.js';
import type { CreditHolds } from './credits/index.js';
import { taskEnd, type TaskEnd } from './settlement.js';

/** A reservation waiting for its task to end. */
export interface OpenReservation {
  key: string;
  agent: string;
  taskId: string;
  tenant: string;
  /** Who the reads go out as (the caller's subject), with the tenant in the assertion. */
  subject: string;
  estimate: number;
}

/** Reads a task through an instance of its agent (with a gateway assertion); undefined when unreachable. */
export type TaskReader = (open: OpenReservation) => Promise<unknown>;

/** Options of {@link SettlementTracker}. Durations are milliseconds. */
export interface SettlementTrackerOptions {
  /** Where holds are settled, refunded and expired: the ledger, or the gateway's credit holds in front of it (which may settle at once: `settleNow`). */
  ledger: Pick<CreditLedger, 'settle' | 'refund' | 'expireHolds'> & { settleNow?: CreditHolds['settleNow'] };
  read: TaskReader;
  logger: Logger;
  db: Kysely<Tables>;
  /** Longest a hold may stay open before it is refunded as expired. Default 24 h (86_400_000). */
  maxHoldMs?: number | undefined;
  /** How often the whole ledger is swept for holds older than `maxHoldMs`. Default 5 min (300_000). */
  sweepIntervalMs?: number | undefined;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: (() => number) | undefined;
  onSettled?: ((open: OpenReservation, settlement: Settlement) => void) | undefined;
  /** A hold refunded because it outlived `maxHoldMs`; `open` when this replica was tracking it. */
  onExpired?: ((settlement: Settlement, open: OpenReservation | undefined) => void) | undefined;
}

/** 24 hours. */
export const DEFAULT_MAX_HOLD_MS = 24 * 3600 * 1000;
/** 5 minutes. */
export const DEFAULT_HOLD_SWEEP_INTERVAL_MS = 5 * 60 * 1000;

/**
 * Settles reservations whose task was still running when its answer
 * ended (returnImmediately, input-required, streams): it reads each task
 * until it ends, then settles with the reported usage (or the estimate) or
 * refunds. Backs off per task. Open reservations are kept in the database
 * too, so a restarted gateway (or another replica) settles them.
 *
 * Holds do not outlive `maxHoldMs` (a task abandoned in input-required
 * never ends; docs/credits.md#holds-that-never-end): every `sweepIntervalMs` the ledger refunds
 * each hold older than that, tracked here or not (a gateway that crashed
 * between the hold and the tracking), and each expiry is logged and
 * reported to `onExpired` (the gateway audits it as `credits.expired`).
 */
export class SettlementTracker {
  readonly #open = new Map<string, OpenReservation & { next: number; delay: number; since: number; warned?: boolean }>();
  readonly #ledger: SettlementTrackerOptions['ledger'];
  readonly #read: TaskReader;
  readonly #log: Logger;
  readonly #maxHoldMs: number;
  readonly #sweepIntervalMs: number;
  readonly #now: () => number;
  readonly #db: Kysely<Tables>;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #lastSweep = Number.NEGATIVE_INFINITY;

  readonly #onSettled: SettlementTrackerOptions['onSettled'];
  readonly #onExpired: SettlementTrackerOptions['onExpired'];

  constructor(options: SettlementTrackerOptions) {
    this.#db = options.db;
    this.#onSettled = options.onSettled;
    this.#onExpired = options.onExpired;
    this.#ledger = options.ledger;
    this.#read = options.read;
    this.#log = options.logger;
    this.#maxHoldMs = options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS;
    this.#sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_HOLD_SWEEP_INTERVAL_MS;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#open.size;
  }

  start(intervalMs = 500): void {
    this.#timer = setInterval(() => {
      if (this.#round === undefined) this.#round = this.runOnce().finally(() => (this.#round = undefined));
    }, intervalMs);
    this.#timer.unref();
  }

  /** Picks up the open reservations a previous run (or another replica) left. */
  async load(): Promise<number> {
    const rows = await this.#db.selectFrom('gateway_open_reservations').selectAll().execute();
    const now = this.#now();
    for (const r of rows) {
      this.#open.set(r.key, { key: r.key, agent: r.agent, taskId: r.task_id, tenant: r.tenant, subject: r.subject, estimate: Number(r.estimate), next: now, delay: 200, since: Number(r.created_at) });
    }
    return rows.length;
  }

  async track(open: OpenReservation): Promise<void> {
    const now = this.#now();
    this.#open.set(open.key, { ...open, next: now + 200, delay: 200, since: now });
    await this.#db
      .insertInto('gateway_open_reservations')
      .values({ key: open.key, agent: open.agent, task_id: open.taskId, tenant: open.tenant, subject: open.subject, estimate: open.estimate, created_at: now })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
  }

  /** Settles or refunds by what a task says; the settlement, or undefined while the task is open. */
  async close(key: string, end: TaskEnd, estimate: number): Promise<Settlement | undefined> {
    return this.closeNow(key, end, estimate);
  }

  /**
   * `close`, answered at once when nothing is waited for: a settlement the
   * ledger makes in memory (`settleNow`: a call held on a lease) of a
   * reservation nobody tracked (the usual call, settled from its own
   * answer). A promise otherwise; a failure is thrown, at once or as its rejection.
   */
  closeNow(key: string, end: TaskEnd, estimate: number): Settlement | undefined | Promise<Settlement | undefined> {
    if (end.kind === 'open') return undefined;
    const settled = end.kind === 'refund' ? this.#ledger.refund(key, end.reason) : this.#charge(key, end.milliCredits ?? estimate);
    return settled instanceof Promise ? settled.then((settlement) => this.#closed(key, settlement)) : this.#closed(key, settled);
  }

  #charge(key: string, milliCredits: number): Settlement | Promise<Settlement> {
    const ledger = this.#ledger;
    return ledger.settleNow !== undefined ? ledger.settleNow(key, milliCredits, { state: 'completed' }) : ledger.settle(key, milliCredits, { state: 'completed' });
  }

  #closed(key: string, settlement: Settlement): Settlement | Promise<Settlement> {
    const open = this.#open.get(key);
    if (open === undefined) return settlement;
    this.#open.delete(key);
    // Only a tracked reservation has a row (track and load put it in #open too): most calls settle
    // from their own answer and were never written. A row another replica tracks is its to delete.
    return this.#db
      .deleteFrom('gateway_open_reservations')
      .where('key', '=', key)
      .execute()
      .then(() => {
        this.#onSettled?.(open, settlement);
        return settlement;
      });
  }

  async runOnce(): Promise<void> {
    const now = this.#now();
    for (const open of [...this.#open.values()]) {
      if (open.next > now) continue;
      try {
        const task = await this.#read(open);
        if (task !== undefined && (await this.close(open.key, taskEnd(task), open.estimate)) !== undefined) continue;
      } catch (err) {
        // Once per reservation: a condition that lasts is not logged at every attempt of the backoff.
        if (open.warned === true) this.#log.debug({ err, key: open.key }, 'could not settle a reservation yet');
        else this.#log.warn({ err, key: open.key }, 'could not settle a reservation yet (logged once; retried with backoff)');
        open.warned = true;
      }
      if (now - open.since > this.#maxHoldMs) {
        // Its task never ended within the max hold: the hold is refunded, not left held.
        await this.#expire(open, now).catch((err: unknown) => this.#log.warn({ err, key: open.key }, 'could not expire a reservation yet'));
        continue;
      }
      open.delay = Math.min(open.delay * 2, 30_000);
      open.next = now + open.delay;
    }
    if (now - this.#lastSweep >= this.#sweepIntervalMs) {
      this.#lastSweep = now;
      await this.sweep(now).catch((err: unknown) => this.#log.warn({ err }, 'could not sweep expired credit holds'));
    }
  }

  /** Refunds every hold of the ledger older than the max hold at `now` (tracked here or not); returns how many. */
  async sweep(now = this.#now()): Promise<number> {
    const expired = await this.#ledger.expireHolds({ now, maxHoldMs: this.#maxHoldMs });
    for (const settlement of expired) await this.#forget(settlement);
    return expired.length;
  }

  async #expire(open: OpenReservation & { since: number }, now: number): Promise<void> {
    const settlement = await this.#ledger.refund(open.key, `expired: its task did not end within the ${this.#maxHoldMs} ms maximum hold`);
    if (settlement.replayed) {
      // Closed meanwhile (another replica settled it): nothing expired here.
      this.#open.delete(open.key);
      await this.#db.deleteFrom('gateway_open_reservations').where('key', '=', open.key).execute();
      return;
    }
    this.#log.warn({ key: open.key, taskId: open.taskId, tenant: open.tenant, heldMilliCredits: settlement.heldMilliCredits, heldForMs: now - open.since }, 'credit hold expired: refunded');
    await this.#forget(settlement);
  }

  /** Drops an expired hold from tracking (here and in the table) and reports it. */
  async #forget(settlement: Settlement): Promise<void> {
    const open = this.#open.get(settlement.key);
    this.#open.delete(settlement.key);
    await this.#db.deleteFrom('gateway_open_reservations').where('key', '=', settlement.key).execute();
    this.#onExpired?.(settlement, open);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#round;
  }
}
