import { randomUUID } from 'node:crypto';
import { ErrorCodes, isAgentmeshError, Errors } from '../../protocol/index.js';
import type { Logger } from '../../observability/index.js';
import { sendAgainIfMomentary } from '../../storage/index.js';
import { checkReserveInput, type CreditLedger, type LeaseSpend, type ReserveInput, type Settlement } from '../../tenancy/index.js';
import type { CreditHolds } from './credit-holds.js';
import { RecentlyClosedByKind } from './recently-closed.js';

/** Options of {@link LeasedCreditHolds}. Durations are milliseconds. */
export interface LeasedCreditHoldsOptions {
  ledger: CreditLedger;
  logger: Logger;
  /** Names this replica's leases in the ledger (`lease:<replica>:<id>`). Default: a random id per process. */
  replica?: string | undefined;
  /**
   * A tenant's first lease is sized for this many calls at the estimate of
   * the call that takes it, and no lease for fewer. Default 100.
   */
  leaseCalls?: number | undefined;
  /**
   * A tenant's next lease is sized for twice the calls of one it used up in
   * less than half of this, and for half those of one that lasted more than
   * twice this (never below `leaseCalls`, never above 64 × `leaseCalls`): a
   * busy tenant takes a lease about this often, not every `leaseCalls` calls
   * (each take and return is a ledger transaction). Default 1,000.
   */
  leaseTargetMs?: number | undefined;
  /** A lease takes at most this share of the tenant's available balance (the rest stays for other replicas). Default 0.25. */
  leaseShare?: number | undefined;
  /** Longest a settlement waits in memory before it is written (the write-behind window). Default 50. */
  flushMs?: number | undefined;
  /** A batch is written at once when this many settlements wait. Default 256. */
  maxBatch?: number | undefined;
  /** A lease unused this long returns its unspent credits. Default 10,000. */
  idleMs?: number | undefined;
  /** A lease older than this takes no new calls and returns once its calls end (far below the max hold). Default 60,000. */
  maxLeaseAgeMs?: number | undefined;
  /** Closed calls remembered for idempotent replays: at least this many of the latest, at most twice as many of each kind of key. Default 10,000. */
  rememberClosed?: number | undefined;
  /**
   * The keys holds are moved to (`rekey`: the proxy's charge keys of a task or a message), remembered
   * apart from calls' own keys once closed, so looking a call's own key up reads only the few of its
   * kind (recently-closed.ts). Any answer is correct; default: none apart.
   */
  movedKey?: ((key: string) => boolean) | undefined;
  now?: (() => number) | undefined;
  /**
   * The answer journal (ADR 0047): told each lease taken and each settlement
   * queued, in the call's turn, so a SIGKILL before the batch is written
   * loses neither (the journal replays them at the next start).
   */
  journal?: SpendJournal | undefined;
}

/** What {@link LeasedCreditHolds} tells the answer journal. */
export interface SpendJournal {
  lease(leaseKey: string): void;
  spend(leaseKey: string, spend: LeaseSpend): void;
}

/** What `reserveNow` answers at once; frozen, so one object serves every call (callers read `replayed`). */
const HELD: { replayed: boolean } = Object.freeze({ replayed: false });
const REPLAYED: { replayed: boolean } = Object.freeze({ replayed: true });

function noneApart(): boolean {
  return false;
}

/** A lease is sized for at most this many times `leaseCalls` calls, however fast the tenant calls. */
const MAX_LEASE_GROWTH = 64;

/** The ledger's agent name on lease reservations (`agentmesh credits holds` shows them under it). */
export const LEASE_AGENT = 'gateway-lease';

interface Lease {
  key: string;
  tenant: string;
  /** What the lease holds in the ledger now (its block less what flushed settlements charged from it). */
  size: number;
  /** Estimates of the calls held on it and not closed yet. */
  inFlight: number;
  /** Charges settled here and not written yet. */
  pending: number;
  queue: LeaseSpend[];
  writing: number;
  takenAt: number;
  usedAt: number;
  /** No new calls: too old, gone from the ledger, or being returned. */
  retired: boolean;
}

interface Hold {
  input: ReserveInput;
  createdAt: number;
  /** Undefined: held exactly, as a reservation of its own in the ledger. */
  lease: Lease | undefined;
}

/**
 * Credits held per replica as leases drawn from the shared ledger, so a
 * call writes no ledger row (ADR 0010). A lease is a real ledger reservation of a block of the
 * tenant's balance, so never-below-zero holds across replicas as for any
 * hold. Calls are held against it in memory; their settlements are written
 * in batches (one transaction: a settled row per call, one journal entry per agent) within
 * `flushMs`; refunds write nothing. When the balance cannot fund a block, a
 * call is reserved exactly, so the last credits are spendable and 402 is exact
 * (less what other replicas' leases hold: they return it when idle).
 */
export class LeasedCreditHolds implements CreditHolds {
  readonly #ledger: CreditLedger;
  readonly #log: Logger;
  readonly #replica: string;
  readonly #leaseCalls: number;
  readonly #leaseTargetMs: number;
  /** Calls the tenant's next lease is sized for, as its leases' lifetimes said ({@link leaseTargetMs}). */
  readonly #callsPerLease = new Map<string, number>();
  readonly #leaseShare: number;
  readonly #flushMs: number;
  readonly #maxBatch: number;
  readonly #idleMs: number;
  readonly #maxLeaseAgeMs: number;
  readonly #now: () => number;
  /** The lease each tenant's new calls take from. */
  readonly #current = new Map<string, Lease>();
  /** Every lease this replica holds (current, retired but still busy). */
  readonly #leases = new Set<Lease>();
  readonly #acquiring = new Map<string, Promise<Lease | undefined>>();
  readonly #holds = new Map<string, Hold>();
  /**
   * Holds whose carve (`pin`) is in flight (its promise), or failed without the ledger's answer
   * (undefined): a lost COMMIT answer may have carved it, so a reservation of the call's own may stand
   * under its key beside this hold on the lease (`#pinOutcome`). Apart from the holds, whose shape the
   * hot path keeps.
   */
  readonly #carving = new Map<Hold, Promise<void> | undefined>();
  /** Recently closed calls: a second settle or refund replays the first outcome. */
  readonly #closed: RecentlyClosedByKind<Settlement>;
  #flushTimer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  /** The write the settlements of this turn of the event loop join, until it starts. */
  #soon: Promise<void> | undefined;
  readonly #reaper: NodeJS.Timeout;
  #closedDown = false;
  readonly #journal: SpendJournal | undefined;
  /** Batches being written now (their spends left the queues). */
  readonly #writingNow = new Set<LeaseSpend[]>();
  /** The last reserve input that passed the check (see `#checked`). */
  #lastChecked: ReserveInput | undefined;
  #isoAt = Number.NaN;
  #iso = '';
  #isoSecond = Number.NaN;
  #isoHead = '';

  constructor(options: LeasedCreditHoldsOptions) {
    this.#ledger = options.ledger;
    this.#log = options.logger.child({ module: 'credit-leases' });
    this.#replica = options.replica ?? randomUUID().slice(0, 8);
    this.#leaseCalls = options.leaseCalls ?? 100;
    this.#leaseTargetMs = options.leaseTargetMs ?? 1_000;
    this.#leaseShare = options.leaseShare ?? 0.25;
    this.#flushMs = options.flushMs ?? 50;
    this.#maxBatch = options.maxBatch ?? 256;
    this.#idleMs = options.idleMs ?? 10_000;
    this.#maxLeaseAgeMs = options.maxLeaseAgeMs ?? 60_000;
    this.#closed = new RecentlyClosedByKind(options.rememberClosed ?? 10_000, options.movedKey ?? noneApart);
    this.#now = options.now ?? Date.now;
    this.#journal = options.journal;
    this.#reaper = setInterval(() => void this.returnIdle(), Math.max(100, Math.min(this.#idleMs, this.#maxLeaseAgeMs) / 2));
    this.#reaper.unref();
  }

  async reserve(unchecked: ReserveInput): Promise<{ replayed: boolean }> {
    return this.reserveNow(unchecked);
  }

  /** `reserve`, held at once when the tenant's lease covers the call (the usual call); a promise when a lease must be taken or the call held exactly. */
  reserveNow(unchecked: ReserveInput): { replayed: boolean } | Promise<{ replayed: boolean }> {
    const input = this.#checked(unchecked);
    if (this.#holds.has(input.key)) return REPLAYED;
    const closed = this.#closed.get(input.key);
    if (closed?.status === 'settled') return REPLAYED;
    const n = input.milliCredits;
    // `#usable` answers only a lease in rotation with room for `n`: the first attempt of `#reserve`, without its promise.
    const now = this.#now();
    const lease = n > 0 && !this.#closedDown ? this.#usable(input.tenant, n, now) : undefined;
    if (lease === undefined) return this.#reserve(input);
    // A refund of this key remembered: the new hold replaces it. None (the usual call): nothing to forget.
    if (closed !== undefined) this.#closed.delete(input.key);
    this.#holdOn(lease, input, now);
    return HELD;
  }

  /** `checkReserveInput`, against the last input that passed it (a replica's calls repeat their tenant, agent, skill and client). */
  #checked(input: ReserveInput): ReserveInput {
    const checked = checkReserveInput(input, this.#lastChecked);
    this.#lastChecked = checked;
    return checked;
  }

  /** A checked call no usable lease covers yet: a lease is taken, or the call is held exactly. */
  async #reserve(input: ReserveInput): Promise<{ replayed: boolean }> {
    const n = input.milliCredits;
    for (let attempt = 0; attempt < 3 && n > 0 && !this.#closedDown; attempt++) {
      const lease = this.#usable(input.tenant, n, this.#now()) ?? (await this.#acquire(input.tenant, n));
      if (lease === undefined) break;
      // A concurrent retry of the same key took the hold while this one waited for a lease.
      if (this.#holds.has(input.key)) return { replayed: true };
      if (lease.retired || lease.size - lease.inFlight - lease.pending < n) continue;
      this.#closed.delete(input.key);
      this.#holdOn(lease, input, this.#now());
      return { replayed: false };
    }
    // The balance cannot fund a block (or the replica is closing): this call is held exactly, after this
    // replica's quiet leases of the tenant went back, so the last credits are spendable and a 402 is exact.
    await this.#returnTenant(input.tenant);
    const reservation = await this.#ledger.reserve(input);
    if (!this.#holds.has(input.key)) this.#holds.set(input.key, { input, createdAt: this.#now(), lease: undefined });
    this.#closed.delete(input.key);
    return { replayed: reservation.replayed };
  }

  async settle(key: string, milliCredits: number, info: { state?: string | undefined } = {}): Promise<Settlement> {
    return this.settleNow(key, milliCredits, info);
  }

  /** `settle`, answered at once for a call held on a lease (its settlement joins the lease's next batch); a promise when the ledger is written. */
  settleNow(key: string, milliCredits: number, info: { state?: string | undefined } = {}): Settlement | Promise<Settlement> {
    const hold = this.#holds.get(key);
    if (hold === undefined) return this.#closed.get(key) ? { ...this.#closed.get(key)!, replayed: true } : this.#ledger.settle(key, milliCredits, info);
    if (this.#carving.size > 0 && this.#carving.has(hold)) return this.#pinOutcome(hold).then(() => this.settleNow(key, milliCredits, info));
    this.#holds.delete(key);
    const lease = hold.lease;
    if (lease === undefined) return this.#ledger.settle(key, milliCredits, info).then((settlement) => this.#remembered(settlement));
    const estimate = hold.input.milliCredits;
    const charged = Math.min(milliCredits, estimate);
    lease.inFlight -= estimate;
    lease.pending += charged;
    const spend: LeaseSpend = { key, tenant: hold.input.tenant, agent: hold.input.agent, skill: hold.input.skill, clientId: hold.input.clientId, held: estimate, charged, requested: milliCredits, state: info.state, createdAt: hold.createdAt };
    lease.queue.push(spend);
    this.#journal?.spend(lease.key, spend);
    this.#scheduleFlush(lease.queue.length);
    return this.#remembered(this.#view(hold, 'settled', charged, milliCredits, info.state, undefined));
  }

  async refund(key: string, reason: string): Promise<Settlement> {
    const hold = this.#holds.get(key);
    if (hold === undefined) return this.#closed.get(key) ? { ...this.#closed.get(key)!, replayed: true } : this.#ledger.refund(key, reason);
    if (this.#carving.size > 0 && this.#carving.has(hold)) return this.#pinOutcome(hold).then(() => this.refund(key, reason));
    this.#holds.delete(key);
    if (hold.lease === undefined) return this.#remembered(await this.#ledger.refund(key, reason));
    // Back to the lease: nothing was written for this call, so nothing is.
    hold.lease.inFlight -= hold.input.milliCredits;
    return this.#remembered(this.#view(hold, 'refunded', 0, undefined, undefined, reason));
  }

  async rekey(oldKey: string, newKey: string): Promise<void> {
    return this.rekeyNow(oldKey, newKey);
  }

  /** `rekey`, done at once for a call held on a lease; a promise when the hold is the ledger's. */
  rekeyNow(oldKey: string, newKey: string): void | Promise<void> {
    const hold = this.#holds.get(oldKey);
    if (hold !== undefined && this.#carving.size > 0 && this.#carving.has(hold)) return this.#pinOutcome(hold).then(() => this.rekeyNow(oldKey, newKey));
    if (hold === undefined || hold.lease === undefined) return this.#rekeyInLedger(oldKey, newKey, hold);
    if (oldKey === newKey) return;
    // Taken: held here, or settled here recently (the ledger refuses a settlement under a used key in any case).
    if (this.#holds.has(newKey) || this.#closed.get(newKey)?.status === 'settled') throw Errors.creditHoldKeyTaken({ quotedKey: JSON.stringify(newKey) });
    this.#move(oldKey, newKey, hold);
  }

  async #rekeyInLedger(oldKey: string, newKey: string, hold: Hold | undefined): Promise<void> {
    await this.#ledger.rekey(oldKey, newKey);
    if (hold !== undefined) this.#move(oldKey, newKey, hold);
  }

  async pin(key: string): Promise<void> {
    const hold = this.#holds.get(key);
    if (hold?.lease === undefined) return;
    const lease = hold.lease;
    try {
      await this.#carve(hold, lease);
    } catch (err) {
      // Refused (the lease is gone from the ledger: expired, released): the hold stays here, and this replica's
      // tracker settles it (written against the available balance); a crash before then loses it. Else unknown
      // whether it landed: the carve is sent again before the hold is settled, refunded or moved.
      const known = !this.#carving.has(hold);
      this.#log.warn({ err, key, lease: lease.key, carved: known ? 'no' : 'unknown' }, 'could not pin a call to a reservation of its own');
    }
  }

  /**
   * Sends the hold's carve, or joins the one in flight. Answered, the hold leaves the lease for the call's
   * reservation in the ledger; refused, it stays on the lease, known not carved; thrown otherwise, it stays
   * in `#carving` as unknown.
   */
  #carve(hold: Hold, lease: Lease): Promise<void> {
    const inFlight = this.#carving.get(hold);
    if (inFlight !== undefined) return inFlight;
    const carve = this.#sendCarve(hold, lease, this.#carving.has(hold));
    this.#carving.set(hold, carve);
    return carve;
  }

  async #sendCarve(hold: Hold, lease: Lease, sentBefore: boolean): Promise<void> {
    const key = hold.input.key;
    let reservation: Awaited<ReturnType<CreditLedger['carveLease']>>;
    // Sent again when the ledger could not take it for a moment: a lost COMMIT answer (a reset, a terminated
    // session) may have carved it already, and a hold left here too would be charged twice.
    let sentAgain = sentBefore;
    try {
      reservation = await sendAgainIfMomentary(() => this.#ledger.carveLease(lease.key, hold.input), () => (sentAgain = true));
    } catch (err) {
      // A refusal is decided before anything is written, and a reservation already under the key is answered
      // before any refusal (ledger-store.ts, carveLease): nothing of this call was carved, ever. Any other
      // failure (every send's answer lost) leaves it unknown.
      if (isAgentmeshError(err) && err.code === ErrorCodes.TENANCY_INVALID_ARGUMENT) this.#carving.delete(hold);
      else this.#carving.set(hold, undefined);
      throw err;
    }
    this.#carving.delete(hold);
    if (this.#holds.get(key) !== hold) return;
    this.#holds.delete(key);
    lease.inFlight -= hold.input.milliCredits;
    // Carved: the credits left the lease for the call's own reservation. Found (a retry pinned it elsewhere): they stay,
    // unless a carve of this hold was sent before: then what was found is that send's own carve, from this lease.
    if (!reservation.replayed || sentAgain) lease.size -= hold.input.milliCredits;
  }

  /**
   * Waits until the pin of a hold is known. A carve whose every answer was lost may have landed: the hold
   * would be settled on the lease (under whatever key it moved to) while the carved reservation stood
   * under the call's key, charged twice; or refunded here while that reservation stayed held. So a hold
   * in doubt is settled, refunded or moved only after the carve is sent again: under the call's key it
   * creates the reservation or finds the first send's (the ledger keys it), so either way the call's one
   * hold is then that reservation, closed through the ledger; refused, nothing was carved and the hold
   * stays on the lease. Still no answer: this throws, the hold stays in doubt, and the caller's retry
   * comes back here (a settle or refund is never made on a lease the carve may have left).
   */
  async #pinOutcome(hold: Hold): Promise<void> {
    // Only a hold on a lease is ever carved (`pin`).
    if (hold.lease === undefined) return;
    try {
      await this.#carve(hold, hold.lease);
    } catch (err) {
      if (this.#carving.has(hold)) throw err;
    }
  }

  expireHolds: CreditLedger['expireHolds'] = (options) => this.#ledger.expireHolds(options);

  /** Writes every waiting settlement; one write at a time, each lease's batch in one transaction. */
  flush(): Promise<void> {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    const run = (this.#flushing ?? Promise.resolve()).then(() => this.#writeAll());
    this.#flushing = run;
    void run.finally(() => {
      if (this.#flushing === run) this.#flushing = undefined;
    });
    return run;
  }

  written(): Promise<void> {
    if (this.#soon !== undefined) return this.#soon;
    const soon = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.#soon = undefined;
      // A batch that fails is kept and retried (#write logs it): the caller is not held until the database is back.
      return this.flush().catch(() => undefined);
    });
    this.#soon = soon;
    return soon;
  }

  /**
   * Resolves once every settlement queued or being written when it was
   * called is committed: true, or false when a write failed (they stay
   * queued and are retried). The answer journal drops a file only after it.
   */
  async writtenAll(): Promise<boolean> {
    const waiting = new Set<LeaseSpend>();
    for (const lease of this.#leases) for (const spend of lease.queue) waiting.add(spend);
    for (const batch of this.#writingNow) for (const spend of batch) waiting.add(spend);
    if (waiting.size === 0) return true;
    await this.flush();
    for (const lease of this.#leases) for (const spend of lease.queue) if (waiting.has(spend)) return false;
    return true;
  }

  /** Returns the unspent credits of leases idle longer than `idleMs`, or older than `maxLeaseAgeMs`, once their calls are written. */
  async returnIdle(all = false): Promise<void> {
    const now = this.#now();
    const returning: Promise<void>[] = [];
    for (const lease of this.#leases) {
      if (!lease.retired && (all || now - lease.takenAt >= this.#maxLeaseAgeMs || now - lease.usedAt >= this.#idleMs)) this.#retire(lease);
      if (lease.retired && lease.inFlight === 0 && lease.queue.length === 0 && lease.writing === 0) {
        this.#leases.delete(lease);
        returning.push(this.#return(lease));
      }
    }
    await Promise.all(returning);
  }

  /** Drain: writes every settlement, then returns every lease whose calls all ended; a lease with calls still open stays held (it expires by the hold-expiry policy). */
  async close(): Promise<void> {
    this.#closedDown = true;
    clearInterval(this.#reaper);
    await this.flush();
    await this.returnIdle(true);
    for (const lease of this.#leases) this.#log.warn({ lease: lease.key, tenant: lease.tenant, openCalls: lease.inFlight }, 'credit lease still has open calls at close: it stays held until the hold-expiry policy refunds it');
  }

  /** What a kill -9 leaves: stops the timers and forgets every hold and unwritten settlement, writing nothing. */
  abandon(): void {
    this.#closedDown = true;
    clearInterval(this.#reaper);
    clearTimeout(this.#flushTimer);
    this.#leases.clear();
    this.#current.clear();
    this.#holds.clear();
    this.#carving.clear();
  }

  /** The tenant's current lease when it can cover `n` now. */
  #usable(tenant: string, n: number, now: number): Lease | undefined {
    const lease = this.#current.get(tenant);
    if (lease === undefined || lease.retired) return undefined;
    if (now - lease.takenAt >= this.#maxLeaseAgeMs) {
      this.#retire(lease);
      return undefined;
    }
    return lease.size - lease.inFlight - lease.pending >= n ? lease : undefined;
  }

  /** Takes a new lease for the tenant (one at a time per tenant); undefined when the balance cannot fund a block. */
  #acquire(tenant: string, n: number): Promise<Lease | undefined> {
    const pending = this.#acquiring.get(tenant);
    if (pending) return pending;
    const taking = this.#take(tenant, n).finally(() => this.#acquiring.delete(tenant));
    this.#acquiring.set(tenant, taking);
    return taking;
  }

  async #take(tenant: string, n: number): Promise<Lease | undefined> {
    const { availableMilliCredits } = await this.#ledger.balance(tenant);
    const block = Math.min(n * this.#nextLeaseCalls(tenant), Math.floor(availableMilliCredits * this.#leaseShare));
    // A block for fewer than two calls saves nothing: the call goes the exact way.
    if (block < 2 * n) return undefined;
    const key = `lease:${this.#replica}:${randomUUID()}`;
    try {
      await this.#ledger.reserve({ tenant, key, milliCredits: block, agent: LEASE_AGENT, skill: '*' });
    } catch (err) {
      // Another replica took the credits in between: the call goes the exact way.
      if (isAgentmeshError(err) && err.code === ErrorCodes.TENANCY_INSUFFICIENT_CREDITS) return undefined;
      throw err;
    }
    const now = this.#now();
    const lease: Lease = { key, tenant, size: block, inFlight: 0, pending: 0, queue: [], writing: 0, takenAt: now, usedAt: now, retired: false };
    // A replay returns the leases of a killed replica once their calls are written.
    this.#journal?.lease(key);
    const previous = this.#current.get(tenant);
    if (previous) this.#retire(previous);
    this.#current.set(tenant, lease);
    this.#leases.add(lease);
    return lease;
  }

  /**
   * The calls the tenant's next lease is sized for: doubled when its current
   * lease was used up within half the target, halved when it lasted over
   * twice the target (an idle lease is returned by the reaper and not
   * counted: the next one starts from what the last one said).
   */
  #nextLeaseCalls(tenant: string): number {
    const current = this.#current.get(tenant);
    let calls = this.#callsPerLease.get(tenant) ?? this.#leaseCalls;
    if (current !== undefined) {
      const lasted = this.#now() - current.takenAt;
      if (lasted < this.#leaseTargetMs / 2) calls = Math.min(calls * 2, this.#leaseCalls * MAX_LEASE_GROWTH);
      else if (lasted > this.#leaseTargetMs * 2) calls = Math.max(Math.floor(calls / 2), this.#leaseCalls);
    }
    this.#callsPerLease.set(tenant, calls);
    return calls;
  }

  async #returnTenant(tenant: string): Promise<void> {
    const current = this.#current.get(tenant);
    if (current === undefined) return;
    this.#retire(current);
    await this.flush();
    await this.returnIdle();
  }

  #retire(lease: Lease): void {
    lease.retired = true;
    if (this.#current.get(lease.tenant) === lease) this.#current.delete(lease.tenant);
  }

  async #return(lease: Lease): Promise<void> {
    try {
      await this.#ledger.refund(lease.key, 'credit lease returned');
    } catch (err) {
      // Still held in the ledger: the hold-expiry policy refunds it.
      this.#log.warn({ err, lease: lease.key }, 'could not return a credit lease');
    }
  }

  #scheduleFlush(waiting: number): void {
    if (waiting >= this.#maxBatch) {
      void this.flush();
      return;
    }
    if (this.#flushTimer === undefined) {
      this.#flushTimer = setTimeout(() => void this.flush(), this.#flushMs);
      this.#flushTimer.unref();
    }
  }

  async #writeAll(): Promise<void> {
    const writes: Promise<void>[] = [];
    for (const lease of this.#leases) if (lease.queue.length > 0) writes.push(this.#write(lease));
    await Promise.all(writes);
  }

  async #write(lease: Lease): Promise<void> {
    const spends = lease.queue.splice(0);
    lease.writing++;
    this.#writingNow.add(spends);
    try {
      const result = await this.#ledger.spendLease(lease.key, spends);
      let written = 0;
      spends.forEach((spend, i) => {
        lease.pending -= spend.charged;
        if (result.charged[i]) written += spend.charged;
        else this.#log.info({ key: spend.key, tenant: spend.tenant }, 'call already settled under its key (a retry on another replica): not charged again');
      });
      if (result.leaseHeld === undefined) {
        lease.size = 0;
        this.#retire(lease);
      } else lease.size -= written;
    } catch (err) {
      // Kept for the next write; the lease's hold covers them meanwhile.
      lease.queue.unshift(...spends);
      this.#log.warn({ err, lease: lease.key, calls: spends.length }, 'could not write credit settlements yet');
      this.#scheduleFlush(0);
    } finally {
      lease.writing--;
      this.#writingNow.delete(spends);
    }
  }

  /** Holds the call on `lease`, which has room for it. */
  #holdOn(lease: Lease, input: ReserveInput, now: number): void {
    lease.inFlight += input.milliCredits;
    lease.usedAt = now;
    this.#holds.set(input.key, { input, createdAt: lease.usedAt, lease });
  }

  /**
   * The same hold under its new key: only its input is copied (a ledger call
   * may still hold the old one), not the hold around it, on every call that
   * answered a message.
   */
  #move(oldKey: string, newKey: string, hold: Hold): void {
    this.#holds.delete(oldKey);
    const input = hold.input;
    // Spelled out: a spread builds the copy key by key, on every call that answered a message.
    hold.input = { tenant: input.tenant, key: newKey, milliCredits: input.milliCredits, agent: input.agent, skill: input.skill, clientId: input.clientId };
    this.#holds.set(newKey, hold);
  }

  /**
   * Now as an ISO timestamp; the text is reused while the millisecond lasts
   * (calls settled in one turn share it), and the date and time up to the
   * second while the second lasts: `toISOString` cost more than the rest of
   * a settlement once calls were a millisecond or more apart.
   */
  #isoNow(): string {
    const now = this.#now();
    if (now !== this.#isoAt) {
      this.#isoAt = now;
      // A clock of fractions (an injected one) is left to Date, which truncates them.
      if (!Number.isSafeInteger(now)) return (this.#iso = new Date(now).toISOString());
      const second = Math.floor(now / 1000);
      if (second !== this.#isoSecond) {
        this.#isoSecond = second;
        // Up to and with the second's dot: "2026-11-27T08:30:12." (also for the wider years, "+012026-…").
        this.#isoHead = new Date(second * 1000).toISOString().slice(0, -4);
      }
      const ms = now - second * 1000;
      this.#iso = `${this.#isoHead}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
    }
    return this.#iso;
  }

  #remembered(settlement: Settlement): Settlement {
    this.#closed.set(settlement.key, settlement);
    return settlement;
  }

  /** Plain assignments, not conditional spreads: each spread built a throwaway object, on every settled call. */
  #view(hold: Hold, status: 'settled' | 'refunded', charged: number, requested: number | undefined, state: string | undefined, reason: string | undefined): Settlement {
    const input = hold.input;
    const held = input.milliCredits;
    const view: Settlement = {
      key: input.key,
      tenant: input.tenant,
      agent: input.agent,
      skill: input.skill,
      status,
      heldMilliCredits: held,
      chargedMilliCredits: charged,
      releasedMilliCredits: held - charged,
      closedAt: this.#isoNow(),
      replayed: false,
    };
    if (requested !== undefined) view.requestedMilliCredits = requested;
    if (state !== undefined) view.state = state;
    if (reason !== undefined) view.reason = reason;
    return view;
  }
}
