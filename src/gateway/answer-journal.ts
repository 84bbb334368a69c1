import { randomUUID } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, readdirSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { rowFieldsJson, rowOfFields, type AuditLog, type PendingRow, type PreparedAuditRow } from '../audit/index.js';
import type { Logger } from '../observability/index.js';
import { errorCode } from '../protocol/index.js';
import { makeFolderSync } from '../storage/index.js';
import type { CreditLedger, LeaseSpend } from '../tenancy/index.js';
import type { CreditHolds, SpendJournal } from './credits/index.js';
import { SpendLines } from './spend-line.js';

/** Options of {@link AnswerJournal.open}. */
export interface AnswerJournalOptions {
  /** The directory of this host's journals; each gateway takes a free slot in it (`<dir>/<n>/`). */
  dir: string;
  logger: Logger;
  /** A file past this size is closed and a new one started; the old one is deleted once its contents are in the database. Default 4 MiB. */
  rotateBytes?: number | undefined;
}

/** What a replay found and wrote. */
export interface JournalReplay {
  settlements: number;
  /** Settlements the ledger charged now (the rest were already written). */
  charged: number;
  auditRows: number;
  /** Audit rows appended now (the rest were already in the chain). */
  appended: number;
  leasesReturned: number;
}

/** Slots tried before the gateway refuses to start: more gateways than this on one data directory is a mistake. */
const MAX_SLOTS = 64;
const JOURNAL_SUFFIX = '.journal';
/** Lock files this process holds: a second gateway in one process takes another slot. */
const heldHere = new Set<string>();

/**
 * The gateway's answer journal (ADR 0047): what must survive a SIGKILL of a
 * call it answered (its settlement and its audit row) reaches the kernel in
 * one `write` per turn of the event loop before any answer of that turn is
 * released (a call alone in flight writes in its own turn, ADR 0057). The database batches stay behind the answer (settlements within
 * `creditsFlushMs`, audit rows within the audit's flush interval); a gateway
 * killed before they committed replays its journal at its next start:
 * settlements are idempotent per call key in the ledger, and an audit row is
 * appended only past the journal's mark, which each audit batch records in
 * its own transaction. A host crash (power, kernel) can lose what the kernel
 * had not written back; the database commit it replaces on SQLite (WAL
 * without fsync) had the same bound.
 */
export class AnswerJournal implements SpendJournal {
  /** The journal's name in `audit_journal_marks` (stable for its slot). */
  readonly name: string;
  readonly #slot: string;
  readonly #lockPath: string;
  readonly #log: Logger;
  readonly #rotateBytes: number;
  /** Files left by an earlier process in this slot, oldest first: replayed, then deleted. */
  readonly #leftOver: string[];
  #generation: number;
  #fd: number;
  #bytes = 0;
  #seq = 0;
  #lines: string[] = [];
  readonly #spendLines = new SpendLines();
  /** What `written()` callers wait for, made only when one asks: a call alone in flight writes at once and needs none. */
  #turn: Promise<void> | undefined;
  #resolveTurn: (() => void) | undefined;
  /** The end-of-turn write is queued (an Immediate): every line is written by it, if not sooner. */
  #scheduled = false;
  /** Closed files whose contents may still be only here, oldest first. */
  #sealed: string[] = [];
  #dropping: Promise<void> | undefined;
  #audit: AuditLog | undefined;
  #credits: CreditHolds | undefined;
  #closed = false;

  private constructor(slot: string, lockPath: string, name: string, leftOver: string[], generation: number, options: AnswerJournalOptions) {
    this.#slot = slot;
    this.#lockPath = lockPath;
    this.name = name;
    this.#leftOver = leftOver;
    this.#generation = generation;
    this.#log = options.logger.child({ module: 'answer-journal' });
    this.#rotateBytes = options.rotateBytes ?? 4 * 1024 * 1024;
    this.#fd = openSync(this.#fileOf(generation), 'a', 0o600);
  }

  /** Takes the first slot of `dir` no live process holds (a killed gateway's slot is free, and what it left is replayed). */
  static open(options: AnswerJournalOptions): AnswerJournal {
    // One level at a time: Node's recursive mkdir spins, deaf to SIGTERM, on a path under /proc.
    // 0700 folders and 0600 files: the journal holds the callers' answers, as private as the store they go to.
    makeFolderSync(options.dir, 0o700);
    for (let n = 0; n < MAX_SLOTS; n++) {
      const slot = join(options.dir, String(n));
      makeFolderSync(slot, 0o700);
      const lockPath = join(slot, 'lock');
      if (!takeLock(lockPath)) continue;
      heldHere.add(lockPath);
      const idPath = join(slot, 'id');
      let name: string;
      try {
        name = readFileSync(idPath, 'utf8').trim();
      } catch {
        name = '';
      }
      if (name === '') {
        name = `journal:${randomUUID()}`;
        writeFileSync(idPath, name, { mode: 0o600 });
      }
      const leftOver = readdirSync(slot)
        .filter((f) => f.endsWith(JOURNAL_SUFFIX))
        .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10))
        .map((f) => join(slot, f));
      const last = leftOver.at(-1);
      const generation = last === undefined ? 1 : Number.parseInt(last.slice(slot.length + 1), 10) + 1;
      return new AnswerJournal(slot, lockPath, name, leftOver, generation, options);
    }
    throw new Error(`no free answer-journal slot in ${options.dir}: ${MAX_SLOTS} live gateways hold them all`);
  }

  /** What the rotation waits for before it deletes a file: the audit rows and settlements it holds committed. */
  attach(parts: { audit: AuditLog; credits: CreditHolds }): void {
    this.#audit = parts.audit;
    this.#credits = parts.credits;
  }

  /**
   * Writes to the database what a killed gateway of this slot journaled and
   * had not written: settlements (idempotent per call key), audit rows past
   * the journal's mark (in journal order), then returns the leases it held.
   * Deletes the files once that is committed. Run before serving.
   */
  async replay(ledger: CreditLedger, audit: AuditLog): Promise<JournalReplay> {
    const spends = new Map<string, LeaseSpend[]>();
    const leases = new Set<string>();
    const rows: { seq: number; row: PreparedAuditRow }[] = [];
    let maxSeq = 0;
    for (const file of this.#leftOver) {
      // Records of a kind or shape this version does not know (a newer gateway's, or damaged): skipped, and said so.
      let unreadable = 0;
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (line === '') continue;
        let record: unknown;
        try {
          record = JSON.parse(line);
        } catch {
          // A line the kill cut short never released its answer: nothing is owed to it.
          this.#log.warn({ file }, 'answer journal: skipped a line cut short');
          continue;
        }
        if (!Array.isArray(record)) {
          unreadable++;
          continue;
        }
        const [kind, a, b] = record as [unknown, unknown, unknown];
        if (kind === 'l' && typeof a === 'string') leases.add(a);
        else if ((kind === 'S' || kind === 's') && typeof a === 'string' && b !== null && typeof b === 'object') {
          // `s`: a spend as an object, as journals were written before ADR 0063.
          const spend = kind === 'S' ? spendOfValues(b) : (b as LeaseSpend);
          if (spend === undefined) {
            unreadable++;
            continue;
          }
          leases.add(a);
          const list = spends.get(a) ?? [];
          list.push(spend);
          spends.set(a, list);
        } else if ((kind === 'A' || kind === 'a') && typeof a === 'number' && b !== null && typeof b === 'object') {
          // `a`: a row as an object, as journals were written before ADR 0063.
          const row = kind === 'A' ? rowOfFields(b) : (b as PendingRow);
          if (row === undefined) {
            unreadable++;
            continue;
          }
          rows.push({ seq: a, row: { row, fields: rowFieldsJson(row) } });
          if (a > maxSeq) maxSeq = a;
        } else unreadable++;
      }
      if (unreadable > 0) this.#log.warn({ file, lines: unreadable }, 'answer journal: skipped lines this version cannot read (written by a newer gateway, or damaged); what they owed is not replayed');
    }
    const result: JournalReplay = { settlements: 0, charged: 0, auditRows: rows.length, appended: 0, leasesReturned: 0 };
    for (const [lease, list] of spends) {
      const written = await ledger.spendLease(lease, list);
      result.settlements += list.length;
      result.charged += written.charged.filter(Boolean).length;
    }
    const mark = await audit.journalMark();
    for (const { seq, row } of rows) {
      if (seq <= mark) continue;
      audit.appendJournaled(row, seq);
      result.appended++;
    }
    await audit.flush();
    for (const lease of leases) {
      try {
        const settlement = await ledger.refund(lease, 'credit lease of a killed gateway returned at its restart');
        if (!settlement.replayed) result.leasesReturned++;
      } catch (err) {
        // Gone already (returned, or expired by the hold-expiry policy): nothing held.
        this.#log.debug({ err, lease }, 'answer journal: lease not returned');
      }
    }
    this.#seq = Math.max(mark, maxSeq);
    for (const file of this.#leftOver) unlinkSync(file);
    this.#leftOver.length = 0;
    if (result.settlements + result.auditRows > 0) this.#log.info({ ...result }, 'answer journal replayed');
    return result;
  }

  lease(leaseKey: string): void {
    this.#add(JSON.stringify(['l', leaseKey]));
  }

  /** A settlement as `["S",lease,[key,tenant,agent,skill,clientId,held,charged,requested,state,createdAt]]`: its values without their names (ADR 0063). */
  spend(leaseKey: string, spend: LeaseSpend): void {
    this.#add(this.#spendLines.line(leaseKey, spend));
  }

  /**
   * Journals a call's audit row and queues it in the audit log (written there
   * behind the answer): `["A",seq,<the row's columns as their hash reads them>]`,
   * the JSON the prepared row carries already (ADR 0063).
   */
  audit(audit: AuditLog, prepared: PreparedAuditRow): void {
    const seq = ++this.#seq;
    this.#add(`["A",${seq},${prepared.fields}]`);
    audit.appendJournaled(prepared, seq);
  }

  /** Resolves once everything journaled before the call reached the kernel: one `write` per turn of the event loop. */
  written(): Promise<void> {
    if (this.#turn !== undefined) return this.#turn;
    if (this.#lines.length === 0) return Promise.resolve();
    this.#turn = new Promise<void>((resolve) => {
      this.#resolveTurn = resolve;
    });
    this.#schedule();
    return this.#turn;
  }

  /**
   * Writes what is journaled now, for a caller no other answer can share the
   * turn's write with (the only call in flight): waiting for the end of the
   * turn would group nothing, so its answer is released in this turn
   * (ADR 0057). Undefined once the lines are in the kernel; a promise when
   * the write failed, resolved once the database holds them instead. A write
   * already scheduled for the turn finds nothing left to write.
   */
  writeNow(): Promise<void> | undefined {
    return this.#writeNow();
  }

  /**
   * Clean stop, after the audit log and the credit holds closed: the files
   * go once everything in them is committed (else they stay, for the next
   * gateway of this slot to replay), and the slot is freed.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    void this.#writeNow();
    closeSync(this.#fd);
    // A drop under way deletes files too: let it finish first.
    await this.#dropping;
    const committed = (this.#audit === undefined || this.#audit.pending === 0) && ((await this.#credits?.writtenAll().catch(() => false)) ?? true);
    if (committed) {
      for (const file of [...this.#sealed, this.#fileOf(this.#generation)]) {
        try {
          unlinkSync(file);
        } catch {
          // Already gone.
        }
      }
    } else this.#log.warn({ slot: this.#slot }, 'answer journal kept at close: some of what it holds is not in the database yet (replayed at the next start)');
    this.#release();
  }

  /** What a SIGKILL leaves (tests): the file as written so far, the slot freed for the next gateway. */
  abandon(): void {
    this.#closed = true;
    this.#lines = [];
    closeSync(this.#fd);
    this.#release();
  }

  #release(): void {
    heldHere.delete(this.#lockPath);
    try {
      unlinkSync(this.#lockPath);
    } catch {
      // Already gone.
    }
  }

  #add(line: string): void {
    if (this.#closed) return;
    this.#lines.push(line);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#turnEnds);
  }

  readonly #turnEnds = (): void => {
    this.#scheduled = false;
    void this.#writeNow();
  };

  /** The turn's lines in one write; a failure falls back to waiting for the database (the answer is never released before one of them holds it). */
  #writeNow(): Promise<void> | undefined {
    const resolve = this.#resolveTurn;
    this.#turn = undefined;
    this.#resolveTurn = undefined;
    if (this.#lines.length === 0) {
      resolve?.();
      return undefined;
    }
    const text = `${this.#lines.join('\n')}\n`;
    this.#lines = [];
    try {
      this.#bytes += writeSync(this.#fd, text);
    } catch (err) {
      this.#log.error({ err }, 'answer journal write failed: this turn\'s answers wait for the database instead');
      const database = this.#databaseWritten();
      void database.then(() => resolve?.());
      return database;
    }
    resolve?.();
    if (this.#bytes >= this.#rotateBytes && !this.#closed) this.#rotate();
    return undefined;
  }

  async #databaseWritten(): Promise<void> {
    await Promise.all([this.#credits?.writtenAll(), this.#audit?.flush().catch(() => undefined)]);
  }

  #rotate(): void {
    closeSync(this.#fd);
    this.#sealed.push(this.#fileOf(this.#generation));
    this.#generation++;
    this.#fd = openSync(this.#fileOf(this.#generation), 'a', 0o600);
    this.#bytes = fstatSync(this.#fd).size;
    this.#dropping ??= this.#dropSealed().finally(() => {
      this.#dropping = undefined;
    });
  }

  /** Deletes the closed files once what they hold is committed (retried at the next rotation if not). */
  async #dropSealed(): Promise<void> {
    const files = [...this.#sealed];
    try {
      const creditsWritten = (await this.#credits?.writtenAll()) ?? true;
      await this.#audit?.flush();
      if (!creditsWritten) return;
    } catch {
      return;
    }
    for (const file of files) {
      try {
        unlinkSync(file);
      } catch {
        // Already gone.
      }
    }
    this.#sealed = this.#sealed.filter((f) => !files.includes(f));
  }

  #fileOf(generation: number): string {
    return join(this.#slot, `${generation}${JOURNAL_SUFFIX}`);
  }
}

/** The spend a journal's `S` line holds (see `AnswerJournal.spend`), or undefined when its values are not one. */
function spendOfValues(values: unknown): LeaseSpend | undefined {
  if (!Array.isArray(values) || values.length !== 10) return undefined;
  const [key, tenant, agent, skill, clientId, held, charged, requested, state, createdAt] = values as unknown[];
  if (typeof key !== 'string' || typeof tenant !== 'string' || typeof agent !== 'string' || typeof skill !== 'string') return undefined;
  if (clientId !== null && typeof clientId !== 'string') return undefined;
  if (state !== null && typeof state !== 'string') return undefined;
  if (![held, charged, requested, createdAt].every((n) => typeof n === 'number' && Number.isFinite(n))) return undefined;
  return { key, tenant, agent, skill, clientId: clientId ?? undefined, held: held as number, charged: charged as number, requested: requested as number, state: state ?? undefined, createdAt: createdAt as number };
}

/** Creates the slot's lock with this pid; a lock whose process is gone is taken over. */
function takeLock(lockPath: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw err;
    }
    if (heldHere.has(lockPath)) return false;
    let pid = Number.NaN;
    try {
      pid = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
    } catch {
      // Removed meanwhile: try again.
    }
    if (Number.isInteger(pid) && pid !== process.pid && alive(pid)) return false;
    try {
      unlinkSync(lockPath);
    } catch {
      // Another process took it over first.
    }
  }
  return false;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) === 'EPERM';
  }
}
