/**
 * Files only this user could have written, in a folder only this user can
 * change. The code cache (code-cache.ts) runs what it reads as code, so a file
 * someone else could plant there is code execution as this user: a shared
 * `AGENTMESH_CACHE_DIR`, a folder made 0777 beforehand, `sudo` keeping `HOME`.
 *
 * Rules it keeps:
 * - The folder's path is absolute (a relative one moves with the working
 *   directory), and it is a real folder (not a symlink) owned by the
 *   effective user and writable by no group or other user.
 * - A file is opened without following a symlink, and trusted only when the
 *   open file is a regular file owned by the effective user and writable by
 *   no group or other user.
 * - A file is written under a random name that must not exist yet (`wx`, so
 *   nothing planted there is followed), 0600, then renamed over the final
 *   name: rename replaces a symlink there instead of writing through it.
 * - A set-uid or set-gid process (real user not the effective one) trusts no
 *   folder: its environment names folders of the user who started it.
 * - Where the platform has no user ids (Windows) the folder's ACLs decide,
 *   so only the symlink and absolute-path rules apply.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
// The launcher loads Node's own modules only, before the code cache serves the rest: not the storage door,
// which loads the database drivers. make-folder.ts imports nothing else (its doc says so).
// eslint-disable-next-line no-restricted-imports
import { makeFolderSync } from '../../storage/make-folder.js';

/** Whether `dir` exists and only this user could have put files in it (see the rules above). */
export function isPrivateDir(dir: string): boolean {
  if (!isAbsolute(dir) || !actsAsItself()) return false;
  let stats: Stats;
  try {
    stats = lstatSync(dir);
  } catch {
    return false;
  }
  return stats.isDirectory() && ownedAndUnshared(stats);
}

/**
 * Reads `file` when its folder is private and the file itself is a regular
 * file of this user's that no one else can write; undefined otherwise (and
 * when it does not exist).
 */
export function readPrivateFile(file: string): Buffer | undefined {
  if (!isPrivateDir(dirname(file))) return undefined;
  let fd: number;
  try {
    // O_NOFOLLOW: a symlink here fails the open (ELOOP) instead of naming another file.
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch {
    return undefined;
  }
  try {
    // The checks are on the open file, so no one can swap the file between check and read.
    const stats = fstatSync(fd);
    return stats.isFile() && ownedAndUnshared(stats) ? readFileSync(fd) : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `data` to `file`, 0600, creating its folder 0700 if need be; does
 * nothing (and returns false) when the folder is not private. Readers see
 * either the old file or the whole new one.
 */
export function writePrivateFile(file: string, data: Uint8Array): boolean {
  const dir = dirname(file);
  if (!isAbsolute(dir) || !actsAsItself()) return false;
  // One level at a time: a recursive mkdir under /proc never returns.
  makeFolderSync(dir, 0o700);
  // Checked after mkdir: an existing folder keeps its owner and mode, whatever `mode` said.
  if (!isPrivateDir(dir)) return false;
  // node:crypto only here, on the rare run that writes a cache: loaded with the launcher, it cost every
  // `agentmesh --help` about 5 ms, a fifth of what Node itself takes to start.
  const partial = join(dir, `.${basename(file)}.${process.getBuiltinModule('node:crypto').randomBytes(12).toString('hex')}.tmp`);
  writeFileSync(partial, data, { flag: 'wx', mode: 0o600 });
  try {
    renameSync(partial, file);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
  return true;
}

/** False in a set-uid or set-gid process, whose environment belongs to another user. */
function actsAsItself(): boolean {
  if (process.getuid === undefined || process.geteuid === undefined) return true;
  return process.getuid() === process.geteuid() && process.getgid?.() === process.getegid?.();
}

/** Owned by the effective user and writable by no group or other user. */
function ownedAndUnshared(stats: Stats): boolean {
  if (process.geteuid === undefined) return true;
  return stats.uid === process.geteuid() && (stats.mode & 0o022) === 0;
}
