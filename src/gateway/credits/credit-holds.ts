import type { CreditLedger, ReserveInput, Settlement } from '../../tenancy/index.js';

/**
 * The credits of the gateway's calls: what the proxy's reserve, settle and
 * refund steps (and the settlement tracker) use instead of the ledger.
 * Two implementations: `exact` writes each operation to the ledger (one
 * transaction per reserve and per settle), `lease` holds calls in memory
 * against per-replica leases and writes settlements in batches (ADR 0010).
 */
export interface CreditHolds {
  /**
   * Holds a call's estimate. Idempotent by `key` on this replica: a retry
   * that finds the call held (or settled) holds nothing (`replayed: true`).
   * Throws AM_ERR_TENANCY_INSUFFICIENT_CREDITS (402) when the balance is short.
   */
  reserve(input: ReserveInput): Promise<{ replayed: boolean }>;
  /** Settles at `milliCredits` used, capped at the hold. Settling twice charges once. */
  settle(key: string, milliCredits: number, info?: { state?: string | undefined }): Promise<Settlement>;
  /** Releases the whole hold. After a settle, the settlement stands. */
  refund(key: string, reason: string): Promise<Settlement>;
  /** Moves a hold to a new key (the task id became known). */
  rekey(oldKey: string, newKey: string): Promise<void>;
  /**
   * `reserve`, `settle` and `rekey` answered at once when there is nothing
   * to wait for (a call held on a lease, in memory): a promise only when the
   * ledger is written. A refusal is thrown, at once or as the promise's
   * rejection. What the proxy's every call uses, so a call held and settled
   * on a lease passes without a promise or a turn of the microtask queue
   * each (ADR 0057).
   */
  reserveNow(input: ReserveInput): { replayed: boolean } | Promise<{ replayed: boolean }>;
  settleNow(key: string, milliCredits: number, info?: { state?: string | undefined }): Settlement | Promise<Settlement>;
  rekeyNow(oldKey: string, newKey: string): void | Promise<void>;
  /**
   * Makes the call's hold a reservation of its own in the ledger: its task
   * outlives the call, and whichever replica's tracker sees it end settles it.
   */
  pin(key: string): Promise<void>;
  /** The hold-expiry policy, as the ledger's. */
  expireHolds: CreditLedger['expireHolds'];
  /** Writes what is waiting to be written (settlements); resolves once committed. */
  flush(): Promise<void>;
  /**
   * Resolves once every settlement made before the call is committed: the
   * gateway awaits it before it releases a priced call's answer (ADR 0035).
   * The settlements of one turn of the event loop share one write; one
   * that fails stays queued, is retried, and is not awaited further.
   */
  written(): Promise<void>;
  /**
   * Resolves once every settlement queued or being written at the call is
   * committed (true), or false when a write failed: the answer journal drops
   * a file of settlements only once they are in the ledger (ADR 0047).
   */
  writtenAll(): Promise<boolean>;
  /** Drain: writes every settlement and returns every lease's unspent credits. */
  close(): Promise<void>;
}

/** The per-call path: every operation is one ledger transaction. */
export function exactCreditHolds(ledger: CreditLedger): CreditHolds {
  const reserve = async (input: ReserveInput) => ({ replayed: (await ledger.reserve(input)).replayed });
  return {
    reserve,
    settle: (key, milliCredits, info) => ledger.settle(key, milliCredits, info),
    refund: (key, reason) => ledger.refund(key, reason),
    rekey: (oldKey, newKey) => ledger.rekey(oldKey, newKey),
    // Every operation is a transaction: always a promise.
    reserveNow: reserve,
    settleNow: (key, milliCredits, info) => ledger.settle(key, milliCredits, info),
    rekeyNow: (oldKey, newKey) => ledger.rekey(oldKey, newKey),
    pin: async () => {},
    expireHolds: (options) => ledger.expireHolds(options),
    flush: async () => {},
    // Every settlement was its own transaction, committed before settle resolved.
    written: async () => {},
    writtenAll: async () => true,
    close: async () => {},
  };
}
