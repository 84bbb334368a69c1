import { sql, type InsertObject, type Insertable, type Kysely } from 'kysely';
import { databaseClock, schemaAdvisoryLockSql, type Database, type DatabaseClock, type Tables } from '../../storage/index.js';
import type { AgentRecord, RegistryChange, RegistryChangeKind } from '../../contracts/registry/index.js';
import { cardToJsonText, recordJsonTextBeforeCard, recordToJsonText } from '../../contracts/registry/index.js';
import { recordFromRow } from './rows.js';
import type { AgentDecision, NewInstance } from './store-types.js';

/** A transaction's statements: Kysely's transaction on SQLite, its connection with a `begin` sent on PostgreSQL. */
export type Trx = Kysely<Tables>;

/** A write's body: given the transaction, the group's time (the database's, read once the writers' lock is held), and where to log its changes. */
export type WriteWork<T> = (trx: Trx, now: number, log: ChangeLog) => Promise<T>;

/** What a write callback decided: the change to log, if any. */
export interface PendingChange {
  kind: RegistryChangeKind;
  agent: string;
  record?: AgentRecord;
  detail?: Record<string, unknown>;
}

/** Where a write notes the changes it makes, for the log. */
export type ChangeLog = (change: PendingChange) => void;

/** A write waiting for its group's commit. */
interface QueuedWrite {
  work: WriteWork<unknown>;
  /**
   * Set for one agent's write: batched with its group mates (one read for the group, one insert
   * for the new agents), no savepoint of its own. Its decision is the only part of it that can
   * refuse before anything is written, so a refusal is isolated without one.
   */
  agent?: AgentWrite;
  resolve(outcome: { result: unknown; changes: RegistryChange[] }): void;
  reject(err: unknown): void;
}

/** One agent's write, as `RegistryStore.writeAgent` takes it. */
export interface AgentWrite {
  name: string;
  decide: AgentDecision;
  instance?: NewInstance | undefined;
}

/** A write's outcome inside its group: its result and the changes it logs, or why it was refused. */
type Settled =
  | { write: QueuedWrite; ok: true; result: unknown; now: number; pending: PendingChange[]; changes?: RegistryChange[] }
  | { write: QueuedWrite; ok: false; error: unknown };

/** A decision that refused: the write fails alone, nothing of it having been written. */
export class Refusal {
  readonly error: unknown;
  constructor(error: unknown) {
    this.error = error;
  }
}

/** A group's batched run failed before its commit: it runs again one write at a time. */
class BatchFailed {
  readonly error: unknown;
  constructor(error: unknown) {
    this.error = error;
  }
}

/** Rows per multi-row insert: far under SQLite's 32,766 bound parameters and a sensible query size. */
const ROWS_PER_INSERT = 200;

/**
 * The agent reads and writes of one group in few statements: the agents the
 * group's writes name are read with one query; new agents' rows wait here and
 * go in one multi-row insert, sent before any other statement (so every
 * statement sees the writes before it, as it would one at a time).
 */
export class AgentBatch {
  /** Agents read ahead for the writes to come, `undefined` for none of that name; a name written since is gone. */
  readonly #known = new Map<string, AgentRecord | undefined>();
  #rows: Array<Insertable<Tables['registry_agents']>> = [];

  /** Reads every name not read yet in one query. */
  async readAhead(trx: Trx, names: readonly string[]): Promise<void> {
    const wanted = [...new Set(names)].filter((name) => !this.#known.has(name));
    if (wanted.length === 0) return;
    await this.flush(trx);
    for (const name of wanted) this.#known.set(name, undefined);
    for (let i = 0; i < wanted.length; i += ROWS_PER_INSERT) {
      const rows = await trx.selectFrom('registry_agents').selectAll().where('name', 'in', wanted.slice(i, i + ROWS_PER_INSERT)).execute();
      for (const row of rows) this.#known.set(row.name, recordFromRow(row));
    }
  }

  /** The agent as the writes before this one left it. */
  async read(trx: Trx, name: string): Promise<AgentRecord | undefined> {
    if (this.#known.has(name)) return this.#known.get(name);
    await this.flush(trx);
    const row = await trx.selectFrom('registry_agents').selectAll().where('name', '=', name).executeTakeFirst();
    return row && recordFromRow(row);
  }

  /** A new agent's row, inserted with the group's others. */
  insert(row: Insertable<Tables['registry_agents']>): void {
    this.#known.delete(row.name);
    this.#rows.push(row);
  }

  /** `name` is about to change by a statement of its own (or any agent, without a name): read it again next time. */
  forget(name?: string): void {
    if (name === undefined) this.#known.clear();
    else this.#known.delete(name);
  }

  /** The rows waiting, handed to the caller to insert (the group's last statement carries them). */
  take(): Array<Insertable<Tables['registry_agents']>> {
    const rows = this.#rows;
    this.#rows = [];
    return rows;
  }

  async flush(trx: Trx): Promise<void> {
    const rows = this.take();
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) await trx.insertInto('registry_agents').values(rows.slice(i, i + ROWS_PER_INSERT)).execute();
  }
}

/** The registry writers' lock, per schema (the audit chain's is 7_311_005). */
export const REGISTRY_WRITE_LOCK = schemaAdvisoryLockSql(7_311_001);
/** Own committed changes kept for the feed's read-back (a few seconds of writes at full rate). */
const RECENT_CHANGES = 4_096;

/** Runs one agent's write inside a group (agent-writes.ts): with `batch`, a refusal of its decision is thrown as a {@link Refusal}. */
export type AgentWriteRunner = (trx: Trx, now: number, log: ChangeLog, write: AgentWrite, batch?: AgentBatch) => Promise<AgentRecord | undefined>;

/**
 * The registry's group commit: every write runs in one transaction that also
 * appends its changes to the log, so the log is exactly the sequence of
 * committed writes. Writers take one lock first (a Postgres advisory lock of
 * the schema; on SQLite, the write lock), so log sequence numbers commit in
 * order and a replica tailing the log never skips a change that commits late.
 */
export class WriteGroups {
  readonly #db: Kysely<Tables>;
  readonly #dialect: 'sqlite' | 'postgres';
  readonly #agentWrite: AgentWriteRunner;
  #queued: QueuedWrite[] = [];
  /** A group is committing: the writes queued meanwhile wait for it, then form the next group. */
  #committing = false;
  /**
   * Changes this process committed, by seq, the newest {@link RECENT_CHANGES}: the change feed reads
   * every change back from the log, and one written here need not be parsed again (a card's
   * conversion is most of a registration's cost in the feed).
   */
  readonly recent = new Map<number, RegistryChange>();
  /**
   * The card text of each agent's row as the group committing last wrote or read it (`null`: the
   * row deleted), so that a change whose card is that text has its card copied into the log by the
   * database instead of sent again (see {@link #logChanges}). Cleared when a savepoint is rolled
   * back: the rows are then as they were before that write, which this may no longer say. A map
   * per group, dropped with it: one kept for the process would live long at the rate of writes.
   * Every write that writes or reads an agent's row notes its card here.
   */
  #rowCards = new Map<string, string | null>();
  /**
   * The time every write is given: the database's, read once per group in its transaction. Leases,
   * heartbeats and due times are written by one replica and judged by another, which on their own
   * clocks would disagree by as much as the hosts' clocks do.
   */
  readonly clock: DatabaseClock;

  constructor(database: Database, agentWrite: AgentWriteRunner) {
    this.#db = database.db;
    this.#dialect = database.dialect;
    this.#agentWrite = agentWrite;
    this.clock = databaseClock(database);
  }

  /** The card text of each agent's row as the group committing wrote or read it: see {@link #rowCards}. */
  get rowCards(): Map<string, string | null> {
    return this.#rowCards;
  }

  /**
   * Runs `work` in a transaction that also appends its changes to the log.
   * Writes asked for in the same event-loop turn commit together (group
   * commit), one group at a time: writes asked for while a group commits form
   * the next group, which starts as soon as that commit is answered. A write
   * that is refused fails alone while the others commit. Every caller is
   * answered right after the commit that holds its write: nothing waits on a
   * timer or a later signal.
   *
   * A group costs a few statements, not a few per write (on PostgreSQL each
   * statement is a round trip): one agent's writes read their agents with one
   * query, new agents go in one multi-row insert, and the group's changes in
   * another; such a write needs no savepoint, since all it can refuse (its
   * decision) comes before it writes. Any other write runs in a savepoint of
   * its own. Should a batched statement fail in the database, nothing of the
   * group has committed: it runs again one write at a time, each in a
   * savepoint, so the write at fault fails alone.
   */
  write<T>(work: WriteWork<T>, agent?: AgentWrite): Promise<{ result: T; changes: RegistryChange[] }> {
    return new Promise((resolve, reject) => {
      this.#queued.push({ work, ...(agent && { agent }), resolve, reject } as QueuedWrite);
      if (this.#queued.length === 1 && !this.#committing) setImmediate(() => void this.#commitGroup());
    });
  }

  async #commitGroup(): Promise<void> {
    const group = this.#queued;
    this.#queued = [];
    this.#committing = true;
    try {
      let settled: Settled[];
      try {
        settled = await this.#runGroup(group, group.some((write) => write.agent !== undefined));
      } catch (err) {
        // A batched statement failed before the commit (the database refused a row, say): nothing
        // committed, and one write at a time finds the one at fault. A fault of the connection fails
        // that run too. A failed commit is not run again: it may have committed.
        if (!(err instanceof BatchFailed)) throw err;
        settled = await this.#runGroup(group, false);
      }
      for (const outcome of settled) {
        if (outcome.ok) for (const change of outcome.changes!) this.recent.set(change.seq, change);
      }
      for (const oldest of this.recent.keys()) {
        if (this.recent.size <= RECENT_CHANGES) break;
        this.recent.delete(oldest);
      }
      for (const outcome of settled) {
        if (outcome.ok) outcome.write.resolve({ result: outcome.result, changes: outcome.changes! });
        else outcome.write.reject(outcome.error);
      }
    } catch (err) {
      // Nothing of the group committed: every write learns why.
      for (const write of group) write.reject(err);
    } finally {
      this.#committing = false;
      if (this.#queued.length > 0) setImmediate(() => void this.#commitGroup());
    }
  }

  /**
   * One transaction for the group. `batched`: one agent's writes share the group's reads and
   * inserts (see {@link write}); otherwise each write runs in a savepoint of its own (unless alone).
   */
  async #runGroup(group: readonly QueuedWrite[], batched: boolean): Promise<Settled[]> {
    return this.#lockedTransaction(async (trx) => {
      try {
        return await this.#runWrites(trx, group, batched);
      } catch (err) {
        throw batched ? new BatchFailed(err) : err;
      }
    });
  }

  /**
   * Runs `work` in a transaction that holds the writers' lock, which serializes registry writers
   * so change-log seqs commit in order. On PostgreSQL the `begin` and the lock go in one round
   * trip (a simple query of two statements; the lock is taken before any statement after it
   * takes its snapshot). On SQLite any write statement takes the write lock at once (waiting
   * under busy_timeout), instead of upgrading a read transaction later, which fails at once when
   * another connection wrote in between.
   */
  async #lockedTransaction<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
    if (this.#dialect !== 'postgres') {
      return this.#db.transaction().execute(async (trx) => {
        await sql`update registry_agents set revision = revision where 0 = 1`.execute(trx);
        return work(trx);
      });
    }
    return this.#db.connection().execute(async (conn) => {
      let result: T;
      try {
        await sql.raw(`begin; ${REGISTRY_WRITE_LOCK}`).execute(conn);
        result = await work(conn);
      } catch (err) {
        // After a failed lock too: the `begin` before it may have opened the transaction.
        await sql.raw('rollback').execute(conn);
        throw err;
      }
      await sql.raw('commit').execute(conn);
      return result;
    });
  }

  async #runWrites(trx: Trx, group: readonly QueuedWrite[], batched: boolean): Promise<Settled[]> {
    const settled: Settled[] = [];
    const batch = batched ? new AgentBatch() : undefined;
    this.#rowCards = new Map();
    const now = await this.clock.now(trx);
    for (const [i, write] of group.entries()) {
      const pending: PendingChange[] = [];
      const log = (change: PendingChange) => pending.push(change);
      if (batch && write.agent) {
        // The agents of this write and of the agent writes right after it, read at once.
        const names: string[] = [];
        for (let j = i; j < group.length && group[j]!.agent; j++) names.push(group[j]!.agent!.name);
        await batch.readAhead(trx, names);
        try {
          const result = await this.#agentWrite(trx, now, log, write.agent, batch);
          settled.push({ write, ok: true, result, now, pending });
        } catch (err) {
          if (!(err instanceof Refusal)) throw err;
          settled.push({ write, ok: false, error: err.error });
        }
        continue;
      }
      if (batch) {
        // Any statement of this write sees the agents before it; any agent it changes is read again after it.
        await batch.flush(trx);
        batch.forget();
      }
      if (group.length === 1) {
        // Alone: no savepoint needed, an error rolls the transaction back.
        settled.push({ write, ok: true, result: await write.work(trx, now, log), now, pending });
        continue;
      }
      await sql`savepoint registry_write`.execute(trx);
      try {
        const result = await write.work(trx, now, log);
        await sql`release savepoint registry_write`.execute(trx);
        settled.push({ write, ok: true, result, now, pending });
      } catch (err) {
        await sql`rollback to savepoint registry_write`.execute(trx);
        await sql`release savepoint registry_write`.execute(trx);
        this.#rowCards = new Map();
        settled.push({ write, ok: false, error: err });
      }
    }
    await this.#logChanges(trx, settled, batch?.take() ?? []);
    return settled;
  }

  /**
   * Inserts the new agents still waiting and appends the group's changes to the log, in the order
   * they were made: on PostgreSQL one statement for both (the agents' insert a data-modifying
   * WITH of the log's), elsewhere or past {@link ROWS_PER_INSERT} rows one per kind and chunk.
   *
   * The log keeps its own copy of each change's record, card included: a change is the record as
   * of its seq, read after the agent's row has moved on or is gone (another replica's directory,
   * a watcher resuming from a seq), so it cannot point at the row instead. On PostgreSQL the card
   * is not sent a second time for it, though: a change whose card is the one its agent's row holds
   * (`#rowCards`) goes without it, and the database appends the row's card text, the very text the
   * record would have carried (`recordToJsonText` writes the card last).
   */
  async #logChanges(trx: Trx, settled: Settled[], agentRows: Array<Insertable<Tables['registry_agents']>>): Promise<void> {
    const postgres = this.#dialect === 'postgres';
    let count = 0;
    for (const outcome of settled) if (outcome.ok) count += outcome.pending.length;
    const together = postgres && agentRows.length > 0 && agentRows.length <= ROWS_PER_INSERT && count > 0 && count <= ROWS_PER_INSERT;
    const rows: Array<InsertObject<Tables, 'registry_changes'>> = [];
    /** The agent of each row whose card the database copies from the agent's row, by index in `rows`. */
    const fromRow = new Map<number, string>();
    for (const outcome of settled) {
      if (!outcome.ok) continue;
      for (const change of outcome.pending) {
        let record: InsertObject<Tables, 'registry_changes'>['record'] = null;
        if (change.record !== undefined && postgres && this.#rowCards.get(change.agent) === cardToJsonText(change.record.card)) {
          // The new agents of the statement itself are in its WITH: its reads of the table do not see them.
          const card = together
            ? sql<string>`coalesce((select card from new_agents where name = ${change.agent}), (select card from registry_agents where name = ${change.agent}))`
            : sql<string>`(select card from registry_agents where name = ${change.agent})`;
          record = sql<string>`${recordJsonTextBeforeCard(change.record)} || ${card} || '}'`;
          fromRow.set(rows.length, change.agent);
        } else if (change.record !== undefined) record = recordToJsonText(change.record);
        rows.push({ kind: change.kind, agent: change.agent, at: outcome.now, record, detail: change.detail ? JSON.stringify(change.detail) : null });
      }
    }
    if (!together) {
      for (let i = 0; i < agentRows.length; i += ROWS_PER_INSERT) await trx.insertInto('registry_agents').values(agentRows.slice(i, i + ROWS_PER_INSERT)).execute();
    }
    const seqs: number[] = [];
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      const chunk = rows.slice(i, i + ROWS_PER_INSERT);
      const returned = ['seq', sql<boolean>`record is null`.as('recordless')] as const;
      const inserted = together
        ? await trx
            .with('new_agents', (db) => db.insertInto('registry_agents').values(agentRows).returning(['name', 'card']))
            .insertInto('registry_changes')
            .values(chunk)
            .returning(returned)
            .execute()
        : await trx.insertInto('registry_changes').values(chunk).returning(returned).execute();
      // The rows take their seqs in the order of the VALUES list; RETURNING's order is not promised.
      const inOrder = inserted.map((row) => ({ seq: Number(row.seq), recordless: row.recordless })).sort((a, b) => a.seq - b.seq);
      for (const [j, row] of inOrder.entries()) {
        seqs.push(row.seq);
        // Only a row changed outside the writers' lock could leave a copied card empty: the log must
        // not lose a record silently, so nothing of the group commits.
        const agent = fromRow.get(i + j);
        if (row.recordless && agent !== undefined) throw new Error(`the registry change log lost the record of ${JSON.stringify(agent)}: its row no longer holds the card it was written with`);
      }
    }
    let next = 0;
    for (const outcome of settled) {
      if (!outcome.ok) continue;
      const at = new Date(outcome.now).toISOString();
      outcome.changes = outcome.pending.map((change) => ({
        seq: seqs[next++]!,
        kind: change.kind,
        agent: change.agent,
        at,
        ...(change.record && { record: change.record }),
        ...(change.detail && { detail: change.detail }),
      }));
    }
  }
}
