/*
 * The one `up` on a data dir: two would run two in-process buses over one
 * store and two gateways issuing from one key set. `up` creates
 * `<data dir>/up.lock` (O_EXCL, 0600) with its pid and that process's start
 * time before it resets or opens anything, and removes it when it stops. A
 * claim whose pid is gone, or is now another process (a different start
 * time), is stale and taken over.
 *
 * Two `up`s starting together must not both win. A claim is written whole
 * before it appears (a file of its own, linked to `up.lock`: a link fails
 * when the name exists), so nobody judges a half-written claim stale; a
 * stale claim is taken over by moving it aside first, and only the claim
 * that was judged is deleted: another's fresh claim moved by mistake is put
 * back, and its `up` wins.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Errors, isRecord } from '../../../protocol/index.js';
import { ENDPOINTS_FILE } from '../../role-apis/local-endpoints.js';

/** The claim's name in the data dir. */
export const UP_CLAIM_FILE = 'up.lock';

/** What a claim file holds. */
export interface Claim {
  pid: number;
  /** The process's start time in clock ticks since boot (/proc), where the system tells it: a reused pid has another. */
  started?: string;
}

/** What holding the data dir gives: the release, and a line to print when a stale claim was taken over. */
export interface DataDirClaim {
  release: () => void;
  note: string;
}

function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may hold spaces; the fields after it are plain.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function readClaim(file: string): Claim | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!isRecord(parsed) || typeof parsed['pid'] !== 'number') return undefined;
    return { pid: parsed['pid'], ...(typeof parsed['started'] === 'string' && { started: parsed['started'] }) };
  } catch {
    return undefined;
  }
}

function isLive(claim: Claim): boolean {
  try {
    process.kill(claim.pid, 0);
  } catch (err) {
    // EPERM: alive, another user's.
    if (isRecord(err) && err['code'] === 'ESRCH') return false;
  }
  const now = startTimeOf(claim.pid);
  return claim.started === undefined || now === undefined || now === claim.started;
}

function recordedUrls(dataDir: string): string {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(dataDir, ENDPOINTS_FILE), 'utf8'));
    if (!isRecord(parsed)) return '';
    const urls = ['gateway', 'registry'].flatMap((role) => (typeof parsed[role] === 'string' ? [`${role} ${parsed[role]}`] : []));
    return urls.length > 0 ? `, ${urls.join(', ')}` : '';
  } catch {
    return '';
  }
}

/** Writes `claim` to a file of its own and links it as `file`; false when `file` exists. */
function placeClaim(file: string, claim: string): boolean {
  const own = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
  writeFileSync(own, claim, { mode: 0o600 });
  try {
    linkSync(own, file);
    return true;
  } catch (err) {
    if (isRecord(err) && err['code'] === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(own, { force: true });
  }
}

/**
 * Removes the stale claim `judged` from `file`: moved aside, then deleted
 * if it is the claim judged; a fresh claim another `up` placed meanwhile is
 * linked back (false: not taken over).
 */
export function takeOver(file: string, judged: Claim | undefined): boolean {
  const aside = `${file}.stale.${process.pid}.${randomBytes(6).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if (isRecord(err) && err['code'] === 'ENOENT') return false; // another took it over first
    throw err;
  }
  const moved = readClaim(aside);
  const same = moved?.pid === judged?.pid && moved?.started === judged?.started;
  try {
    if (!same) linkSync(aside, file);
  } catch (err) {
    if (!isRecord(err) || err['code'] !== 'EEXIST') throw err;
  } finally {
    rmSync(aside, { force: true });
  }
  return same;
}

/** Claims `dataDir` (which exists) for this process, or throws the one line naming the `up` that holds it. */
export function claimDataDir(dataDir: string): DataDirClaim {
  const file = join(dataDir, UP_CLAIM_FILE);
  const started = startTimeOf(process.pid);
  const mine = `${JSON.stringify({ pid: process.pid, ...(started !== undefined && { started }) })}\n`;
  let note = '';
  for (;;) {
    if (placeClaim(file, mine)) break;
    const held = readClaim(file);
    if (held === undefined && !existsSync(file)) continue; // released meanwhile: try again
    if (held !== undefined && isLive(held)) throw Errors.cliUpDataDirClaimed({ dataDir, pid: String(held.pid), urls: recordedUrls(dataDir) });
    if (note !== '') throw Errors.cliUpDataDirClaimed({ dataDir, pid: String(held?.pid ?? 'unknown'), urls: recordedUrls(dataDir) });
    // Gone, or reused by another process: the claim of an `up` that was killed.
    if (takeOver(file, held)) note = `agentmesh: took over ${file}${held === undefined ? ' (unreadable)' : ` from pid ${held.pid}, which no longer runs`}\n`;
  }
  return {
    note,
    release: () => {
      if (readClaim(file)?.pid === process.pid) rmSync(file, { force: true });
    },
  };
}
