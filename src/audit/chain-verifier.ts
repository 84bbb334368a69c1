import type { Kysely } from 'kysely';
import { Errors } from '../protocol/index.js';
import type { Tables } from '../storage/index.js';
import type { AuditAnchor, AuditProblem, AuditVerifyResult } from '../contracts/audit/index.js';
import { integerOption } from './audit-options.js';
import { GENESIS_HASH, rowHash } from './row-hash.js';

/** Options of `verify()`. */
export interface AuditVerifyOptions {
  /** First seq to check (default 1). Its link to seq - 1 is checked when that row exists. */
  from?: number;
  /** Last seq to check (default: the tip). */
  to?: number;
  /** Called after each page of rows with the number checked so far. */
  onProgress?: (checked: number) => void;
  /** A tip recorded outside the database; the chain must still hold that hash at that seq. */
  anchor?: AuditAnchor;
  /** Stop listing problems after this many (the walk goes on). Default 1000. */
  maxProblems?: number;
}

/** What says which hash a seq must have: a checkpoint row or an anchor. */
interface Expectation {
  hash: string;
  source: string;
}

const PAGE = 2000;

/**
 * Walks the chain in seq order and names every row that is wrong:
 *
 * - `modified`: the row's columns no longer hash to its `hash`, or a
 *   checkpoint/anchor recorded another hash for that seq (the chain was
 *   rewritten and re-hashed up to there);
 * - `deleted`: a gap in seq (named by the first missing seq and the range);
 * - `broken-link`: `prev_hash` differs from the previous row's `hash` (a row
 *   replaced by one hashed in another place, or rows reordered);
 * - `truncated`: a checkpoint or the anchor records a seq beyond the last row
 *   (the newest rows were deleted).
 *
 * It cannot see newest rows deleted after the last checkpoint, nor a chain
 * rewritten and re-hashed together with its checkpoints by someone with write
 * access to both tables: anchor the tip outside the database for that
 * (`anchor`, or the hashes a SIEM receives with every exported row).
 */
export async function verifyChain(db: Kysely<Tables>, options: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
  const from = options.from === undefined ? 1 : integerOption('from', options.from, 1);
  const to = options.to === undefined ? undefined : integerOption('to', options.to, from);
  const maxProblems = options.maxProblems === undefined ? 1000 : integerOption('maxProblems', options.maxProblems, 1);
  const problems: AuditProblem[] = [];
  const report = (problem: AuditProblem) => {
    if (problems.length < maxProblems) problems.push(problem);
  };

  const expectations = await loadExpectations(db, from, to, options.anchor);

  // The link into the range: genesis for seq 1, else the row before `from` if it is there.
  let prevHash: string | undefined = GENESIS_HASH;
  if (from > 1) {
    const before = await db.selectFrom('audit_log').select('hash').where('seq', '=', from - 1).executeTakeFirst();
    prevHash = before?.hash;
  }
  let expected = from;
  let checked = 0;
  let tip: { seq: number; hash: string } | undefined;

  for (let cursor = from - 1; ; ) {
    let query = db.selectFrom('audit_log').selectAll().where('seq', '>', cursor);
    if (to !== undefined) query = query.where('seq', '<=', to);
    const rows = await query.orderBy('seq').limit(PAGE).execute();
    for (const row of rows) {
      const seq = Number(row.seq);
      checked += 1;
      if (seq > expected) {
        report({ seq: expected, kind: 'deleted', detail: seq - 1 === expected ? `row ${expected} is missing` : `rows ${expected}..${seq - 1} are missing (${seq - expected} rows)` });
        prevHash = undefined; // the missing rows' hashes are unknown: the next link cannot be checked
      }
      const selfConsistent = rowHash(row.prev_hash, row) === row.hash;
      if (!selfConsistent) {
        report({ seq, kind: 'modified', detail: `row ${seq} no longer matches its hash ${short(row.hash)}: a field was changed after it was written` });
      }
      if (prevHash !== undefined && row.prev_hash !== prevHash) {
        report({
          seq,
          kind: 'broken-link',
          detail: `row ${seq} links to ${short(row.prev_hash)} but row ${seq - 1} has hash ${short(prevHash)}: row ${seq - 1} was rewritten, or a row was inserted or moved here`,
        });
      }
      const expectation = expectations.get(seq);
      // A row that fails its own hash is already named; a checkpoint adds nothing there.
      if (selfConsistent && expectation !== undefined && expectation.hash !== row.hash) {
        report({ seq, kind: 'modified', detail: `${expectation.source} recorded hash ${short(expectation.hash)} for row ${seq}, which now has ${short(row.hash)}: the chain was rewritten up to here` });
      }
      prevHash = row.hash;
      expected = seq + 1;
      tip = { seq, hash: row.hash };
    }
    options.onProgress?.(checked);
    if (rows.length < PAGE) break;
    cursor = expected - 1;
  }

  // Expectations past the last row: the newest rows are gone.
  const lastSeq = expected - 1;
  const beyond = [...expectations.entries()].filter(([seq]) => seq > lastSeq).sort(([a], [b]) => b - a)[0];
  if (beyond !== undefined) {
    const [seq, expectation] = beyond;
    report({ seq: lastSeq + 1, kind: 'truncated', detail: `the log ends at row ${lastSeq} but ${expectation.source} records row ${seq}: rows ${lastSeq + 1}..${seq} were deleted` });
  }

  return { ok: problems.length === 0, checked, problems, ...(tip && { tip }) };
}

async function loadExpectations(db: Kysely<Tables>, from: number, to: number | undefined, anchor: AuditAnchor | undefined): Promise<Map<number, Expectation>> {
  let query = db.selectFrom('audit_checkpoints').select(['seq', 'hash', 'created_at']).where('seq', '>=', from);
  if (to !== undefined) query = query.where('seq', '<=', to);
  const expectations = new Map<number, Expectation>();
  for (const checkpoint of await query.orderBy('seq').execute()) {
    expectations.set(Number(checkpoint.seq), { hash: checkpoint.hash, source: `the checkpoint of ${new Date(Number(checkpoint.created_at)).toISOString()}` });
  }
  if (anchor !== undefined) {
    const seq = integerOption('anchor.seq', anchor.seq, 1);
    if (typeof anchor.hash !== 'string' || !/^[0-9a-f]{64}$/.test(anchor.hash)) {
      throw Errors.auditAnchorHashInvalid({ given: String(JSON.stringify(anchor.hash)) });
    }
    if (seq >= from && (to === undefined || seq <= to)) expectations.set(seq, { hash: anchor.hash, source: 'the anchor' });
  }
  return expectations;
}

/** The first 12 hex digits: enough to tell hashes apart in a message. */
function short(hash: string): string {
  return hash.length > 12 ? `${hash.slice(0, 12)}…` : hash;
}
