import type { Kysely } from 'kysely';
import type { Logger } from '../observability/index.js';
import type { Tables } from '../storage/index.js';
import type { CreditLedger, Settlement } from '../tenancy/index.js';
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

/**
 * Settles reservations whose task was still running when its answer
 * ended (returnImmediately, input-required, streams): it reads each task
 * until it ends, then settles with the reported usage (or the estimate) or
 * refunds. Backs off per task; gives up after `maxAgeMs`, leaving the hold
 * for an operator (and logging it). Open reservations are kept in the
 * database too, so a restarted gateway (or another replica) settles them.
 */
export class SettlementTracker {
  readonly #open = new Map<string, OpenReservation & { next: number; delay: number; since: number }>();
  readonly #ledger: CreditLedger;
  readonly #read: TaskReader;
  readonly #log: Logger;
  readonly #maxAgeMs: number;
  readonly #db: Kysely<Tables>;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;

  readonly #onSettled: ((open: OpenReservation, settlement: Settlement) => void) | undefined;

  constructor(options: { ledger: CreditLedger; read: TaskReader; logger: Logger; db: Kysely<Tables>; maxAgeMs?: number; onSettled?: (open: OpenReservation, settlement: Settlement) => void }) {
    this.#db = options.db;
    this.#onSettled = options.onSettled;
    this.#ledger = options.ledger;
    this.#read = options.read;
    this.#log = options.logger;
    this.#maxAgeMs = options.maxAgeMs ?? 24 * 3600 * 1000;
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
    const now = Date.now();
    for (const r of rows) {
      this.#open.set(r.key, { key: r.key, agent: r.agent, taskId: r.task_id, tenant: r.tenant, subject: r.subject, estimate: Number(r.estimate), next: now, delay: 200, since: Number(r.created_at) });
    }
    return rows.length;
  }

  async track(open: OpenReservation): Promise<void> {
    const now = Date.now();
    this.#open.set(open.key, { ...open, next: now + 200, delay: 200, since: now });
    await this.#db
      .insertInto('gateway_open_reservations')
      .values({ key: open.key, agent: open.agent, task_id: open.taskId, tenant: open.tenant, subject: open.subject, estimate: open.estimate, created_at: now })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
  }

  /** Settles or refunds by what a task says; the settlement, or undefined while the task is open. */
  async close(key: string, end: TaskEnd, estimate: number): Promise<Settlement | undefined> {
    if (end.kind === 'open') return undefined;
    const settlement = end.kind === 'refund' ? await this.#ledger.refund(key, end.reason) : await this.#ledger.settle(key, end.milliCredits ?? estimate, { state: 'completed' });
    const open = this.#open.get(key);
    if (open !== undefined) {
      this.#open.delete(key);
      // Only a tracked reservation has a row (track and load put it in #open too): most calls settle
      // from their own answer and were never written. A row another replica tracks is its to delete.
      await this.#db.deleteFrom('gateway_open_reservations').where('key', '=', key).execute();
      this.#onSettled?.(open, settlement);
    }
    return settlement;
  }

  async runOnce(): Promise<void> {
    const now = Date.now();
    for (const open of [...this.#open.values()]) {
      if (open.next > now) continue;
      try {
        const task = await this.#read(open);
        if (task !== undefined && (await this.close(open.key, taskEnd(task), open.estimate)) !== undefined) continue;
      } catch (err) {
        this.#log.warn({ err, key: open.key }, 'could not settle a reservation yet');
      }
      if (now - open.since > this.#maxAgeMs) {
        this.#open.delete(open.key);
        await this.#db.deleteFrom('gateway_open_reservations').where('key', '=', open.key).execute().catch(() => undefined);
        this.#log.error({ key: open.key, taskId: open.taskId }, 'gave up settling a reservation: its credits stay held');
        continue;
      }
      open.delay = Math.min(open.delay * 2, 30_000);
      open.next = now + open.delay;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#round;
  }
}
