/**
 * `agentmesh up --reset`: deletes the mesh state kept in the data dir, and
 * nothing else. Rules:
 * - only the embedded store: with DATABASE_URL the state lives in PostgreSQL,
 *   and deleting the local keys alone would strand what the database holds
 *   (signing keys encrypted with the deleted secret);
 * - only a folder that holds nothing but files `up` writes: a mistyped
 *   `--data-dir ~` or `--data-dir .` is refused, naming what it found;
 * - only a store no process has open: deleting the files of a running mesh
 *   would leave it writing to an unlinked database, lost when it stops;
 * - the folder itself stays (its permissions and any mount are the user's).
 */
import { existsSync, lstatSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Errors, errorCode, errorMessage } from '../../../protocol/index.js';
import { ENDPOINTS_FILE } from '../../role-apis/local-endpoints.js';
import { UP_CLAIM_FILE } from './up-claim.js';

/**
 * Every file the mesh keeps in its data dir: the SQLite store (with its
 * WAL, shared-memory and rollback journal files), the keys and clients
 * the roles generate on the first start, and the record of its URLs.
 */
export const MESH_STATE_FILES: readonly string[] = [
  'mesh.db',
  'mesh.db-wal',
  'mesh.db-shm',
  'mesh.db-journal',
  'demo-client.json',
  'orchestrator-client.json',
  'gateway-admin-token',
  'gateway-secret',
  'gateway-card-key.pem',
  'signing-key.json',
  'runtime-secret',
  // Where a running `up` listens; left behind by one that was killed.
  ENDPOINTS_FILE,
  // The claim of the `up` running on the folder; left behind by one that was killed.
  UP_CLAIM_FILE,
];

/** Folders `up` makes in the data dir, each holding mesh state files only: the ACP example's runtime (docs/acp.md#in-agentmesh-up). */
export const MESH_STATE_DIRS: readonly string[] = ['acp-example'];

/**
 * The gateway's answer journal (docs/gateway.md): numbered slot folders, each
 * holding its lock, its id and `<generation>.journal` files. They journal the
 * store being reset, so they go with it.
 */
const JOURNAL_DIR = 'gateway-journal';
const JOURNAL_SLOT = /^\d+$/;
const JOURNAL_FILE = /^(?:lock|id|\d+\.journal)$/;

/** The files of a gateway journal folder relative to it (`0/lock`, `0/1.journal`), or undefined when it holds anything else. */
function journalFiles(dir: string): string[] | undefined {
  const files: string[] = [];
  for (const slot of readdirSync(dir).sort()) {
    if (!JOURNAL_SLOT.test(slot) || !lstatSync(join(dir, slot)).isDirectory()) return undefined;
    for (const file of readdirSync(join(dir, slot)).sort()) {
      if (!JOURNAL_FILE.test(file) || !lstatSync(join(dir, slot, file)).isFile()) return undefined;
      files.push(join(slot, file));
    }
  }
  return files;
}

/** What {@link resetDataDir} needs to decide. */
export interface ResetDataDirOptions {
  /** The data dir (`--data-dir`, `AGENTMESH_DATA_DIR`). */
  dataDir: string;
  /** `DATABASE_URL`, when set: the state is not in the data dir, so nothing is deleted. */
  databaseUrl?: string | undefined;
}

/**
 * Deletes the mesh state files of `dataDir` and returns their names (none
 * when the folder does not exist or is empty).
 *
 * @throws AgentmeshError `AM_ERR_CLI_USAGE` (exit 2, nothing deleted) when
 *   DATABASE_URL is set, when `dataDir` is not a folder, when it holds
 *   anything besides {@link MESH_STATE_FILES}, or when its store is open in
 *   another process or is no SQLite database.
 * @example
 * resetDataDir({ dataDir: './.agentmesh' }); // ['mesh.db', 'demo-client.json', …]
 */
export function resetDataDir({ dataDir, databaseUrl }: ResetDataDirOptions): string[] {
  if (databaseUrl !== undefined && databaseUrl !== '') {
    throw Errors.cliResetWithDatabaseUrl({});
  }
  let entries: string[];
  try {
    if (!lstatSync(dataDir).isDirectory()) throw Errors.cliResetNotFolder({ dataDir });
    entries = readdirSync(dataDir).sort();
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return [];
    throw err;
  }
  // The state folders `up` makes are read like the data dir itself: mesh state files only.
  const inside = new Map<string, string[]>();
  const foreign = entries.filter((name) => {
    const stats = lstatSync(join(dataDir, name));
    if (stats.isFile()) return !MESH_STATE_FILES.includes(name);
    if (stats.isDirectory() && name === JOURNAL_DIR) {
      const files = journalFiles(join(dataDir, name));
      if (files !== undefined) inside.set(name, files);
      return files === undefined;
    }
    if (!stats.isDirectory() || !MESH_STATE_DIRS.includes(name)) return true;
    const files = readdirSync(join(dataDir, name)).sort();
    inside.set(name, files);
    return files.some((file) => !MESH_STATE_FILES.includes(file) || !lstatSync(join(dataDir, name, file)).isFile());
  });
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? `, and ${foreign.length - 5} more` : '');
    throw Errors.cliResetForeignFiles({ dataDir, shown });
  }
  if (entries.includes('mesh.db')) assertNotInUse(dataDir, join(dataDir, 'mesh.db'));
  for (const [dir, files] of inside) if (files.includes('mesh.db')) assertNotInUse(dataDir, join(dataDir, dir, 'mesh.db'));
  // force: closing the lock probe checkpoints the WAL, which deletes mesh.db-wal and -shm.
  const removed: string[] = [];
  for (const name of entries) {
    const files = inside.get(name);
    // The claim is the resetting `up`'s own (taken before the reset): it stays.
    if (name === UP_CLAIM_FILE) continue;
    if (files === undefined) {
      rmSync(join(dataDir, name), { force: true });
      removed.push(name);
      continue;
    }
    if (name === JOURNAL_DIR) {
      // Read above to hold nothing but numbered slots and their files: it goes whole, empty slots too.
      rmSync(join(dataDir, name), { recursive: true, force: true });
    } else {
      for (const file of files) rmSync(join(dataDir, name, file), { force: true });
      rmdirSync(join(dataDir, name));
    }
    removed.push(...files.map((file) => `${name}/${file}`));
  }
  return removed;
}

/**
 * Every connection to a WAL database holds a shared lock on its file while
 * open (SQLite's locking, §WAL "concurrency"), so an exclusive lock is only
 * granted when no process uses the store. A crashed mesh holds no lock: the
 * OS drops it with the process.
 */
function assertNotInUse(dataDir: string, file: string): void {
  const probe = probeStore(file);
  if (probe.state === 'free') return;
  if (probe.state === 'in-use') throw Errors.cliResetRefused({ dataDir, why: 'a running agentmesh has its store open; stop it first' });
  throw Errors.cliResetRefused({ dataDir, why: `${file} is not an agentmesh store (${errorMessage(probe.err)})` }, { cause: probe.err });
}

/**
 * Whether another process has the SQLite store `file` open (a mesh running
 * on it); false when the file does not exist or nothing holds it. Read
 * before this process opens the store itself, which would hold it too.
 *
 * @example
 * storeInUse(join(dataDir, 'mesh.db')); // true while `agentmesh up` runs on dataDir
 */
export function storeInUse(file: string): boolean {
  return existsSync(file) && probeStore(file).state === 'in-use';
}

/** What {@link probeStore} found. */
type StoreProbe = { state: 'free' } | { state: 'in-use' } | { state: 'unreadable'; err: unknown };

/** Takes and drops an exclusive lock on the store: `in-use` when another connection holds it, `unreadable` when it is no SQLite store. */
function probeStore(file: string): StoreProbe {
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(file, { fileMustExist: true, timeout: 0 });
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; COMMIT;');
    return { state: 'free' };
  } catch (err) {
    const code = (err as { code?: string }).code;
    return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' ? { state: 'in-use' } : { state: 'unreadable', err };
  } finally {
    db?.close();
  }
}
