import { performance } from 'node:perf_hooks';
import type { Logger, Metrics } from '../observability/index.js';
import { Errors, errorMessage } from '../protocol/index.js';
import { exponentialBackoff, type Database } from '../storage/index.js';
import { SECURITY_EVENT_TYPES, type AuditEntry, type AuditRow, type AuditVerifyResult } from '../contracts/audit/index.js';
import { integerOption } from './audit-options.js';
import { AuditReader, type AuditExportOptions, type AuditFollowOptions, type AuditTailOptions } from './audit-reader.js';
import { verifyChain, type AuditVerifyOptions } from './chain-verifier.js';
import type { ChainWriter, CheckpointPolicy, JournalMark } from './chain-writer.js';
import { Doorbell } from './doorbell.js';
import { toPendingRow, type Coercions, type PendingRow } from './pending-row.js';
import { PostgresChainWriter } from './postgres-chain-writer.js';
import { SqliteChainWriter } from './sqlite-chain-writer.js';
import { rowFieldsJson } from './row-hash.js';

/** Options of {@link createAuditLog}. */
export interface AuditLogOptions {
  /** Where the chain lives; the caller opens and closes it. */
  database: Database;
  logger: Logger;
  metrics: Metrics;
  /** Longest an appended entry waits in memory before its batch is written, ms. Default 100. */
  flushIntervalMs?: number;
  /** Most entries per batch (one transaction); a full batch is written at once. Default 500. */
  maxBatch?: number;
  /**
   * Most entries waiting to be written. Past it `append()` throws
   * `AM_ERR_STORAGE_UNAVAILABLE` rather than drop an entry: the database is
   * down or not keeping up, and the caller decides (the gateway refuses the
   * call). Default 100,000.
   */
  maxQueue?: number;
  /** Record the tip in `audit_checkpoints` after this many rows… Default 1000. */
  checkpointEveryRows?: number;
  /** …or when the last checkpoint is this old, ms (checked at each batch). Default 60,000. */
  checkpointEveryMs?: number;
  /**
   * The name of the answer journal whose entries this log appends with
   * {@link AuditLog.appendJournaled} (ADR 0047): each batch records how far
   * that journal is in the chain, in its own transaction, so a replay after
   * a SIGKILL appends only what the chain lacks.
   */
  journal?: string;
}

/**
 * An entry as the chain will hash it (normalized, before its place in the
 * chain), with its columns as the JSON its hash is taken over: what a
 * journal keeps, in that JSON, and what the hash reuses (ADR 0063).
 */
export interface PreparedAuditRow {
  readonly row: PendingRow;
  /** `rowFieldsJson(row)`. */
  readonly fields: string;
}

/** The hash-chained audit trail: cheap appends, batched writes, verification and reading. */
export interface AuditLog {
  /**
   * Queues an entry; entries are chained and written in batches (one
   * transaction per batch). Costs a normalization and an array push on the
   * caller's path; no acknowledged entry is lost on `close()`.
   *
   * Whatever the entry holds, exactly one row is recorded: strings are made
   * storable, sizes bounded, and a field of the wrong type is coerced,
   * recorded under `detail.$coerced` and logged as a warning (docs/audit.md).
   *
   * @throws AgentmeshError `AM_ERR_STORAGE_UNAVAILABLE` (retryable) when `maxQueue` entries already wait,
   *   `AM_ERR_INTERNAL` after `close()`.
   */
  append(entry: AuditEntry): void;
  /**
   * Appends an entry and resolves once it is committed: what must be on disk
   * before the caller acts on it (the gateway releases a call's answer only
   * after its row is written, ADR 0035). Entries recorded in one turn of the
   * event loop share one transaction (and any batch already being written is
   * joined by the next). Rejects when the batch fails; the entry stays
   * queued and is retried like any other. Throws as `append` does.
   */
  record(entry: AuditEntry): Promise<void>;
  /** The entry normalized as `append` would queue it: the row a journal keeps and replays (ADR 0047). */
  prepare(entry: AuditEntry): PreparedAuditRow;
  /**
   * Queues a prepared row that answer journal (`journal` option) holds under
   * `journalSeq` (increasing); the batch that writes it records the journal's
   * mark. Nobody awaits it: the journal made it durable. Throws as `append` does.
   */
  appendJournaled(row: PreparedAuditRow, journalSeq: number): void;
  /** The highest journal sequence number whose row is in the chain (0: none), for a replay. */
  journalMark(): Promise<number>;
  /** Resolves when every entry appended before the call is committed; rejects if a batch fails (its entries stay queued and are retried). */
  flush(): Promise<void>;
  /** Walks the chain and names every modified, deleted, mis-linked or truncated row (see docs/audit.md for what it cannot see). */
  verify(options?: AuditVerifyOptions): Promise<AuditVerifyResult>;
  /** Rows after `since` (oldest first), or the newest `limit` rows. */
  tail(options?: AuditTailOptions): Promise<AuditRow[]>;
  /** Rows after `since` (default: the tip), then new rows as they are written, until `signal` aborts. */
  follow(options?: AuditFollowOptions): AsyncIterable<AuditRow>;
  /** Rows with time in [from, to), in chain order, paged: for a SIEM. */
  export(options?: AuditExportOptions): AsyncIterable<AuditRow>;
  /** Entries appended and not yet committed. */
  readonly pending: number;
  /** Writes every queued entry and a checkpoint of the tip; later appends throw. Does not close the database. */
  close(): Promise<void>;
}

/** Distinct event types a security counter labels by name before it says `other`. */
const MAX_SECURITY_LABELS = 32;
/** First wait after a failed batch, ms; each failure in a row doubles it. */
const FIRST_RETRY_DELAY_MS = 100;
/** Longest wait between retries of a failed batch, ms. */
const MAX_RETRY_DELAY_MS = 30_000;

/**
 * Builds the audit log over an open database (SQLite or PostgreSQL). Several
 * instances, in one process or in several replicas, may append to one
 * database: the chain stays single and gapless.
 *
 * @example
 * import { createAuditLog, hashInput } from '../audit/index.js';
 * const audit = createAuditLog({ database, logger, metrics });
 * audit.append({ eventType: 'a2a.call', actor: { kind: 'client', id: principal.clientId }, tenant: principal.tenant,
 *   targetAgent: 'sales', method: 'SendMessage', inputHash: hashInput(params.message), outcome: 'ok', durationMs: 12 });
 * const { ok, problems } = await audit.verify();
 * await audit.close();
 */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  return new BatchedAuditLog(options);
}

class BatchedAuditLog implements AuditLog {
  readonly #log: Logger;
  readonly #writer: ChainWriter;
  readonly #reader: AuditReader;
  readonly #database: Database;
  readonly #doorbell = new Doorbell();
  readonly #flushIntervalMs: number;
  readonly #maxBatch: number;
  readonly #maxQueue: number;
  readonly #policy: CheckpointPolicy;
  readonly #securityEvents: ReturnType<Metrics['counter']>;
  readonly #securityLabels = new Set<string>();
  readonly #rowsWritten: ReturnType<Metrics['counter']>;
  readonly #writeFailures: ReturnType<Metrics['counter']>;
  readonly #batchSeconds: ReturnType<Metrics['histogram']>;
  readonly #queueGauge: ReturnType<Metrics['gauge']>;
  readonly #onCoerced: (coerced: Coercions) => void;

  #queue: PendingRow[] = [];
  /** Beside each queued row, its `rowFieldsJson` when a journal built it (ADR 0063), else undefined. */
  #fields: (string | undefined)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #timerDelay = 0;
  #draining: Promise<void> | undefined;
  #failures = 0;
  #closed = false;
  #closing: Promise<void> | undefined;
  #uncheckpointed = false;
  /** Entries ever appended, and of them committed (in order: a failed batch goes back to the front). */
  #appended = 0;
  #committed = 0;
  /** Callers of `record` waiting for their entry's commit, oldest first. */
  #waiters: { seq: number; resolve: () => void; reject: (err: unknown) => void }[] = [];
  #soon: NodeJS.Immediate | undefined;
  readonly #journal: string | undefined;
  /** Journaled rows queued: by append count, the journal sequence number (both increasing). */
  #journaled: { seq: number; through: number }[] = [];

  constructor(options: AuditLogOptions) {
    if (options === null || typeof options !== 'object' || options.database === undefined) {
      throw Errors.auditDatabaseMissing({});
    }
    this.#flushIntervalMs = options.flushIntervalMs === undefined ? 100 : integerOption('flushIntervalMs', options.flushIntervalMs, 1, 60_000);
    this.#maxBatch = options.maxBatch === undefined ? 500 : integerOption('maxBatch', options.maxBatch, 1, 10_000);
    this.#maxQueue = options.maxQueue === undefined ? 100_000 : integerOption('maxQueue', options.maxQueue, this.#maxBatch);
    this.#policy = {
      everyRows: options.checkpointEveryRows === undefined ? 1000 : integerOption('checkpointEveryRows', options.checkpointEveryRows, 1),
      everyMs: options.checkpointEveryMs === undefined ? 60_000 : integerOption('checkpointEveryMs', options.checkpointEveryMs, 1),
    };
    this.#database = options.database;
    this.#journal = options.journal;
    this.#log = options.logger.child({ module: 'audit' });
    // A caller bug (a function where a method name belongs), not a client's: worth a warning, never a lost row.
    this.#onCoerced = (coerced) => this.#log.warn({ coerced }, 'audit entry had fields of the wrong type: recorded with them coerced (see detail.$coerced)');
    this.#writer = options.database.sqlite !== undefined ? new SqliteChainWriter(options.database.sqlite) : new PostgresChainWriter(options.database.db, options.database.postgresPool);
    this.#reader = new AuditReader(options.database.db, this.#doorbell);
    const { metrics } = options;
    this.#securityEvents = metrics.counter('agentmesh_audit_security_events_total', 'Security events audited (bad tokens, scope denials, quota hits, tenant mismatches, any denied call), by event type.', ['event_type']);
    this.#rowsWritten = metrics.counter('agentmesh_audit_rows_written_total', 'Audit rows committed to the chain, by outcome.', ['outcome']);
    this.#writeFailures = metrics.counter('agentmesh_audit_write_failures_total', 'Audit batches that failed to commit (their entries stay queued and are retried).');
    this.#batchSeconds = metrics.histogram('agentmesh_audit_batch_duration_seconds', 'Time to chain and commit one audit batch.', [], [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]);
    this.#queueGauge = metrics.gauge('agentmesh_audit_queue_entries', 'Audit entries appended and not yet committed (sampled at each batch).');
  }

  get pending(): number {
    return this.#queue.length;
  }

  append(entry: AuditEntry): void {
    if (this.#closed) throw Errors.auditAppendAfterClose({});
    this.#enqueue(toPendingRow(entry, Date.now(), this.#onCoerced), undefined);
  }

  prepare(entry: AuditEntry): PreparedAuditRow {
    const row = toPendingRow(entry, Date.now(), this.#onCoerced);
    return { row, fields: rowFieldsJson(row) };
  }

  appendJournaled(prepared: PreparedAuditRow, journalSeq: number): void {
    if (this.#closed) throw Errors.auditAppendAfterClose({});
    this.#enqueue(prepared.row, prepared.fields);
    this.#journaled.push({ seq: this.#appended, through: journalSeq });
  }

  async journalMark(): Promise<number> {
    if (this.#journal === undefined) return 0;
    const found = await this.#database.db.selectFrom('audit_journal_marks').select('through').where('journal', '=', this.#journal).executeTakeFirst();
    return found === undefined ? 0 : Number(found.through);
  }

  #enqueue(row: PendingRow, fields: string | undefined): void {
    if (this.#queue.length >= this.#maxQueue) {
      throw Errors.auditQueueFull({ queued: this.#queue.length });
    }
    this.#queue.push(row);
    this.#fields.push(fields);
    this.#appended++;
    if (row.outcome === 'denied' || SECURITY_EVENT_TYPES.has(row.event_type)) this.#countSecurityEvent(row.event_type);
    // A full batch goes out on the next turn (never inside append: a commit costs milliseconds).
    // While a failing database is retried, the backoff timer alone decides when.
    if (this.#failures === 0) this.#arm(this.#queue.length >= this.#maxBatch ? 0 : this.#flushIntervalMs);
  }

  record(entry: AuditEntry): Promise<void> {
    this.append(entry);
    const seq = this.#appended;
    // Written at the end of this turn: the entries of every call answered in it go in one transaction.
    if (this.#failures === 0 && this.#soon === undefined) {
      this.#soon = setImmediate(() => {
        this.#soon = undefined;
        this.flush().catch(() => undefined);
      });
    }
    return new Promise((resolve, reject) => this.#waiters.push({ seq, resolve, reject }));
  }

  async flush(): Promise<void> {
    while (this.#queue.length > 0 || this.#draining !== undefined) {
      this.#draining ??= this.#drain(true).finally(() => {
        this.#draining = undefined;
      });
      await this.#draining;
    }
  }

  /** The flush interval's write: what is queued now, not what arrives while it is written (a caller of `flush` still waits for that). */
  #background(): void {
    this.#draining ??= this.#drain(false).finally(() => {
      this.#draining = undefined;
    });
    // Failures are logged and retried by #drain; nobody awaits a background write.
    this.#draining.catch(() => undefined);
  }

  verify(options?: AuditVerifyOptions): Promise<AuditVerifyResult> {
    return verifyChain(this.#database.db, options);
  }

  tail(options?: AuditTailOptions): Promise<AuditRow[]> {
    return this.#reader.tail(options);
  }

  follow(options?: AuditFollowOptions): AsyncIterable<AuditRow> {
    return this.#reader.follow(options);
  }

  export(options?: AuditExportOptions): AsyncIterable<AuditRow> {
    return this.#reader.export(options);
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    this.#disarm();
    try {
      await this.flush();
      if (this.#uncheckpointed) await this.#writer.write([], { ...this.#policy, force: true });
    } catch (err) {
      throw Errors.auditClosedUnwritten({ queued: this.#queue.length, reason: errorMessage(err) }, { cause: err });
    } finally {
      this.#doorbell.ring();
    }
  }

  /**
   * Writes batches until the queue is empty, or (`untilEmpty` false, the
   * flush interval's timer) until less than a full batch is left: rows that
   * arrived while a batch was written wait for their own interval, so a busy
   * log writes a batch about every `flushIntervalMs`, not one after another
   * (each is a transaction of a few round trips on PostgreSQL). A failed
   * batch goes back to the front and is retried with backoff.
   */
  async #drain(untilEmpty: boolean): Promise<void> {
    this.#disarm();
    while (this.#queue.length > 0) {
      const [batch, fields] = this.#take();
      this.#queueGauge.set(this.#queue.length);
      const started = performance.now();
      try {
        const result = await this.#writer.write(batch, this.#policy, this.#markOf(this.#committed + batch.length), fields);
        this.#batchSeconds.observe((performance.now() - started) / 1000);
        this.#failures = 0;
        this.#uncheckpointed = !result.checkpointed && (this.#uncheckpointed || result.written > 0);
        this.#countWritten(batch);
        this.#committed += batch.length;
        this.#dropJournaled(this.#committed);
        this.#settleWaiters(undefined);
        this.#doorbell.ring();
        if (!untilEmpty && this.#queue.length < this.#maxBatch) {
          // Rows queued before this pass began armed no timer (the pass disarmed it): they get one now.
          if (this.#queue.length > 0) this.#arm(this.#flushIntervalMs);
          break;
        }
      } catch (err) {
        this.#queue = batch.concat(this.#queue);
        this.#fields = fields.concat(this.#fields);
        this.#queueGauge.set(this.#queue.length);
        this.#failures += 1;
        this.#writeFailures.inc();
        this.#settleWaiters(err);
        const retryInMs = exponentialBackoff({ attempt: this.#failures - 1, baseMs: FIRST_RETRY_DELAY_MS, maxMs: MAX_RETRY_DELAY_MS });
        this.#log.error({ err, pending: this.#queue.length, failures: this.#failures, retryInMs }, 'audit batch failed to commit; entries kept for retry');
        if (!this.#closed) this.#arm(retryInMs, true);
        throw Errors.auditBatchNotCommitted({ count: batch.length, reason: errorMessage(err) }, { cause: err });
      }
    }
    this.#queueGauge.set(0);
  }

  /** The journal's mark once rows up to append count `end` are written: its last journaled row among them. */
  #markOf(end: number): JournalMark | undefined {
    if (this.#journal === undefined) return undefined;
    let through: number | undefined;
    for (const j of this.#journaled) {
      if (j.seq > end) break;
      through = j.through;
    }
    return through === undefined ? undefined : { journal: this.#journal, through };
  }

  #dropJournaled(end: number): void {
    const journaled = this.#journaled;
    let i = 0;
    while (i < journaled.length && journaled[i]!.seq <= end) i++;
    if (i > 0) this.#journaled = i === journaled.length ? [] : journaled.slice(i);
  }

  /** Resolves the waiters whose entries are committed; with `err`, rejects the waiters of the failed batch onwards (their entries stay queued). */
  #settleWaiters(err: unknown): void {
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    let i = 0;
    if (err === undefined) {
      while (i < waiters.length && waiters[i]!.seq <= this.#committed) waiters[i++]!.resolve();
    } else {
      for (; i < waiters.length; i++) waiters[i]!.reject(err);
    }
    this.#waiters = i === waiters.length ? [] : waiters.slice(i);
  }

  #take(): [PendingRow[], (string | undefined)[]] {
    if (this.#queue.length <= this.#maxBatch) {
      const batch: [PendingRow[], (string | undefined)[]] = [this.#queue, this.#fields];
      this.#queue = [];
      this.#fields = [];
      return batch;
    }
    return [this.#queue.splice(0, this.#maxBatch), this.#fields.splice(0, this.#maxBatch)];
  }

  /** Schedules a background flush in `delayMs` unless one is due sooner (`replace`: reschedule regardless). */
  #arm(delayMs: number, replace = false): void {
    if (this.#timer !== undefined) {
      if (!replace && this.#timerDelay <= delayMs) return;
      clearTimeout(this.#timer);
    }
    this.#timerDelay = delayMs;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#background();
    }, delayMs);
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #countSecurityEvent(eventType: string): void {
    // Labels stay bounded whatever event types callers invent.
    let label = eventType;
    if (!SECURITY_EVENT_TYPES.has(eventType) && !this.#securityLabels.has(eventType)) {
      if (this.#securityLabels.size >= MAX_SECURITY_LABELS) label = 'other';
      else this.#securityLabels.add(eventType);
    }
    this.#securityEvents.inc({ event_type: label });
  }

  #countWritten(batch: readonly PendingRow[]): void {
    let ok = 0;
    let denied = 0;
    let error = 0;
    for (const row of batch) {
      if (row.outcome === 'ok') ok++;
      else if (row.outcome === 'denied') denied++;
      else error++;
    }
    if (ok > 0) this.#rowsWritten.inc({ outcome: 'ok' }, ok);
    if (denied > 0) this.#rowsWritten.inc({ outcome: 'denied' }, denied);
    if (error > 0) this.#rowsWritten.inc({ outcome: 'error' }, error);
  }
}
