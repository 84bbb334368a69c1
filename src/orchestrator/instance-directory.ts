import { Errors } from '../protocol/index.js';
import { createRegistryClient, registryStatusOf } from '../contracts/registry-client/index.js';

/** How long an instance list is reused. */
const TTL_MS = 2_000;
/** Time one registry read may take. */
const TIMEOUT_MS = 5_000;

/**
 * Where to reach an agent when there is no gateway: its instances from the
 * registry, those not known to be down, in turn (a crude balancer; the
 * gateway's is health- and load-aware, and is the default path).
 */
export function createInstanceDirectory(registryUrl: string, token?: string, fetch?: typeof globalThis.fetch): (agent: string) => Promise<string> {
  const registry = createRegistryClient({ url: registryUrl, token, timeoutMs: TIMEOUT_MS, fetch });
  const cache = new Map<string, { at: number; urls: Promise<string[]> }>();
  const turn = new Map<string, number>();
  const load = async (agent: string): Promise<string[]> => {
    let instances;
    try {
      instances = await registry.instances(agent);
    } catch (err) {
      if (registryStatusOf(err) === 404) throw Errors.orchestratorAgentUnknown({ agent }, { cause: err });
      throw err;
    }
    const live = instances.filter((i) => i.probe?.state !== 'down');
    return (live.length > 0 ? live : instances).map((i) => i.url.replace(/\/+$/, ''));
  };
  return async (agent) => {
    let entry = cache.get(agent);
    if (!entry || Date.now() - entry.at > TTL_MS) {
      entry = { at: Date.now(), urls: load(agent) };
      entry.urls.catch(() => cache.delete(agent));
      cache.set(agent, entry);
    }
    const urls = await entry.urls;
    if (urls.length === 0) throw Errors.orchestratorAgentWithoutInstance({ agent });
    const n = turn.get(agent) ?? 0;
    turn.set(agent, n + 1);
    return urls[n % urls.length]!;
  };
}
