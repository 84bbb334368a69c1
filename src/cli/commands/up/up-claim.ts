/*
 * The one `up` on a data dir: two would run two in-process buses over one
 * store and two gateways issuing from one key set. `up` creates
 * `<data dir>/up.lock` (O_EXCL, 0600) with its pid and that process's start
 * time before it resets or opens anything, and removes it when it stops. A
 * claim whose pid is gone, or is now another process (a different start
 * time), is stale and taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Errors, isRecord } from '../../../protocol/index.js';
import { ENDPOINTS_FILE } from '../../role-apis/local-endpoints.js';

/** The claim's name in the data dir. */
export const UP_CLAIM_FILE = 'up.lock';

interface Claim {
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

/** Claims `dataDir` (which exists) for this process, or throws the one line naming the `up` that holds it. */
export function claimDataDir(dataDir: string): DataDirClaim {
  const file = join(dataDir, UP_CLAIM_FILE);
  const started = startTimeOf(process.pid);
  const mine = `${JSON.stringify({ pid: process.pid, ...(started !== undefined && { started }) })}\n`;
  let note = '';
  for (;;) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      try {
        writeSync(fd, mine);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (err) {
      if (!isRecord(err) || err['code'] !== 'EEXIST' || note !== '') throw err;
    }
    const held = readClaim(file);
    if (held !== undefined && isLive(held)) throw Errors.cliUpDataDirClaimed({ dataDir, pid: String(held.pid), urls: recordedUrls(dataDir) });
    // Gone, reused by another process, or cut short while written: the claim of an `up` that was killed.
    note = `agentmesh: took over ${file}${held === undefined ? ' (unreadable)' : ` from pid ${held.pid}, which no longer runs`}\n`;
    rmSync(file, { force: true });
  }
  return {
    note,
    release: () => {
      if (readClaim(file)?.pid === process.pid) rmSync(file, { force: true });
    },
  };
}
