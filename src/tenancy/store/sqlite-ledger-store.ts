import type BetterSqlite3 from 'better-sqlite3';
import type { AgentmeshError } from '../../protocol/index.js';
import { uuidv7, type Database } from '../../storage/index.js';
import { assertBalanced, chargePostings, closePostings, reservePostings, topUpPostings, type Posting } from '../accounts.js';
import type { ReserveInput } from '../ledger-types.js';
import { crossingAfter } from '../low-balance.js';
import type { BalanceMove, CloseOutcome, CloseResult, LeaseSpend, LedgerStore, ReconcileFigures, ReserveResult, SpendLeaseResult, TopUpResult } from './ledger-store.js';
import { heldReservation, LedgerCore } from './ledger-core.js';
import { closedReservation, type BalanceRow, type ReservationRow, type TopUpRow } from './rows.js';
import { insufficientCredits, keyTaken, referenceTaken, reservationNotFound } from './store-errors.js';

type Sqlite = NonNullable<Database['sqlite']>;
type Statement<R = unknown> = BetterSqlite3.Statement<unknown[], R>;

const INSERT_SETTLED = 'insert into credit_reservations (id, key, tenant, agent, skill, client_id, held, status, charged, requested, task_state, created_at, closed_at) values ';
const SETTLED_VALUES = "(?, ?, ?, ?, ?, ?, ?, 'settled', ?, ?, ?, ?, ?)";
const SETTLED_COLUMNS = 12;
/**
 * A batch's rows when they share their tenant (a lease's calls all do) and,
 * as always, their `closed_at`: those two bound once per statement as named
 * parameters, which each row repeats, instead of once per row (each bound
 * value costs a few thousand instructions in better-sqlite3, docs/perf-journal/gateway-and-fleet-2026-11-27.md,
 * "The accounting's microseconds by step").
 */
const SHARED_VALUES = "(?, ?, @tenant, ?, ?, ?, ?, 'settled', ?, ?, ?, ?, @now)";
const SHARED_COLUMNS = 10;
/**
 * A batch's rows when they share every column but their id, key, charge and
 * creation time (a busy tenant's calls to one agent's skill by one client,
 * each admitted at one price and ending in one state): those bound once per
 * statement, four values per row instead of ten (docs/perf-journal/gateway-and-fleet-2026-11-27.md,
 * "Per-call cuts after the front became the default").
 */
const UNIFORM_VALUES = "(?, ?, @tenant, @agent, @skill, @client, @held, 'settled', ?, @requested, @state, ?, @now)";
const UNIFORM_COLUMNS = 4;
/**
 * Most settled rows one INSERT writes: a lease's batch goes in as one or a
 * few statements rather than one per call (each run is a bind, a step and a
 * reset through better-sqlite3). 64 rows bind 768 parameters, far below
 * SQLite's limit of 32,766.
 */
const ROWS_PER_INSERT = 64;

/** `statement.run(...values)`: the values passed as arguments, which better-sqlite3 binds without an element read each. */
function runWith(statement: Statement, values: readonly unknown[]): void {
  Reflect.apply(statement.run, statement, values);
}

/** What one queued operation produced: a value, or a refusal decided before it wrote anything. */
type Outcome<T> = { value: T; refusal?: undefined } | { refusal: AgentmeshError; value?: undefined };

interface Pending {
  run: () => Outcome<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * The ledger on the embedded SQLite file, through better-sqlite3 prepared
 * statements with group commit (docs/credits.md "Storage", after ADR 0002's task store):
 * operations issued during one event-loop turn run, in order, in one
 * `BEGIN IMMEDIATE` transaction on the next `setImmediate`, and each
 * caller's promise settles after that commit. A commit writes every page
 * the batch touched once, which is what made one transaction per call slow.
 *
 * Balances never go below zero: SQLite has one writer at a time (the
 * IMMEDIATE transaction takes the write lock first, so another process on
 * the same file waits under busy_timeout instead of interleaving), each
 * operation runs synchronously inside it, and a hold is still a conditional
 * UPDATE (`… where available >= n`), backed by a CHECK constraint.
 *
 * An operation that refuses (short balance, unknown key) decides so before
 * it writes, so its neighbours in the batch commit normally. Any other
 * failure rolls the batch back and runs each operation in a transaction of
 * its own, so one bad operation never takes the others down.
 */
export class SqliteLedgerStore extends LedgerCore implements LedgerStore {
  readonly #raw: Sqlite;
  readonly #defaultThreshold: number;
  readonly #s: ReturnType<typeof prepare>;
  readonly #commitBatch: { immediate(batch: Pending[]): Outcome<unknown>[] };
  readonly #commitOne: { immediate(run: () => Outcome<unknown>): Outcome<unknown> };
  #queue: Pending[] = [];
  #scheduled = false;
  /** Multi-row inserts of settled reservations, by row count, prepared when first needed: every value per row, and the tenant and time shared. */
  readonly #settledInserts: (Statement | undefined)[] = [];
  readonly #sharedInserts: (Statement | undefined)[] = [];
  readonly #uniformInserts: (Statement | undefined)[] = [];
  /** One spendLease's settled rows, flat, reused across batches (operations run one at a time). */
  readonly #settledRows: unknown[] = [];
  /** Reservations by a list of keys, by list length, prepared when first needed. */
  readonly #byKeys: (Statement<ReservationRow> | undefined)[] = [];

  constructor(database: Database, defaultThreshold: number) {
    super(database.db);
    this.#raw = database.sqlite!;
    this.#defaultThreshold = defaultThreshold;
    this.#s = prepare(this.#raw);
    this.#commitBatch = this.#raw.transaction((batch: Pending[]) => batch.map((p) => p.run()));
    this.#commitOne = this.#raw.transaction((run: () => Outcome<unknown>) => run());
  }

  reserve(input: ReserveInput, now: number): Promise<ReserveResult> {
    return this.#enqueue<ReserveResult>(() => {
      const existing = this.#s.reservationByKey.get(input.key);
      if (existing && existing.tenant !== input.tenant) return { refusal: keyTaken(input.key) };
      // Refunded: nothing was charged, so a retry that runs now holds again (under the same id).
      if (existing && existing.status !== 'refunded') return { value: { row: existing, created: false, balance: undefined, crossing: undefined } };
      const n = input.milliCredits;
      let balance: BalanceRow | undefined;
      if (n > 0) {
        balance = this.#s.hold.get(n, n, now, input.tenant, n);
        if (!balance) {
          const current = this.#s.availableOf.get(input.tenant);
          return { refusal: insufficientCredits(input.tenant, current?.available ?? 0, n) };
        }
      }
      let row: ReservationRow;
      if (existing) {
        row = { ...existing, held: n, status: 'held', charged: null, requested: null, task_state: null, reason: null, closed_at: null };
        this.#s.reopenReservation.run(n, existing.id);
      } else {
        row = heldReservation(input, now);
        this.#s.insertReservation.run(row.id, row.key, row.tenant, row.agent, row.skill, row.client_id, row.held, row.status, row.created_at);
      }
      if (!balance) return { value: { row, created: true, balance: undefined, crossing: undefined } };
      this.#journal('reserve', row.tenant, row.id, null, now, reservePostings(row.tenant, n));
      return { value: { row, created: true, ...this.#afterMove(balance, now) } };
    });
  }

  close(key: string, outcome: CloseOutcome, now: number): Promise<CloseResult> {
    return this.#enqueue<CloseResult>(() => {
      const current = this.#s.reservationByKey.get(key);
      if (!current) return { refusal: reservationNotFound(key) };
      if (current.status !== 'held') return { value: { row: current, closed: false, balance: undefined, crossing: undefined } };
      return { value: this.#closeHeld(current, outcome, now) };
    });
  }

  /** Closes a reservation found held, inside the running batch: its row, the balance, the journal. */
  #closeHeld(current: ReservationRow, outcome: CloseOutcome, now: number): CloseResult {
    const next = closedReservation(current, outcome, now);
    this.#s.closeReservation.run(next.status, next.charged, next.requested, next.task_state, next.reason, now, current.id);
    if (current.held === 0) return { row: next, closed: true, balance: undefined, crossing: undefined };
    const charged = next.charged ?? 0;
    const balance = returned(this.#s.release.get(current.held, current.held - charged, now, current.tenant));
    this.#journal(outcome.kind, current.tenant, current.id, null, now, closePostings(current.tenant, current.agent, current.held, charged));
    return { row: next, closed: true, ...this.#afterMove(balance, now) };
  }

  spendLease(leaseKey: string, spends: readonly LeaseSpend[], now: number): Promise<SpendLeaseResult> {
    return this.#enqueue<SpendLeaseResult>(() => {
      const found = this.#s.reservationByKey.get(leaseKey);
      const lease = found?.status === 'held' ? found : undefined;
      const used = this.#usedKeys(spends);
      let left = lease?.held ?? 0;
      let spent = 0;
      let balance: BalanceRow | undefined;
      const byAgent = new Map<string, number>();
      const settled = this.#settledRows;
      const tenant = spends.length > 0 ? spends[0]!.tenant : '';
      let shared = true;
      for (let i = 1; i < spends.length && shared; i++) shared = spends[i]!.tenant === tenant;
      const uniform = shared ? uniformColumns(spends, tenant, now) : undefined;
      const charged = new Array<boolean>(spends.length);
      for (let i = 0; i < spends.length; i++) {
        const spend = spends[i]!;
        const c = lease ? Math.min(spend.charged, left) : spend.charged;
        // The key as SQLite stores it: binding makes each lone surrogate U+FFFD, as toWellFormed does,
        // so two keys that differ only there are one key here as they are in the table.
        const stored = spend.key.toWellFormed();
        const existing = used.get(stored);
        // The same call's reservation: its key names the tenant and the agent, so both match (a lease's row never does).
        if (existing?.status === 'held' && existing.tenant === spend.tenant && existing.agent === spend.agent) {
          // The call's first try still held on its own reservation (another replica took it without a lease)
          // while this retry completed: the retry's outcome settles that hold, charged from it, as a retry
          // settles the hold of its first try on the exact path. The first try's own refund or settle
          // after this replays it, so the completed call is charged once whichever of them comes last.
          // Not this lease's charge: charged false, the lease keeps its credits.
          const closed = this.#closeHeld(existing, { kind: 'settle', requested: spend.requested, state: spend.state }, now);
          if (closed.balance !== undefined) balance = closed.balance;
          used.set(stored, null);
          charged[i] = false;
          continue;
        }
        // A retry of this call on another replica was settled first: charged once, there. One that was
        // refunded there (it failed) while this retry completed is charged now, on its row.
        // `null`: the same key earlier in this batch, charged there.
        if (existing === null || (existing !== undefined && existing.status !== 'refunded')) {
          charged[i] = false;
          continue;
        }
        const id = existing?.id ?? uuidv7();
        if (!lease && c > 0) {
          // The lease is gone (expired or released): charge the available balance, never below zero.
          const debited = this.#s.debit.get(c, now, spend.tenant, c);
          if (!debited) {
            charged[i] = false;
            continue;
          }
          balance = debited;
        }
        used.set(stored, null);
        if (existing) this.#s.settleRefunded.run(spend.held, c, spend.requested, spend.state ?? null, now, existing.id);
        else if (uniform !== undefined) settled.push(id, spend.key, c, spend.createdAt);
        else if (shared) settled.push(id, spend.key, spend.agent, spend.skill, spend.clientId ?? null, spend.held, c, spend.requested, spend.state ?? null, spend.createdAt);
        else settled.push(id, spend.key, spend.tenant, spend.agent, spend.skill, spend.clientId ?? null, spend.held, c, spend.requested, spend.state ?? null, spend.createdAt, now);
        if (lease) {
          // Journaled once per agent for the whole batch, below (the settled row records this call).
          left -= c;
          spent += c;
          if (c > 0) byAgent.set(spend.agent, (byAgent.get(spend.agent) ?? 0) + c);
        } else if (c > 0) this.#journal('settle', spend.tenant, id, null, now, chargePostings(spend.tenant, spend.agent, c));
        charged[i] = true;
      }
      if (uniform !== undefined) this.#insertCommon(settled, uniform, UNIFORM_COLUMNS, UNIFORM_VALUES, this.#uniformInserts);
      else if (shared) this.#insertCommon(settled, { tenant, now }, SHARED_COLUMNS, SHARED_VALUES, this.#sharedInserts);
      else this.#insertSettled(settled);
      for (const [agent, sum] of byAgent) this.#journal('settle', lease!.tenant, lease!.id, null, now, closePostings(lease!.tenant, agent, sum, sum));
      if (!lease) return { value: { lease: found, charged, ...(balance ? this.#afterMove(balance, now) : { balance: undefined, crossing: undefined }) } };
      if (spent > 0) {
        this.#s.shrinkHold.run(spent, lease.id);
        balance = returned(this.#s.release.get(spent, 0, now, lease.tenant));
      }
      const after = { ...lease, held: left };
      return { value: { lease: after, charged, ...(balance ? this.#afterMove(balance, now) : { balance: undefined, crossing: undefined }) } };
    });
  }

  /**
   * The reservations already under the spends' keys, read in one statement
   * per {@link ROWS_PER_INSERT} keys rather than one lookup per spend. The
   * keys are bound as parameters, not passed as a JSON array: a key may hold
   * a lone surrogate, which binding and JSON decoding turn into different bytes.
   */
  #usedKeys(spends: readonly LeaseSpend[]): Map<string, ReservationRow | null> {
    const used = new Map<string, ReservationRow | null>();
    for (let start = 0; start < spends.length; start += ROWS_PER_INSERT) {
      const end = Math.min(start + ROWS_PER_INSERT, spends.length);
      const keys = new Array<string>(end - start);
      for (let i = start; i < end; i++) keys[i - start] = spends[i]!.key;
      const statement = (this.#byKeys[keys.length] ??= this.#raw.prepare<unknown[], ReservationRow>(`select * from credit_reservations where key in (${new Array<string>(keys.length).fill('?').join(', ')})`));
      for (const row of statement.all(...keys)) used.set(row.key, row);
    }
    return used;
  }

  /** Inserts the settled rows gathered flat in `values` (SETTLED_COLUMNS per row) in as few statements as {@link ROWS_PER_INSERT} allows, and empties it. */
  #insertSettled(values: unknown[]): void {
    const rows = values.length / SETTLED_COLUMNS;
    if (rows === 0) return;
    // The values as arguments, not as one array: better-sqlite3 reads an array's values one
    // N-API element read at a time, which cost a fifth of a multi-row insert
    // (docs/perf-journal/gateway-and-fleet-2026-11-27.md, "The accounting's microseconds by step").
    if (rows <= ROWS_PER_INSERT) runWith(this.#settledInsert(rows), values);
    else {
      for (let start = 0; start < rows; start += ROWS_PER_INSERT) {
        const end = Math.min(start + ROWS_PER_INSERT, rows);
        runWith(this.#settledInsert(end - start), values.slice(start * SETTLED_COLUMNS, end * SETTLED_COLUMNS));
      }
    }
    values.length = 0;
  }

  /**
   * `#insertSettled` for rows that share some columns: `values` holds `columns` per row, `common` the
   * shared ones, bound once per statement as named parameters; `statements` by row count, `rowValues`
   * the row's placeholders.
   */
  #insertCommon(values: unknown[], common: Record<string, unknown>, columns: number, rowValues: string, statements: (Statement | undefined)[]): void {
    const rows = values.length / columns;
    if (rows === 0) return;
    for (let start = 0; start < rows; start += ROWS_PER_INSERT) {
      const end = Math.min(start + ROWS_PER_INSERT, rows);
      const statement = (statements[end - start] ??= this.#raw.prepare(INSERT_SETTLED + new Array<string>(end - start).fill(rowValues).join(', ')));
      // The row values as arguments, then the named ones as the one object better-sqlite3 takes them in.
      const part = rows <= ROWS_PER_INSERT ? values : values.slice(start * columns, end * columns);
      part.push(common);
      runWith(statement, part);
    }
    values.length = 0;
  }

  #settledInsert(rows: number): Statement {
    return (this.#settledInserts[rows] ??= this.#raw.prepare(INSERT_SETTLED + new Array<string>(rows).fill(SETTLED_VALUES).join(', ')));
  }

  carveLease(leaseKey: string, input: ReserveInput, now: number): Promise<ReserveResult> {
    return this.#enqueue<ReserveResult>(() => {
      const existing = this.#s.reservationByKey.get(input.key);
      if (existing) return existing.tenant === input.tenant ? { value: { row: existing, created: false, balance: undefined, crossing: undefined } } : { refusal: keyTaken(input.key) };
      const lease = this.#s.reservationByKey.get(leaseKey);
      if (!lease || lease.status !== 'held' || lease.held < input.milliCredits) return { refusal: reservationNotFound(leaseKey) };
      const row = heldReservation(input, now);
      this.#s.insertReservation.run(row.id, row.key, row.tenant, row.agent, row.skill, row.client_id, row.held, row.status, row.created_at);
      this.#s.shrinkHold.run(input.milliCredits, lease.id);
      return { value: { row, created: true, balance: undefined, crossing: undefined } };
    });
  }

  rekey(oldKey: string, newKey: string): Promise<void> {
    if (oldKey === newKey) return Promise.resolve();
    return this.#enqueue(() => {
      const source = this.#s.reservationByKey.get(oldKey);
      const target = this.#s.reservationByKey.get(newKey);
      if (!source) return target ? { value: undefined } : { refusal: reservationNotFound(oldKey) };
      if (target) return { refusal: keyTaken(newKey) };
      this.#s.rekey.run(newKey, oldKey);
      return { value: undefined };
    });
  }

  async balance(tenant: string): Promise<BalanceRow | undefined> {
    return this.#s.balance.get(tenant);
  }

  async lowBalances(tenant: string | undefined, limit: number): Promise<BalanceRow[]> {
    return tenant === undefined ? this.#s.lowBalances.all(this.#defaultThreshold, limit) : this.#s.lowBalanceOf.all(tenant, this.#defaultThreshold);
  }

  topUp(tenant: string, amount: number, reference: string, now: number): Promise<TopUpResult> {
    return this.#enqueue<TopUpResult>(() => {
      const existing = this.#s.topUpByReference.get(reference);
      if (existing) {
        if (existing.tenant !== tenant || existing.amount !== amount) return { refusal: referenceTaken(reference, existing.tenant, existing.amount) };
        return { value: { row: existing, created: false, balance: returned(this.#s.balance.get(tenant)), crossing: undefined } };
      }
      const row: TopUpRow = { reference, tenant, amount, entry_id: uuidv7(), created_at: now };
      this.#s.insertTopUp.run(row.reference, row.tenant, row.amount, row.entry_id, row.created_at);
      const balance = returned(this.#s.credit.get(tenant, amount, now, now));
      this.#journal('topup', tenant, null, reference, now, topUpPostings(tenant, amount), row.entry_id);
      return { value: { row, created: true, ...this.#afterMove(balance, now) } };
    });
  }

  setThreshold(tenant: string, threshold: number | null, now: number): Promise<BalanceMove> {
    return this.#enqueue(() => ({ value: this.#afterMove(returned(this.#s.setThreshold.get(tenant, threshold, now, now)), now) }));
  }

  /** Runs as one queued operation: its reads share the batch transaction's snapshot, and no write lands halfway through. */
  reconcileFigures(): Promise<ReconcileFigures> {
    return this.#enqueue(() => {
      const all = <T>(text: string) => this.#raw.prepare<unknown[], T>(text).all();
      return {
        value: {
          accounts: all<{ account: string; total: number }>('select account, sum(amount) as total from credit_postings group by account'),
          unbalanced: all<{ entryId: string; total: number; postings: number }>(
            'select entry_id as entryId, sum(amount) as total, count(*) as postings from credit_postings group by entry_id having sum(amount) <> 0 or count(*) < 2',
          ),
          entries: (this.#raw.prepare('select count(*) as n from credit_entries').get() as { n: number }).n,
          balances: all<{ tenant: string; available: number; reserved: number }>('select tenant, available, reserved from credit_balances'),
          holds: all<{ tenant: string; total: number }>("select tenant, sum(held) as total from credit_reservations where status = 'held' group by tenant"),
          charged: all<{ agent: string; total: number }>("select agent, sum(charged) as total from credit_reservations where status = 'settled' group by agent"),
          topups: (this.#raw.prepare('select coalesce(sum(amount), 0) as total from credit_topups').get() as { total: number }).total,
        },
      };
    });
  }

  #journal(kind: string, tenant: string, reservationId: string | null, reference: string | null, now: number, postings: readonly Posting[], id = uuidv7()): void {
    assertBalanced(kind, postings);
    this.#s.insertEntry.run(id, kind, tenant, reservationId, reference, now);
    for (let line = 0; line < postings.length; line++) this.#s.insertPosting.run(id, line, postings[line]![0], postings[line]![1]);
  }

  #afterMove(balance: BalanceRow, now: number): BalanceMove {
    const { flag, event } = crossingAfter(balance, this.#defaultThreshold, now);
    if (flag === undefined) return { balance, crossing: event };
    this.#s.setAlerted.run(flag, balance.tenant);
    return { balance: { ...balance, low_balance_alerted: flag }, crossing: event };
  }

  #enqueue<T>(run: () => Outcome<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(this.#flush);
      }
    });
  }

  readonly #flush = (): void => {
    // Another component's Kysely transaction on this connection is open (it awaits between
    // statements): committing now would nest this batch in it as a SAVEPOINT, and its
    // rollback would undo credits already acknowledged. Wait for it to end.
    if (this.#raw.inTransaction) {
      setImmediate(this.#flush);
      return;
    }
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    let outcomes: Outcome<unknown>[];
    try {
      outcomes = this.#commitBatch.immediate(batch);
    } catch {
      // Rolled back: each operation again, alone, so only the failing one fails.
      for (const pending of batch) {
        let outcome: Outcome<unknown>;
        try {
          outcome = this.#commitOne.immediate(pending.run);
        } catch (err) {
          pending.reject(err);
          continue;
        }
        settle(pending, outcome);
      }
      return;
    }
    batch.forEach((pending, i) => settle(pending, outcomes[i]!));
  };
}

function settle(pending: Pending, outcome: Outcome<unknown>): void {
  if (outcome.refusal) pending.reject(outcome.refusal);
  else pending.resolve(outcome.value);
}

/**
 * A row the statement must have returned (an upsert's `returning *`, the
 * balance of a tenant holding a reservation): none means a broken invariant,
 * not an answer.
 */
function returned<T>(row: T | undefined): T {
  if (row === undefined) throw new Error('a ledger statement returned no row where one must exist');
  return row;
}

/** The statements, each typed by the row its SQL returns (the Kysely table types in rows.ts). */
/** The columns every spend of one tenant's batch shares, bound once per statement; undefined when any differs. */
function uniformColumns(spends: readonly LeaseSpend[], tenant: string, now: number): Record<string, unknown> | undefined {
  const first = spends[0];
  if (first === undefined) return undefined;
  const client = first.clientId ?? null;
  const state = first.state ?? null;
  for (let i = 1; i < spends.length; i++) {
    const s = spends[i]!;
    if (s.agent !== first.agent || s.skill !== first.skill || (s.clientId ?? null) !== client || s.held !== first.held || s.requested !== first.requested || (s.state ?? null) !== state) return undefined;
  }
  return { tenant, now, agent: first.agent, skill: first.skill, client, held: first.held, requested: first.requested, state };
}

function prepare(db: Sqlite) {
  return {
    reservationByKey: db.prepare<unknown[], ReservationRow>('select * from credit_reservations where key = ?'),
    insertReservation: db.prepare('insert into credit_reservations (id, key, tenant, agent, skill, client_id, held, status, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    hold: db.prepare<unknown[], BalanceRow>('update credit_balances set available = available - ?, reserved = reserved + ?, updated_at = ? where tenant = ? and available >= ? returning *'),
    availableOf: db.prepare<unknown[], { available: number }>('select available from credit_balances where tenant = ?'),
    lowBalances: db.prepare<unknown[], BalanceRow>('select * from credit_balances where available < coalesce(low_balance_threshold, ?) order by available, tenant limit ?'),
    lowBalanceOf: db.prepare<unknown[], BalanceRow>('select * from credit_balances where tenant = ? and available < coalesce(low_balance_threshold, ?)'),
    reopenReservation: db.prepare("update credit_reservations set status = 'held', held = ?, charged = null, requested = null, task_state = null, reason = null, closed_at = null where id = ? and status = 'refunded'"),
    settleRefunded: db.prepare("update credit_reservations set status = 'settled', held = ?, charged = ?, requested = ?, task_state = ?, reason = null, closed_at = ? where id = ? and status = 'refunded'"),
    closeReservation: db.prepare("update credit_reservations set status = ?, charged = ?, requested = ?, task_state = ?, reason = ?, closed_at = ? where id = ? and status = 'held'"),
    shrinkHold: db.prepare("update credit_reservations set held = held - ? where id = ? and status = 'held'"),
    debit: db.prepare<unknown[], BalanceRow>('update credit_balances set available = available - ?, updated_at = ? where tenant = ? and available >= ? returning *'),
    release: db.prepare<unknown[], BalanceRow>('update credit_balances set reserved = reserved - ?, available = available + ?, updated_at = ? where tenant = ? returning *'),
    rekey: db.prepare('update credit_reservations set key = ? where key = ?'),
    insertEntry: db.prepare('insert into credit_entries (id, kind, tenant, reservation_id, reference, created_at) values (?, ?, ?, ?, ?, ?)'),
    insertPosting: db.prepare('insert into credit_postings (entry_id, line, account, amount) values (?, ?, ?, ?)'),
    setAlerted: db.prepare('update credit_balances set low_balance_alerted = ? where tenant = ?'),
    topUpByReference: db.prepare<unknown[], TopUpRow>('select * from credit_topups where reference = ?'),
    insertTopUp: db.prepare('insert into credit_topups (reference, tenant, amount, entry_id, created_at) values (?, ?, ?, ?, ?)'),
    credit: db.prepare<unknown[], BalanceRow>(
      'insert into credit_balances (tenant, available, reserved, low_balance_threshold, low_balance_alerted, created_at, updated_at) values (?, ?, 0, null, 0, ?, ?) ' +
        'on conflict (tenant) do update set available = available + excluded.available, updated_at = excluded.updated_at returning *',
    ),
    setThreshold: db.prepare<unknown[], BalanceRow>(
      'insert into credit_balances (tenant, available, reserved, low_balance_threshold, low_balance_alerted, created_at, updated_at) values (?, 0, 0, ?, 0, ?, ?) ' +
        'on conflict (tenant) do update set low_balance_threshold = excluded.low_balance_threshold, updated_at = excluded.updated_at returning *',
    ),
    balance: db.prepare<unknown[], BalanceRow>('select * from credit_balances where tenant = ?'),
  };
}
