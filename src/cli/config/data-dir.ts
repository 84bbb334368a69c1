/*
 * The data dir (`--data-dir`, AGENTMESH_DATA_DIR) as the CLI takes it: a
 * path that cannot be a folder is refused in one line naming it, before any
 * role opens a store or writes a key there, instead of the system's
 * `EEXIST: file already exists, mkdir …` from deep inside a role.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { Errors, errorMessage } from '../../protocol/index.js';
import { makeFolderSync } from '../../storage/index.js';

/** The data dir of a role given none (the roles' config default). */
export const DEFAULT_DATA_DIR = './.agentmesh';

/**
 * Refuses a data dir that is a file or lies inside one; creates nothing (a
 * role on PostgreSQL with its keys configured may never need the folder).
 *
 * @throws AgentmeshError `AM_ERR_CLI_USAGE` naming the path and the file in the way.
 */
export function checkDataDir(dataDir: string): void {
  const target = resolve(dataDir);
  let at = target;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  if (!existsSync(at) || statSync(at).isDirectory()) return;
  throw Errors.cliDataDirNotFolder({ dataDir, problem: at === target ? 'is a file, not a folder' : `lies inside ${at}, which is a file` });
}

/**
 * {@link checkDataDir}, then makes the folder (0700: the store and the
 * secrets beside it are the mesh's alone) when it does not exist.
 *
 * @throws AgentmeshError `AM_ERR_CLI_USAGE` when the path cannot be a folder or the folder cannot be made (permissions, a read-only or virtual file system).
 */
export function prepareDataDir(dataDir: string): void {
  checkDataDir(dataDir);
  try {
    makeFolderSync(dataDir, 0o700);
  } catch (err) {
    throw Errors.cliDataDirNotFolder({ dataDir, problem: `cannot be made: ${errorMessage(err)}` }, { cause: err });
  }
}

/**
 * Runs `start` (a role opening its stores and keys), turning a file-system error on the data dir,
 * a folder in it or one it lies in (a folder that cannot be made: a read-only or virtual file
 * system, permissions) into the one-line usage error naming the path and its flag and env var.
 *
 * @throws AgentmeshError `AM_ERR_CLI_USAGE` for such an error; any other error as it is.
 */
export async function withDataDir<T>(dataDir: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    const path = (err as { path?: unknown }).path;
    if (typeof (err as { syscall?: unknown }).syscall !== 'string' || typeof path !== 'string' || !onDataDirPath(resolve(dataDir), resolve(path))) throw err;
    throw Errors.cliDataDirNotFolder({ dataDir, problem: `cannot be used: ${errorMessage(err)}` }, { cause: err });
  }
}

/** Whether `path` is the data dir, inside it, or a folder it lies in. */
function onDataDirPath(dataDir: string, path: string): boolean {
  const inside = (child: string, parent: string) => !relative(parent, child).startsWith('..');
  return inside(path, dataDir) || inside(dataDir, path);
}
