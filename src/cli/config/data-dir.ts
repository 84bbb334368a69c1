/*
 * The data dir (`--data-dir`, AGENTMESH_DATA_DIR) as the CLI takes it: a
 * path that cannot be a folder is refused in one line naming it, before any
 * role opens a store or writes a key there, instead of the system's
 * `EEXIST: file already exists, mkdir …` from deep inside a role.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Errors, errorMessage } from '../../protocol/index.js';
import { makeFolderSync } from '../../storage/index.js';

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
