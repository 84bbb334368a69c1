import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { versionConflict } from '../store-errors.js';
import type { TaskRecord } from '../task-store.js';
import { fragmentsOf, planBatch, type BatchWrite, type WriteFragments } from './write-batch.js';

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
}

/** A pg result of one statement of a multi-statement query. */
interface StatementResult {
  rows: Record<string, unknown>[];
}

/**
 * Group commit for the PostgreSQL task store (ADR 0022). A write (or a
 * retried-send lookup) arriving while no batch is in flight goes on the next
 * `setImmediate`, with whatever else arrived in the same event-loop turn: a
 * lone SendMessage waits for no company. Writes arriving while a batch is in
 * flight queue and go together as soon as it ends. Each batch is one
 * multi-statement query, one round trip and one commit (write-batch.ts);
 * every caller's promise settles only after that commit answered, so an
 * acknowledged write is durable. When the batch fails, its transaction is
 * rolled back and every write in it is retried alone on the store's
 * parameterized path, so one bad write fails alone.
 */
export class WriteBatcher {
  readonly #pool: PostgresPool;
  readonly #lone: LoneWrites;
  readonly #toTask: (row: Record<string, unknown>) => TaskRecord;
  #queue: Pending[] = [];
  #scheduled = false;
  #inFlight = false;

  constructor(options: { pool: PostgresPool; lone: LoneWrites; toTask: (row: Record<string, unknown>) => TaskRecord }) {
    this.#pool = options.pool;
    this.#lone = options.lone;
    this.#toTask = options.toTask;
  }

  submit<T>(write: BatchWrite): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#inFlight && !this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    if (this.#inFlight || this.#queue.length === 0) return;
    const batch = this.#queue.length <= MAX_BATCH_WRITES ? this.#queue : this.#queue.slice(0, MAX_BATCH_WRITES);
    this.#queue = this.#queue.length <= MAX_BATCH_WRITES ? [] : this.#queue.slice(MAX_BATCH_WRITES);
    this.#inFlight = true;
    try {
      await this.#run(batch);
    } finally {
      this.#inFlight = false;
      // What queued meanwhile already waited a whole batch: it goes at once.
      if (this.#queue.length > 0) void this.#flush();
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
      const answer = (await client.query(plan.text, [])) as unknown as StatementResult[] | StatementResult;
      results = Array.isArray(answer) ? answer : [answer];
    } catch {
      if (client) {
        // The transaction is left aborted; a dead connection just fails here and is dropped on release.
        await client.query('ROLLBACK', []).catch(() => undefined);
      }
      client?.release();
      client = undefined;
      await Promise.all(writes.map((p) => this.#alone(p)));
      return;
    } finally {
      client?.release();
    }
    const found = new Map<number, TaskRecord>();
    for (const index of plan.lookupResults) for (const row of results[index]?.rows ?? []) found.set(Number(row['ord']), this.#toTask(row));
    const applied = new Set<number>();
    for (const index of plan.appendResults) for (const row of results[index]?.rows ?? []) applied.add(Number(row['ord']));
    writes.forEach((p, ord) => {
      const w = p.write;
      if (w.kind === 'lookup') p.resolve(found.get(ord));
      else if (w.kind === 'create') p.resolve(undefined);
      else if (applied.has(ord)) p.resolve(undefined);
      else p.reject(versionConflict(w.change.taskId, w.change.expectedVersion));
    });
  }

  async #alone(p: Pending): Promise<void> {
    const w = p.write;
    try {
      p.resolve(w.kind === 'lookup' ? await this.#lone.lookup(w) : w.kind === 'create' ? await this.#lone.create(w) : await this.#lone.append(w));
    } catch (err) {
      p.reject(err);
    }
  }
}
