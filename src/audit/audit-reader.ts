import type { Kysely } from 'kysely';
import type { Tables } from '../storage/index.js';
import type { AuditRow } from '../contracts/audit/index.js';
import { integerOption, timeOption } from './audit-options.js';
import { auditRowFromStored } from './audit-row-json.js';
import type { Doorbell } from './doorbell.js';

/** Options of `tail()`. */
export interface AuditTailOptions {
  /** Rows after this seq, oldest first. Unset: the newest `limit` rows. */
  since?: number;
  /** At most this many rows (1-10,000). Default 100. */
  limit?: number;
}

/** Options of `follow()`. */
export interface AuditFollowOptions {
  /** Start after this seq. Unset: only rows written from now on. */
  since?: number;
  /** How often to look for rows written by other processes, ms. Default 1000. */
  pollMs?: number;
  /** Ends the iteration. */
  signal?: AbortSignal;
}

/** Options of `export()`: a time range, from inclusive, to exclusive. */
export interface AuditExportOptions {
  /** ISO 8601; unset: from the first row. */
  from?: string;
  /** ISO 8601; unset: to the last row. */
  to?: string;
}

const DEFAULT_TAIL = 100;
const MAX_TAIL = 10_000;
const PAGE = 1000;

/** Reads the log for people and SIEMs: newest rows, a followed stream, a time-range export. */
export class AuditReader {
  readonly #db: Kysely<Tables>;
  readonly #doorbell: Doorbell;

  constructor(db: Kysely<Tables>, doorbell: Doorbell) {
    this.#db = db;
    this.#doorbell = doorbell;
  }

  async tail(options: AuditTailOptions = {}): Promise<AuditRow[]> {
    const limit = options.limit === undefined ? DEFAULT_TAIL : integerOption('limit', options.limit, 1, MAX_TAIL);
    if (options.since !== undefined) {
      const since = integerOption('since', options.since, 0);
      const rows = await this.#db.selectFrom('audit_log').selectAll().where('seq', '>', since).orderBy('seq').limit(limit).execute();
      return rows.map(auditRowFromStored);
    }
    const rows = await this.#db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(limit).execute();
    return rows.reverse().map(auditRowFromStored);
  }

  async *follow(options: AuditFollowOptions = {}): AsyncIterable<AuditRow> {
    const pollMs = options.pollMs === undefined ? 1000 : integerOption('pollMs', options.pollMs, 1);
    let cursor = options.since === undefined ? await this.tipSeq() : integerOption('since', options.since, 0);
    const signal = options.signal;
    const aborted = (): boolean => signal?.aborted === true;
    while (!aborted()) {
      const rows = await this.tail({ since: cursor, limit: PAGE });
      for (const row of rows) {
        if (aborted()) return;
        cursor = row.seq;
        yield row;
      }
      if (rows.length < PAGE) await this.#doorbell.wait(pollMs, signal);
    }
  }

  /**
   * Rows whose time is in [from, to), in chain order. Pages walk seq, not
   * time: replicas stamp times on their own clocks, so time order and chain
   * order may differ by a batch interval, and a SIEM wants chain order.
   */
  async *export(options: AuditExportOptions = {}): AsyncIterable<AuditRow> {
    const from = options.from === undefined ? undefined : timeOption('from', options.from);
    const to = options.to === undefined ? undefined : timeOption('to', options.to);
    let cursor = 0;
    for (;;) {
      let query = this.#db.selectFrom('audit_log').selectAll().where('seq', '>', cursor);
      if (from !== undefined) query = query.where('time', '>=', from);
      if (to !== undefined) query = query.where('time', '<', to);
      const rows = await query.orderBy('seq').limit(PAGE).execute();
      for (const row of rows) yield auditRowFromStored(row);
      if (rows.length < PAGE) return;
      cursor = Number(rows.at(-1)!.seq);
    }
  }

  /** The newest seq, 0 for an empty log. */
  async tipSeq(): Promise<number> {
    const row = await this.#db.selectFrom('audit_log').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
    return row === undefined ? 0 : Number(row.seq);
  }
}
