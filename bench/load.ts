/**
 * Drives autocannon against one target: the same load for every target
 * (connections, duration, request bytes), a discarded warm-up first, and
 * the counts that make a run invalid (connection errors, non-2xx, bodies
 * that fail the cheap check).
 */
import autocannon from 'autocannon';
import { requestBody, requestHeaders } from './a2a-requests.js';
import type { ScenarioName } from './target-protocol.js';
import { looksLikeCompletedSendMessage, looksLikeCompletedStream } from './verify-target.js';

/** What one autocannon run measured. */
export interface LoadResult {
  /** Mean of the per-second request counts, as autocannon reports "Req/Sec". */
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses received. */
  totalRequests: number;
  durationS: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Responses whose body failed the scenario's cheap check. */
  mismatches: number;
  /** The server process's CPU time (all threads) per response, µs, when the harness could sample it. */
  cpuMicrosPerRequest?: number;
}

/** Load shape; either `durationS` or `amount` ends the run. */
export interface LoadOptions {
  url: string;
  scenario: ScenarioName;
  connections: number;
  durationS?: number;
  /** Stop after this many requests instead of after `durationS`. */
  amount?: number;
  /** Added to the scenario's headers (a bearer token through a gateway). */
  headers?: Readonly<Record<string, string>>;
  /** Called with the number of responses so far, at most once per `progressEveryMs`. */
  onProgress?: (completed: number) => void;
  progressEveryMs?: number;
}

/** True when the run had no error of any kind, i.e. it is a result. */
export function isCleanRun(result: LoadResult): boolean {
  return result.errors === 0 && result.non2xx === 0 && result.mismatches === 0 && result.totalRequests > 0;
}

/** Runs autocannon once and resolves with its figures. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { url, scenario, connections, durationS, amount, headers, onProgress, progressEveryMs = 5_000 } = options;
  return new Promise((resolve, reject) => {
    let completed = 0;
    let progressTimer: NodeJS.Timeout | undefined;
    const instance = autocannon(
      {
        url,
        method: 'POST',
        connections,
        ...(amount === undefined ? { duration: durationS ?? 10 } : { amount }),
        headers: { ...requestHeaders(scenario), ...headers },
        body: requestBody({ scenario }),
        idReplacement: true,
        verifyBody: scenario === 'streaming' ? looksLikeCompletedStream : looksLikeCompletedSendMessage,
      },
      (err: unknown, result: autocannon.Result) => {
        if (progressTimer !== undefined) clearInterval(progressTimer);
        if (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        resolve({
          requestsPerSec: result.requests.average,
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
          totalRequests: result.requests.total,
          durationS: result.duration,
          errors: result.errors,
          timeouts: result.timeouts,
          non2xx: result.non2xx,
          mismatches: result.mismatches,
        });
      },
    );
    if (onProgress !== undefined) {
      instance.on('response', () => {
        completed += 1;
      });
      progressTimer = setInterval(() => onProgress(completed), progressEveryMs);
    }
  });
}

/** Options for {@link measure}. */
export interface MeasureOptions {
  url: string;
  scenario: ScenarioName;
  connections: number;
  warmupS: number;
  durationS: number;
  /** The target's CPU time so far, µs: sampled around the measured run to give CPU per request. */
  cpuMicros?: () => Promise<number>;
}

/**
 * Warm-up (discarded, lets the JIT and the target's caches settle), then the
 * measured run under exactly the same load.
 */
export async function measure({ url, scenario, connections, warmupS, durationS, cpuMicros }: MeasureOptions): Promise<LoadResult> {
  if (warmupS > 0) await runLoad({ url, scenario, connections, durationS: warmupS });
  const before = await cpuMicros?.();
  const result = await runLoad({ url, scenario, connections, durationS });
  if (cpuMicros === undefined || before === undefined || result.totalRequests === 0) return result;
  // Steadier than req/s on a shared machine: what one request costs the server, whatever else runs.
  return { ...result, cpuMicrosPerRequest: ((await cpuMicros()) - before) / result.totalRequests };
}
