/**
 * The CLI's per-user cache folder: `$AGENTMESH_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/agentmesh`, else `~/.cache/agentmesh`. It holds the
 * client-credentials tokens (client-credentials.ts) and the compiled code of
 * the CLI bundle (code-cache.ts); both create it with mode 0700, because what
 * it holds is either a secret or code this user's processes run. The code
 * cache also refuses a folder (or file) someone else could have written
 * (private-files.ts). The path comes from the environment, so it is not
 * trusted for that here.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The cache folder for the environment `env` (not created here). */
export function cliCacheDir(env: Readonly<Record<string, string | undefined>>): string {
  if (env['AGENTMESH_CACHE_DIR']) return env['AGENTMESH_CACHE_DIR'];
  if (env['XDG_CACHE_HOME']) return join(env['XDG_CACHE_HOME'], 'agentmesh');
  return join(env['HOME'] || homedir(), '.cache', 'agentmesh');
}
