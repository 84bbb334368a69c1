import { sql, type Kysely, type PostgresPool, type Transaction } from 'kysely';
import { uuidv7, type Database, type Tables } from '../../storage/index.js';
import { assertBalanced, chargePostings, closePostings, reservePostings, topUpPostings, type Posting } from '../accounts.js';
import type {  ReserveInput } from '../ledger-types.js';
import { crossingAfter } from '../low-balance.js';
import type { BalanceMove, CloseOutcome, CloseResult, LeaseSpend, LedgerStore, ReconcileFigures, ReserveResult, SpendLeaseResult, TopUpResult } from './ledger-store.js';
import { heldReservation, LedgerCore, settledReservation } from './ledger-core.js';
import { spendHeldLeaseFast } from './postgres-lease-spend.js';
import { closedReservation, normalizeBalance, normalizeReservation, normalizeTopUp, type BalanceRow, type ReservationRow, type TopUpRow } from './rows.js';
import { insufficientCredits, keyTaken, referenceTaken, reservationNotFound } from './store-errors.js';

type Trx = Transaction<Tables>;

/** A key of a lease batch found in the ledger when the lease was locked: id, key, status. */
type TakenKey = [string, string, string];
/** Settled rows per multi-row insert of a lease batch (15 columns each). */
const ROWS_PER_INSERT = 1000;

/**
 * The ledger on PostgreSQL, through Kysely. Balances never go below zero
 * under concurrency: a hold is a conditional UPDATE
 * (`available = available - n … where available >= n`); PostgreSQL row-locks
 * the balance row, and a writer that waited re-checks the condition against
 * the value the first one committed (READ COMMITTED). Idempotency rests on
 * unique keys: a concurrent insert of the same reservation key or top-up
 * reference waits for the first and then does nothing. A CHECK constraint
 * (`available >= 0`) backs it all.
 */
export class PostgresLedgerStore extends LedgerCore implements LedgerStore {
  readonly #db: Kysely<Tables>;
  readonly #pool: PostgresPool | undefined;
  readonly #defaultThreshold: number;

  constructor(database: Database, defaultThreshold: number) {
    super(database.db);
    this.#db = database.db;
    this.#pool = database.postgresPool;
    this.#defaultThreshold = defaultThreshold;
  }

  async reserve(input: ReserveInput, now: number): Promise<ReserveResult> {
    return this.#db.transaction().execute(async (trx) => {
      const row = heldReservation(input, now);
      // A concurrent insert of the same key waits here for the first one to commit, then does nothing.
      const inserted = await trx.insertInto('credit_reservations').values(row).onConflict((oc) => oc.column('key').doNothing()).returning('id').executeTakeFirst();
      if (inserted) return this.#hold(trx, row, now);
      const existing = normalizeReservation(await trx.selectFrom('credit_reservations').selectAll().where('key', '=', input.key).executeTakeFirstOrThrow());
      if (existing.tenant !== input.tenant) throw keyTaken(input.key);
      if (existing.status !== 'refunded') return { row: existing, created: false, balance: undefined, crossing: undefined };
      // Refunded: nothing was charged, so a retry that runs now holds again. `status = 'refunded'`
      // lets one of two racing retries re-open it; the other then finds it held.
      const reopened = await trx
        .updateTable('credit_reservations')
        .set({ status: 'held', held: input.milliCredits, charged: null, requested: null, task_state: null, reason: null, closed_at: null })
        .where('id', '=', existing.id)
        .where('status', '=', 'refunded')
        .returningAll()
        .executeTakeFirst();
      if (!reopened) {
        const winner = await trx.selectFrom('credit_reservations').selectAll().where('id', '=', existing.id).executeTakeFirstOrThrow();
        return { row: normalizeReservation(winner), created: false, balance: undefined, crossing: undefined };
      }
      return this.#hold(trx, normalizeReservation(reopened), now);
    });
  }

  /** Debits the hold of a reservation just written; throwing (short balance) rolls that write back. */
  async #hold(trx: Trx, row: ReservationRow, now: number): Promise<ReserveResult> {
    if (row.held === 0) return { row, created: true, balance: undefined, crossing: undefined };
    // The journal goes first and the balance row last: the row lock every call of this
    // tenant queues on is then held only from this UPDATE to the commit.
    await journal(trx, { kind: 'reserve', tenant: row.tenant, reservationId: row.id, reference: null, now }, reservePostings(row.tenant, row.held));
    const balance = await trx
      .updateTable('credit_balances')
      .set((eb) => ({ available: eb('available', '-', row.held), reserved: eb('reserved', '+', row.held), updated_at: now }))
      .where('tenant', '=', row.tenant)
      .where('available', '>=', row.held)
      .returningAll()
      .executeTakeFirst();
    if (!balance) {
      const current = await trx.selectFrom('credit_balances').select('available').where('tenant', '=', row.tenant).executeTakeFirst();
      throw insufficientCredits(row.tenant, Number(current?.available ?? 0), row.held);
    }
    return { row, created: true, ...(await this.#afterMove(trx, balance, now)) };
  }

  async close(key: string, outcome: CloseOutcome, now: number): Promise<CloseResult> {
    return this.#db.transaction().execute(async (trx) => {
      const found = await trx.selectFrom('credit_reservations').selectAll().where('key', '=', key).executeTakeFirst();
      if (!found) throw reservationNotFound(key);
      const current = normalizeReservation(found);
      if (current.status !== 'held') return { row: current, closed: false, balance: undefined, crossing: undefined };
      return this.#closeHeld(trx, current, outcome, now);
    });
  }

  /** Closes a reservation read as held, in `trx`: its row (once, whoever races it), the journal, the balance. */
  async #closeHeld(trx: Trx, current: ReturnType<typeof normalizeReservation>, outcome: CloseOutcome, now: number): Promise<CloseResult> {
    const next = closedReservation(current, outcome, now);
    // `status = 'held'` closes once even when two closes race: the loser's UPDATE
    // waits for the winner's row lock, then matches nothing.
    const updated = await trx
      .updateTable('credit_reservations')
      .set({ status: next.status, charged: next.charged, requested: next.requested, task_state: next.task_state, reason: next.reason, closed_at: now })
      .where('id', '=', current.id)
      .where('status', '=', 'held')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      const winner = await trx.selectFrom('credit_reservations').selectAll().where('id', '=', current.id).executeTakeFirstOrThrow();
      return { row: normalizeReservation(winner), closed: false, balance: undefined, crossing: undefined };
    }
    if (current.held === 0) return { row: next, closed: true, balance: undefined, crossing: undefined };
    const charged = next.charged ?? 0;
    await journal(trx, { kind: outcome.kind, tenant: current.tenant, reservationId: current.id, reference: null, now }, closePostings(current.tenant, current.agent, current.held, charged));
    const balance = await trx
      .updateTable('credit_balances')
      .set((eb) => ({ reserved: eb('reserved', '-', current.held), available: eb('available', '+', current.held - charged), updated_at: now }))
      .where('tenant', '=', current.tenant)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { row: next, closed: true, ...(await this.#afterMove(trx, balance, now)) };
  }

  /**
   * The call's first try still held on its own reservation (another replica took it without a lease)
   * while this retry completed: the retry's outcome settles that hold, charged from it, as a retry
   * settles the hold of its first try on the exact path. The first try's own refund or settle after
   * this replays it, so the completed call is charged once whichever of them comes last. True when
   * this closed it; not the lease's charge either way.
   */
  async #settleHeldTry(trx: Trx, spend: LeaseSpend, now: number): Promise<boolean> {
    // Locks in the order that cannot deadlock with the calls' own reserves and closes: the balance first
    // (waiting, as a reserve takes it before its reservation row), then the call's row without waiting. A
    // close holds that row and then asks for the balance: the batch fails at once instead (55P03, rolled
    // back, written again at the next flush), where waiting had PostgreSQL abort one of the two (40P01).
    await trx.selectFrom('credit_balances').select('tenant').where('tenant', '=', spend.tenant).forUpdate().execute();
    const found = await trx.selectFrom('credit_reservations').selectAll().where('key', '=', spend.key).forUpdate().noWait().executeTakeFirst();
    if (found === undefined) return false;
    const current = normalizeReservation(found);
    // The same call's reservation: its key names the tenant and the agent, so both match (a lease's row never does).
    if (current.status !== 'held' || current.tenant !== spend.tenant || current.agent !== spend.agent) return false;
    return (await this.#closeHeld(trx, current, { kind: 'settle', requested: spend.requested, state: spend.state }, now)).closed;
  }

  async spendLease(leaseKey: string, spends: readonly LeaseSpend[], now: number): Promise<SpendLeaseResult> {
    // The usual batch (its lease held, none of its keys in the ledger yet) in two round trips (ADR 0068); any other, below.
    if (this.#pool !== undefined && spends.length > 0) {
      const fast = await spendHeldLeaseFast(this.#pool, leaseKey, spends, now, this.#defaultThreshold);
      if (fast !== undefined) return fast;
    }
    return this.#db.transaction().execute(async (trx) => {
      // The lease row is locked first: a sweep or an operator's release waits for this batch (or this batch for them).
      // With the lock, in the same statement (one round trip, ADR 0052), which of the batch's keys are taken already.
      const keys = [...new Set(spends.map((spend) => spend.key))];
      const locked = await trx
        .selectFrom('credit_reservations')
        .selectAll()
        .select(sql<TakenKey[]>`(select coalesce(json_agg(json_build_array(x.id, x.key, x.status)), '[]'::json) from credit_reservations x where x.key = any(${keys}::text[]))`.as('taken_keys'))
        .where('key', '=', leaseKey)
        .forUpdate()
        .executeTakeFirst();
      const taken: TakenKey[] = locked?.taken_keys ?? [];
      // The row without the keys the statement added beside it.
      const found: ReservationRow | undefined = locked && withoutTakenKeys(locked);
      const lease = found && found.status === 'held' ? normalizeReservation(found) : undefined;
      if (lease) return this.#spendHeldLease(trx, lease, spends, new Map(taken.map(([id, key, status]) => [key, { id, status }])), now);
      // The lease is gone (expired or released): each call is charged to the available balance, never below zero, one by one.
      let raw: BalanceRow | undefined;
      const charged: boolean[] = [];
      for (const spend of spends) {
        const c = spend.charged;
        if (c > 0) {
          const debited = await trx
            .updateTable('credit_balances')
            .set((eb) => ({ available: eb('available', '-', c), updated_at: now }))
            .where('tenant', '=', spend.tenant)
            .where('available', '>=', c)
            .returningAll()
            .executeTakeFirst();
          if (!debited) {
            charged.push(false);
            continue;
          }
          raw = debited;
        }
        const reopened = await settleRefunded(trx, spend, c, now);
        const id = reopened?.id ?? uuidv7();
        // A retry of this call on another replica settled first: its key is taken and this one charges nothing.
        const inserted =
          reopened ??
          (await trx
            .insertInto('credit_reservations')
            .values(settledReservation(spend, id, c, now))
            .onConflict((oc) => oc.column('key').doNothing())
            .returning('id')
            .executeTakeFirst());
        if (!inserted) {
          // Its first try held elsewhere: settled from that hold (this debit given back below), or charged there already.
          await this.#settleHeldTry(trx, spend, now);
          if (c > 0) {
            raw = await trx
              .updateTable('credit_balances')
              .set((eb) => ({ available: eb('available', '+', c), updated_at: now }))
              .where('tenant', '=', spend.tenant)
              .returningAll()
              .executeTakeFirstOrThrow();
          }
          charged.push(false);
          continue;
        }
        if (c > 0) await journal(trx, { kind: 'settle', tenant: spend.tenant, reservationId: id, reference: null, now }, chargePostings(spend.tenant, spend.agent, c));
        charged.push(true);
      }
      const move = raw ? await this.#afterMove(trx, raw, now) : { balance: undefined, crossing: undefined };
      return { lease: found && normalizeReservation(found), charged, ...move };
    });
  }

  /**
   * A batch against a lease still held: a few statements whatever its size
   * (ADR 0026), not two per call. The lease's lock found the batch's keys already
   * taken (a retry settled on another replica: not charged again) or
   * refunded (re-opened, one by one: rare); the rest are inserted settled in
   * one multi-row insert, whose conflicts (a retry that settled in between)
   * charge nothing. Each call's charge is capped at what the lease has left,
   * in batch order, as one by one.
   */
  async #spendHeldLease(trx: Trx, lease: ReturnType<typeof normalizeReservation>, spends: readonly LeaseSpend[], existing: ReadonlyMap<string, { id: string; status: string }>, now: number): Promise<SpendLeaseResult> {
    const charged: boolean[] = spends.map(() => false);
    const amounts: number[] = spends.map(() => 0);
    const seen = new Set<string>();
    const inserts: ReservationRow[] = [];
    const insertAt = new Map<string, number>();
    let left = lease.held;
    for (const [i, spend] of spends.entries()) {
      const prior = existing.get(spend.key);
      if (!seen.has(spend.key) && prior?.status === 'held') {
        seen.add(spend.key);
        await this.#settleHeldTry(trx, spend, now);
        continue;
      }
      // Settled elsewhere, or twice in this batch: charged once, by whoever wrote it first.
      if (seen.has(spend.key) || (prior !== undefined && prior.status !== 'refunded')) continue;
      seen.add(spend.key);
      const c = Math.min(spend.charged, left);
      if (prior !== undefined) {
        if (!(await settleRefunded(trx, spend, c, now))) continue;
        charged[i] = true;
      } else {
        insertAt.set(spend.key, i);
        inserts.push(settledReservation(spend, uuidv7(), c, now));
      }
      amounts[i] = c;
      left -= c;
    }
    for (let i = 0; i < inserts.length; i += ROWS_PER_INSERT) {
      // A retry of a call on another replica that settled since the read: its key is taken and this one charges nothing.
      const inserted = await trx.insertInto('credit_reservations').values(inserts.slice(i, i + ROWS_PER_INSERT)).onConflict((oc) => oc.column('key').doNothing()).returning('key').execute();
      for (const row of inserted) charged[insertAt.get(row.key)!] = true;
    }
    let spent = 0;
    const byAgent = new Map<string, number>();
    for (const [i, spend] of spends.entries()) {
      if (!charged[i] || amounts[i]! <= 0) continue;
      spent += amounts[i]!;
      byAgent.set(spend.agent, (byAgent.get(spend.agent) ?? 0) + amounts[i]!);
    }
    // Journaled once per agent for the whole batch (the settled rows record each call).
    for (const [agent, sum] of byAgent) await journalInOneStatement(trx, { kind: 'settle', tenant: lease.tenant, reservationId: lease.id, reference: null, now }, closePostings(lease.tenant, agent, sum, sum));
    if (spent === 0) return { lease: { ...lease, held: lease.held }, charged, balance: undefined, crossing: undefined };
    // The lease's hold and the tenant's reserved credits lowered in one statement (one round trip).
    const raw = await trx
      .with('lease', (db) => db.updateTable('credit_reservations').set((eb) => ({ held: eb('held', '-', spent) })).where('id', '=', lease.id).returning('id'))
      .updateTable('credit_balances')
      .set((eb) => ({ reserved: eb('reserved', '-', spent), updated_at: now }))
      .where('tenant', '=', lease.tenant)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { lease: { ...lease, held: lease.held - spent }, charged, ...(await this.#afterMove(trx, raw, now)) };
  }

  async carveLease(leaseKey: string, input: ReserveInput, now: number): Promise<ReserveResult> {
    return this.#db.transaction().execute(async (trx) => {
      const lease = await trx.selectFrom('credit_reservations').selectAll().where('key', '=', leaseKey).forUpdate().executeTakeFirst();
      if (!lease || lease.status !== 'held' || Number(lease.held) < input.milliCredits) {
        // A reservation already under the key is found, not refused, though a carve that landed used the lease's
        // last credits or the lease is gone since: the gateway sends a carve again when its answer was lost, and
        // reads a refusal as "nothing carved" (the SQLite store looks the key up first).
        const existing = await trx.selectFrom('credit_reservations').selectAll().where('key', '=', input.key).executeTakeFirst();
        if (existing === undefined) throw reservationNotFound(leaseKey);
        if (existing.tenant !== input.tenant) throw keyTaken(input.key);
        return { row: normalizeReservation(existing), created: false, balance: undefined, crossing: undefined };
      }
      const row = heldReservation(input, now);
      const inserted = await trx.insertInto('credit_reservations').values(row).onConflict((oc) => oc.column('key').doNothing()).returning('id').executeTakeFirst();
      if (!inserted) {
        const existing = normalizeReservation(await trx.selectFrom('credit_reservations').selectAll().where('key', '=', input.key).executeTakeFirstOrThrow());
        if (existing.tenant !== input.tenant) throw keyTaken(input.key);
        return { row: existing, created: false, balance: undefined, crossing: undefined };
      }
      await trx.updateTable('credit_reservations').set((eb) => ({ held: eb('held', '-', input.milliCredits) })).where('id', '=', lease.id).execute();
      return { row, created: true, balance: undefined, crossing: undefined };
    });
  }

  async rekey(oldKey: string, newKey: string): Promise<void> {
    if (oldKey === newKey) return;
    await this.#db.transaction().execute(async (trx) => {
      const rows = await trx.selectFrom('credit_reservations').select('key').where('key', 'in', [oldKey, newKey]).execute();
      const source = rows.some((r) => r.key === oldKey);
      const target = rows.some((r) => r.key === newKey);
      if (!source) {
        if (target) return; // a retry of a rekey that already happened
        throw reservationNotFound(oldKey);
      }
      if (target) throw keyTaken(newKey);
      await trx.updateTable('credit_reservations').set({ key: newKey }).where('key', '=', oldKey).execute();
    });
  }

  async balance(tenant: string): Promise<BalanceRow | undefined> {
    const row = await this.#db.selectFrom('credit_balances').selectAll().where('tenant', '=', tenant).executeTakeFirst();
    return row && normalizeBalance(row);
  }

  async lowBalances(tenant: string | undefined, limit: number): Promise<BalanceRow[]> {
    let query = this.#db
      .selectFrom('credit_balances')
      .selectAll()
      .where(sql<boolean>`available < coalesce(low_balance_threshold, ${this.#defaultThreshold})`);
    if (tenant !== undefined) query = query.where('tenant', '=', tenant);
    const rows = await query.orderBy('available').orderBy('tenant').limit(limit).execute();
    return rows.map(normalizeBalance);
  }

  async topUp(tenant: string, amount: number, reference: string, now: number): Promise<TopUpResult> {
    return this.#db.transaction().execute(async (trx) => {
      const row: TopUpRow = { reference, tenant, amount, entry_id: uuidv7(), created_at: now };
      const inserted = await trx.insertInto('credit_topups').values(row).onConflict((oc) => oc.column('reference').doNothing()).returning('reference').executeTakeFirst();
      if (!inserted) {
        const existing = normalizeTopUp(await trx.selectFrom('credit_topups').selectAll().where('reference', '=', reference).executeTakeFirstOrThrow());
        if (existing.tenant !== tenant || existing.amount !== amount) throw referenceTaken(reference, existing.tenant, existing.amount);
        const balance = await trx.selectFrom('credit_balances').selectAll().where('tenant', '=', tenant).executeTakeFirstOrThrow();
        return { row: existing, created: false, balance: normalizeBalance(balance), crossing: undefined };
      }
      await journal(trx, { kind: 'topup', tenant, reservationId: null, reference, now, id: row.entry_id }, topUpPostings(tenant, amount));
      const balance = await trx
        .insertInto('credit_balances')
        .values({ tenant, available: amount, reserved: 0, low_balance_threshold: null, low_balance_alerted: 0, created_at: now, updated_at: now })
        .onConflict((oc) => oc.column('tenant').doUpdateSet((eb) => ({ available: eb('credit_balances.available', '+', amount), updated_at: now })))
        .returningAll()
        .executeTakeFirstOrThrow();
      return { row, created: true, ...(await this.#afterMove(trx, balance, now)) };
    });
  }

  async setThreshold(tenant: string, threshold: number | null, now: number): Promise<BalanceMove> {
    return this.#db.transaction().execute(async (trx) => {
      const balance = await trx
        .insertInto('credit_balances')
        .values({ tenant, available: 0, reserved: 0, low_balance_threshold: threshold, low_balance_alerted: 0, created_at: now, updated_at: now })
        .onConflict((oc) => oc.column('tenant').doUpdateSet({ low_balance_threshold: threshold, updated_at: now }))
        .returningAll()
        .executeTakeFirstOrThrow();
      return this.#afterMove(trx, balance, now);
    });
  }

  /** Read under REPEATABLE READ: one snapshot, even while calls are being charged. */
  async reconcileFigures(): Promise<ReconcileFigures> {
    return this.#db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        const accounts = await trx.selectFrom('credit_postings').select((eb) => ['account', eb.fn.sum<number | string>('amount').as('total')]).groupBy('account').execute();
        const unbalanced = await trx
          .selectFrom('credit_postings')
          .select((eb) => ['entry_id', eb.fn.sum<number | string>('amount').as('total'), eb.fn.countAll<number | string>().as('postings')])
          .groupBy('entry_id')
          .having((eb) => eb.or([eb(eb.fn.sum('amount'), '<>', 0), eb(eb.fn.countAll(), '<', 2)]))
          .execute();
        const entries = await trx.selectFrom('credit_entries').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
        const balances = await trx.selectFrom('credit_balances').select(['tenant', 'available', 'reserved']).execute();
        const holds = await trx.selectFrom('credit_reservations').select((eb) => ['tenant', eb.fn.sum<number | string>('held').as('total')]).where('status', '=', 'held').groupBy('tenant').execute();
        const charged = await trx.selectFrom('credit_reservations').select((eb) => ['agent', eb.fn.sum<number | string>('charged').as('total')]).where('status', '=', 'settled').groupBy('agent').execute();
        const topups = await trx.selectFrom('credit_topups').select((eb) => eb.fn.sum<number | string | null>('amount').as('total')).executeTakeFirstOrThrow();
        return {
          accounts: accounts.map((r) => ({ account: r.account, total: Number(r.total) })),
          unbalanced: unbalanced.map((r) => ({ entryId: r.entry_id, total: Number(r.total), postings: Number(r.postings) })),
          entries: Number(entries.n),
          balances: balances.map((r) => ({ tenant: r.tenant, available: Number(r.available), reserved: Number(r.reserved) })),
          holds: holds.map((r) => ({ tenant: r.tenant, total: Number(r.total) })),
          charged: charged.map((r) => ({ agent: r.agent, total: Number(r.total) })),
          topups: Number(topups.total ?? 0),
        };
      });
  }

  /** Stores the low-balance flag when the move crossed the threshold; the balance row is still locked by this transaction. */
  async #afterMove(trx: Trx, raw: BalanceRow, now: number): Promise<BalanceMove> {
    const balance = normalizeBalance(raw);
    const { flag, event } = crossingAfter(balance, this.#defaultThreshold, now);
    if (flag !== undefined) await trx.updateTable('credit_balances').set({ low_balance_alerted: flag }).where('tenant', '=', balance.tenant).execute();
    return { balance: flag === undefined ? balance : { ...balance, low_balance_alerted: flag }, crossing: event };
  }
}

/** Appends one balanced entry and its postings. */
async function journal(trx: Trx, entry: { kind: string; tenant: string; reservationId: string | null; reference: string | null; now: number; id?: string }, postings: readonly Posting[]): Promise<void> {
  assertBalanced(entry.kind, postings);
  const id = entry.id ?? uuidv7();
  await trx.insertInto('credit_entries').values({ id, kind: entry.kind, tenant: entry.tenant, reservation_id: entry.reservationId, reference: entry.reference, created_at: entry.now }).execute();
  await trx
    .insertInto('credit_postings')
    .values(postings.map(([account, amount], line) => ({ entry_id: id, line, account, amount })))
    .execute();
}

/**
 * {@link journal} in one statement (the entry a data-modifying CTE): one round trip, for the lease batch
 * (ADR 0052). The exact path's writes keep the two statements until a quiet host says whether the one
 * statement slows 200 reserves racing for one balance (ADR 0052: a load-sensitive test failed more often with it).
 */
async function journalInOneStatement(trx: Trx, entry: { kind: string; tenant: string; reservationId: string | null; reference: string | null; now: number }, postings: readonly Posting[]): Promise<void> {
  assertBalanced(entry.kind, postings);
  const id = uuidv7();
  await trx
    .with('entry', (db) => db.insertInto('credit_entries').values({ id, kind: entry.kind, tenant: entry.tenant, reservation_id: entry.reservationId, reference: entry.reference, created_at: entry.now }).returning('id'))
    .insertInto('credit_postings')
    .values(postings.map(([account, amount], line) => ({ entry_id: id, line, account, amount })))
    .execute();
}

/**
 * Charges `charged` to the row of a call that was refunded elsewhere (it failed there) while this
 * retry completed: once, as `status = 'refunded'` lets only one writer re-open it. Its id, or
 * undefined when the key names no refunded row.
 */
async function settleRefunded(trx: Trx, spend: LeaseSpend, charged: number, now: number): Promise<{ id: string } | undefined> {
  return trx
    .updateTable('credit_reservations')
    .set({ status: 'settled', held: spend.held, charged, requested: spend.requested, task_state: spend.state ?? null, reason: null, closed_at: now })
    .where('key', '=', spend.key)
    .where('status', '=', 'refunded')
    .returning('id')
    .executeTakeFirst();
}

function withoutTakenKeys({ taken_keys: _taken, ...row }: ReservationRow & { taken_keys: unknown }): ReservationRow {
  return row;
}
