/**
 * Starts HAProxy in front of the runtime with the policy agent beside it
 * (haproxy-spoe-config.ts), found on the machine, never installed.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HAPROXY_INSTALL } from '../haproxy-relay.js';
import { findBinary, startNativeRelay, type NativeRelay } from '../native-relay.js';
import { freePort } from '../../../test/helpers/free-port.js';
import { haproxySpoeConfig, type SpoeMode } from './haproxy-spoe-config.js';

/** HAProxy relaying to `upstream` (and the calls that stay the gateway's to `gateway`), asking the agent on `agentPort`; `missing` when there is no haproxy on the machine. */
export async function startHaproxySpoe({ dir, upstream, gateway, agentPort, mode }: { dir: string; upstream: string | readonly string[]; gateway: string; agentPort: number; mode: SpoeMode }): Promise<NativeRelay | { missing: string }> {
  const binary = await findBinary('haproxy');
  if (binary === undefined) return { missing: `haproxy not found (PATH, /usr/sbin): ${HAPROXY_INSTALL}` };
  const port = await freePort();
  const spoeFile = join(dir, `spoe-${mode}.cfg`);
  const mapFile = join(dir, `verdicts-${mode}.map`);
  const { haproxyCfg, spoeCfg } = haproxySpoeConfig({ port, upstream, gateway, agentPort, spoeFile, mapFile, mode });
  await writeFile(spoeFile, spoeCfg);
  await writeFile(mapFile, '');
  const conf = join(dir, `haproxy-spoe-${mode}.cfg`);
  await writeFile(conf, haproxyCfg);
  // -db: foreground, no master process, as the HAProxy anchor runs.
  return startNativeRelay({ name: `haproxy-spoe-${mode}`, binary, args: ['-db', '-f', conf], port });
}
