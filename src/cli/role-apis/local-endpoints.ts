/**
 * Where a local `agentmesh up` listens, recorded while it runs in
 * `<data dir>/endpoints.json` (mode 0600), so the commands run beside it
 * reach it on whatever ports it took (`--gateway-port 7200`, port 0) with no
 * flag or variable; `up` removes the file when it stops. The file is read
 * only from a folder no one else can write (private-files.ts): the admin
 * token beside it goes wherever it says the gateway is, on this machine.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isRecord } from '../../protocol/index.js';
import { readPrivateFile, writePrivateFile } from '../launch/private-files.js';

/** The file's name in the data dir. */
export const ENDPOINTS_FILE = 'endpoints.json';

/** What `up` records: the base URL of each role as its banner prints it, and the metrics and console pages. */
export interface LocalEndpoints {
  agents: string;
  registry: string;
  gateway: string;
  orchestrator: string;
  acp: string;
  /** The gateway's Prometheus metrics, `…/metrics`. */
  metrics: string;
  console: string;
}

/** The data dir the client commands look in: `$AGENTMESH_DATA_DIR`, else `./.agentmesh`. */
export function clientDataDir(env: Readonly<Record<string, string | undefined>>): string {
  return env['AGENTMESH_DATA_DIR'] || '.agentmesh';
}

/**
 * Records `endpoints` in `dataDir` (0600, replacing the file whole); false when the folder is not this
 * user's alone, where nothing is recorded (a file there could have been planted).
 */
export function writeLocalEndpoints(dataDir: string, endpoints: LocalEndpoints): boolean {
  return writePrivateFile(resolve(dataDir, ENDPOINTS_FILE), Buffer.from(endpointsText(endpoints), 'utf8'));
}

/**
 * Removes the record when it is still `endpoints`' own: the mesh no longer listens there. A second `up` started
 * in the same folder on other ports replaced the file; the first one's exit must not remove the record of the
 * one that still runs, nor the second's exit the first's when it wrote nothing newer.
 */
export function removeLocalEndpoints(dataDir: string, endpoints: LocalEndpoints): void {
  const file = join(dataDir, ENDPOINTS_FILE);
  const bytes = readPrivateFile(resolve(file));
  if (bytes !== undefined && bytes.toString('utf8') !== endpointsText(endpoints)) return;
  rmSync(file, { force: true });
}

function endpointsText(endpoints: LocalEndpoints): string {
  return `${JSON.stringify(endpoints, null, 2)}\n`;
}

/** The URL `up` recorded for `role` in the client's data dir, when it recorded one there (see the file's doc). */
export function recordedUrl(env: Readonly<Record<string, string | undefined>>, role: 'gateway' | 'registry'): string | undefined {
  const bytes = readPrivateFile(resolve(clientDataDir(env), ENDPOINTS_FILE));
  if (bytes === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    // Cut short or edited by hand: the built-in default, and the error names it.
    return undefined;
  }
  const url = isRecord(parsed) && Object.hasOwn(parsed, role) ? parsed[role] : undefined;
  return typeof url === 'string' && /^https?:\/\//.test(url) ? url : undefined;
}
