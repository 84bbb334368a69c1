/**
 * The admin token `agentmesh up` wrote for its gateway
 * (`<data dir>/gateway-admin-token`, mode 0600), for the admin commands
 * (`credits`, `clients`, `keys`) run beside a local mesh with no token given.
 * Only for a gateway on this machine: the file's token is never sent to
 * another host.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Where the local mesh keeps its admin token: `$AGENTMESH_DATA_DIR` (default `./.agentmesh`). */
export function localAdminTokenFile(env: Record<string, string | undefined>): string {
  return join(env['AGENTMESH_DATA_DIR'] || '.agentmesh', 'gateway-admin-token');
}

/** The local mesh's admin token when `gatewayUrl` is on this machine and the file exists; else undefined. */
export function localAdminToken(env: Record<string, string | undefined>, gatewayUrl: string): string | undefined {
  let host: string;
  try {
    host = new URL(gatewayUrl).hostname;
  } catch {
    return undefined;
  }
  if (!LOOPBACK.has(host)) return undefined;
  try {
    return readFileSync(localAdminTokenFile(env), 'utf8').trim() || undefined;
  } catch {
    // No local mesh here: the caller's error names the options.
    return undefined;
  }
}
