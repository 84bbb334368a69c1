import type { SsrfGuard } from '../../http/index.js';
import type { Logger } from '../../observability/index.js';
import type { AgentRecord, RegistryChange } from '../../contracts/registry/index.js';
import type { DueProbe, RegistryStore } from '../store/registry-store.js';
import { errorMessage } from '../../protocol/index.js';

/** Options of {@link Prober}. Durations in ms. */
export interface ProberOptions {
  store: RegistryStore;
  guard: SsrfGuard;
  logger: Logger;
  intervalMs: number;
  maxBackoffMs: number;
  timeoutMs: number;
  historySize: number;
  forgetAfterMs: number;
  /** The record of an agent, when this replica knows it: it decides where the agent's instances are probed ({@link probeTarget}). */
  recordOf: (agent: string) => Pick<AgentRecord, 'cardUrl' | 'bridge'> | undefined;
  onChanges: (changes: RegistryChange[]) => void;
  onProbe?: (agent: string, ok: boolean, seconds: number) => void;
}

/** Probes claimed per round; the rest wait for the next round. */
const BATCH = 50;

/**
 * Active health checks and lease sweeping, once per interval. Each due
 * instance is claimed in the database first, so several registry replicas
 * probe each instance once between them. Failures back off exponentially
 * (with jitter) up to `maxBackoffMs`; a success returns to the interval.
 */
export class Prober {
  readonly #o: ProberOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: ProberOptions) {
    this.#o = options;
  }

  start(): void {
    this.#schedule(0);
  }

  /** One round now: sweep lapsed leases, then probe what is due. */
  async runOnce(): Promise<void> {
    const changes = await this.#o.store.sweepLeases(this.#o.forgetAfterMs);
    if (changes.length > 0) this.#o.onChanges(changes);
    const due = await this.#o.store.claimDueProbes(BATCH, this.#o.timeoutMs * 2 + this.#o.intervalMs);
    await Promise.all(due.map((probe) => this.#probe(probe)));
  }

  async close(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.runOnce()
        .catch((err) => this.#o.logger.warn({ err }, 'health round failed'))
        .finally(() => {
          this.#running = undefined;
          // Lapsed leases are noticed within one interval (half of it for short ones).
          this.#schedule(this.#o.intervalMs);
        });
    }, delayMs);
    this.#timer.unref();
  }

  async #probe(probe: DueProbe): Promise<void> {
    const target = probeTarget(this.#o.recordOf(probe.agent), probe);
    const started = performance.now();
    let ok = false;
    let error: string | undefined;
    try {
      const res = await this.#o.guard.fetch(target, { timeoutMs: this.#o.timeoutMs, maxBytes: 512 * 1024, headers: { accept: 'application/json', 'user-agent': 'agentmesh-registry-probe' } });
      ok = res.status >= 200 && res.status < 300;
      if (!ok) error = `HTTP ${res.status} from ${target}`;
    } catch (err) {
      error = errorMessage(err);
    }
    const latencyMs = Math.round(performance.now() - started);
    this.#o.onProbe?.(probe.agent, ok, latencyMs / 1000);
    const failures = ok ? 0 : probe.consecutiveFailures + 1;
    const next = ok ? this.#o.intervalMs : backoff(this.#o.intervalMs, this.#o.maxBackoffMs, failures);
    try {
      const changes = await this.#o.store.recordProbe(probe.id, { ok, latencyMs, ...(error !== undefined && { error }) }, next, this.#o.historySize);
      if (changes.length > 0) this.#o.onChanges(changes);
    } catch (err) {
      this.#o.logger.warn({ err, instance: probe.id }, 'could not record a probe');
    }
  }
}

/**
 * Where an instance is probed: a bridged ACP agent at its server's `GET /ping`
 * (ACP's health check; the document's `ping` operation); a static instance
 * of an agent registered by card URL at that URL; any other at the card of
 * the agent it serves.
 */
export function probeTarget(record: Pick<AgentRecord, 'cardUrl' | 'bridge'> | undefined, probe: Pick<DueProbe, 'kind' | 'url'>): string {
  if (record?.bridge?.protocol === 'acp') return acpPingUrl(probe.url);
  if (probe.kind === 'static' && record?.cardUrl !== undefined) return record.cardUrl;
  return cardUrlAt(probe.url);
}

/** ACP's `GET /ping` under a server's base URL. */
export function acpPingUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/ping`;
}

/** The card of the agent served at `baseUrl` (A2A §8.2 well-known path under the agent's base). */
export function cardUrlAt(baseUrl: string): string {
  return new URL('.well-known/agent-card.json', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).toString();
}

/** interval × 2^(failures-1), capped, with ±20% jitter so a fleet does not probe in lockstep. */
export function backoff(intervalMs: number, maxMs: number, failures: number): number {
  const base = Math.min(maxMs, intervalMs * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
