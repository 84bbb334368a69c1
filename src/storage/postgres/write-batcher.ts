import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { versionConflict } from '../store-errors.js';
import type { TaskRecord } from '../task-store.js';
import { fragmentsOf, planBatch, type BatchWrite, type WriteFragments } from './write-batch.js';
import { isRecord } from '../../protocol/index.js';

/** Most writes one batch carries; the rest wait for the next (bounded query text and lock set). */
export const MAX_BATCH_WRITES = 256;

interface Pending {
  write: BatchWrite;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** The store's one-at-a-time paths: what a write falls back to when its batch fails. */
export interface LoneWrites {
  lookup(write: Extract<BatchWrite, { kind: 'lookup' }>): Promise<TaskRecord | undefined>;
  create(write: Extract<BatchWrite, { kind: 'create' }>): Promise<void>;
  append(write: Extract<BatchWrite, { kind: 'append' }>): Promise<void>;
  /** Whether a create or append is in the store as it was made (a batch whose COMMIT answer was lost may have committed it). */
  landed(write: Exclude<BatchWrite, { kind: 'lookup' }>): Promise<boolean>;
}

/** A pg result of one statement of a multi-statement query. */
interface StatementResult {
  rows: Record<string, unknown>[];
}

/**
 * The results of a simple-query text, one per statement. Read, not thrown on:
 * the batch has committed by now, and a statement with no rows (an insert)
 * simply has none.
 */
function statementResults(answer: unknown): StatementResult[] {
  const list: readonly unknown[] = Array.isArray(answer) ? answer : [answer];
  return list.map((result) => {
    const rows = isRecord(result) ? result['rows'] : undefined;
    if (!Array.isArray(rows)) return { rows: [] };
    return { rows: rows.every(isRecord) ? rows : rows.filter(isRecord) };
  });
}

/** Batches of writes committing at once: PostgreSQL flushes their WAL together, so a slow fsync does not serialize the replica. */
export const WRITE_BATCHES_IN_FLIGHT = 4;
/** Batches of retried-send lookups at once: reads, never queued behind a commit. */
export const LOOKUP_BATCHES_IN_FLIGHT = 2;

/** A queue and its batches in flight. */
interface Lane {
  queue: Pending[];
  inFlight: number;
  max: number;
  scheduled: boolean;
}

const lane = (max: number): Lane => ({ queue: [], inFlight: 0, max, scheduled: false });

/**
 * Group commit for the PostgreSQL task store (ADR 0022). A write arriving
 * while fewer than {@link WRITE_BATCHES_IN_FLIGHT} batches are in flight
 * goes on the next `setImmediate`, with whatever else arrived in the same
 * event-loop turn: a lone SendMessage waits for no company. Writes arriving
 * while every slot is taken queue and go together as soon as one frees.
 * Retried-send lookups have a lane of their own, so a read never waits for a
 * commit. Each batch is one multi-statement query, one round trip and one
 * commit (write-batch.ts); every caller's promise settles only after that
 * commit answered, so an acknowledged write is durable. When the batch
 * fails, its transaction is rolled back and every write in it is retried
 * alone on the store's parameterized path, so one bad write fails alone.
 */
export class WriteBatcher {
  readonly #pool: PostgresPool;
  readonly #lone: LoneWrites;
  readonly #toTask: (row: Record<string, unknown>) => TaskRecord;
  readonly #writes: Lane;
  readonly #lookups: Lane;

  constructor(options: { pool: PostgresPool; lone: LoneWrites; toTask: (row: Record<string, unknown>) => TaskRecord; writesInFlight?: number }) {
    this.#pool = options.pool;
    this.#lone = options.lone;
    this.#toTask = options.toTask;
    this.#writes = lane(options.writesInFlight ?? WRITE_BATCHES_IN_FLIGHT);
    this.#lookups = lane(LOOKUP_BATCHES_IN_FLIGHT);
  }

  submit<T>(write: BatchWrite): Promise<T> {
    const into = write.kind === 'lookup' ? this.#lookups : this.#writes;
    return new Promise<T>((resolve, reject) => {
      into.queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (into.inFlight < into.max && !into.scheduled) {
        into.scheduled = true;
        setImmediate(() => void this.#flush(into));
      }
    });
  }

  async #flush(from: Lane): Promise<void> {
    from.scheduled = false;
    if (from.inFlight >= from.max || from.queue.length === 0) return;
    const batch = from.queue.length <= MAX_BATCH_WRITES ? from.queue : from.queue.slice(0, MAX_BATCH_WRITES);
    from.queue = from.queue.length <= MAX_BATCH_WRITES ? [] : from.queue.slice(MAX_BATCH_WRITES);
    from.inFlight++;
    try {
      await this.#run(batch);
    } finally {
      from.inFlight--;
      // What queued meanwhile already waited for a slot: it goes at once.
      if (from.queue.length > 0) void this.#flush(from);
    }
  }

  async #run(batch: Pending[]): Promise<void> {
    const writes: Pending[] = [];
    const fragments: WriteFragments[] = [];
    for (const p of batch) {
      try {
        fragments.push(fragmentsOf(p.write, writes.length));
        writes.push(p);
      } catch {
        // A value the query text cannot carry (UnwritableLiteral) or a malformed write: alone, with bind parameters, which answers it as before.
        void this.#alone(p);
      }
    }
    if (writes.length === 0) return;
    const plan = planBatch(
      writes.map((p) => p.write),
      fragments,
    );
    let results: StatementResult[];
    let client: PostgresPoolClient | undefined;
    try {
      client = await this.#pool.connect();
      // No bind values: pg sends the simple-query protocol, which runs the statements in one round trip.
      // pg answers a multi-statement text with one result per statement (a single one for a single statement).
      const answer: unknown = await client.query(plan.text, []);
      results = statementResults(answer);
    } catch {
      if (client) {
        // The transaction is left aborted; a dead connection just fails here and is dropped on release.
        await client.query('ROLLBACK', []).catch(() => undefined);
      }
      client?.release();
      client = undefined;
      await Promise.all(writes.map((p) => this.#alone(p, { batchMayHaveCommitted: true })));
      return;
    } finally {
      client?.release();
    }
    const found = new Map<number, TaskRecord>();
    for (const index of plan.lookupResults) for (const row of results[index]?.rows ?? []) found.set(Number(row['ord']), this.#toTask(row));
    const applied = new Set<number>();
    for (const index of plan.appendResults) for (const row of results[index]?.rows ?? []) applied.add(Number(row['ord']));
    // Only in a build broken on purpose for tests: the outbox rows after the commit, in a transaction of their own.
    const apart = plan.outboxAfterCommit?.(applied);
    if (apart !== undefined) {
      const outboxClient = await this.#pool.connect().catch(() => undefined);
      await outboxClient?.query(apart, []).catch(() => undefined);
      outboxClient?.release();
    }
    writes.forEach((p, ord) => {
      const w = p.write;
      if (w.kind === 'lookup') p.resolve(found.get(ord));
      else if (w.kind === 'create') p.resolve(undefined);
      else if (applied.has(ord)) p.resolve(undefined);
      else p.reject(versionConflict(w.change.taskId, w.change.expectedVersion));
    });
  }

  /**
   * One write on the store's parameterized path. After a failed batch, the batch may have committed
   * (its COMMIT went out, its answer was lost): the write retried alone then meets its own version,
   * or its own row, and would read as another writer's. It is checked against the store first, and
   * answered as written when it is there as it was made.
   */
  async #alone(p: Pending, options: { batchMayHaveCommitted?: boolean } = {}): Promise<void> {
    const w = p.write;
    try {
      p.resolve(w.kind === 'lookup' ? await this.#lone.lookup(w) : w.kind === 'create' ? await this.#lone.create(w) : await this.#lone.append(w));
    } catch (err) {
      if (options.batchMayHaveCommitted === true && w.kind !== 'lookup' && (await this.#lone.landed(w).catch(() => false))) p.resolve(undefined);
      else p.reject(err);
    }
  }
}
