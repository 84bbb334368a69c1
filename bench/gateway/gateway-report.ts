/**
 * Figures of the gateway bench and their rendering: per target the median of
 * each figure over the rounds, per round the ratios of the gateway's cost (each
 * measured against its anchor in the same round), their medians and the
 * verdicts against the targets.
 */

/** What stands in front of the runtime (or nothing, for `direct`). */
export type GatewayTarget = 'direct' | 'bare-relay' | 'nginx' | 'haproxy-jwt' | 'haproxy-spoe' | 'haproxy-spoe-cached' | 'gateway';

/** Table order. */
export const GATEWAY_TARGETS: readonly GatewayTarget[] = ['direct', 'bare-relay', 'nginx', 'haproxy-jwt', 'haproxy-spoe', 'haproxy-spoe-cached', 'gateway'];

const LABELS: Readonly<Record<GatewayTarget, string>> = {
  direct: 'direct',
  'bare-relay': 'bare relay (node:http + undici)',
  nginx: 'nginx relay',
  'haproxy-jwt': 'HAProxy JWT + rate limit',
  'haproxy-spoe': 'HAProxy + agentmesh SPOE',
  'haproxy-spoe-cached': 'HAProxy + SPOE, verdict cached',
  gateway: 'agentmesh gateway',
};

/** One target's figures: one round's, or the medians over the rounds. */
export interface GatewayRow {
  target: GatewayTarget;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** 1,000 calls one at a time on one keep-alive connection. */
  sequentialP50Ms: number;
  sequentialP99Ms: number;
  errors: number;
  non2xx: number;
  /** CPU time per request of the runtime, µs, over the loaded run. */
  runtimeCpuMicros: number;
  /** CPU time per request of what is in front of the runtime (its whole process tree), µs; none for direct. */
  frontCpuMicros: number | undefined;
  /** Of the front's CPU, the SPOE policy agent's process, µs per request (the SPOE rows). */
  agentCpuMicros?: number | undefined;
}

/** The gateway's cost ratios, from one round or the medians over the rounds; undefined when a side did not run. */
export interface GatewayRatios {
  /** Gateway CPU per call ÷ the bare relay's (target ≤ 2). */
  cpuOverBare?: number;
  cpuOverNginx?: number;
  cpuOverHaproxy?: number;
  /** Gateway req/s ÷ direct req/s (target ≥ 0.5). */
  throughputOverDirect?: number;
  /** Gateway one-at-a-time p50 − direct one-at-a-time p50, ms (target ≤ 0.5). */
  addedP50Ms?: number;
  /** HAProxy + the policy agent (both processes' CPU) ÷ HAProxy verifying the JWT alone: the SPOE prototype against the 1.2× line. */
  spoeOverHaproxy?: number;
  /** The same with the verdict cached in HAProxy's map. */
  spoeCachedOverHaproxy?: number;
}

/** A target that did not run: `skipped` (not installed: not a failure) or `failed` (installed, did not work: the run fails). */
export interface GatewayAbsence {
  target: GatewayTarget;
  reason: string;
}

export interface GatewayBenchReport {
  rounds: number;
  /** Per target, the median of each figure over the rounds (errors summed). */
  rows: GatewayRow[];
  /** Every round's rows, in order. */
  roundRows: GatewayRow[][];
  /** The median over the rounds of each round's ratio. */
  ratios: GatewayRatios;
  roundRatios: GatewayRatios[];
  skipped: GatewayAbsence[];
  failed: GatewayAbsence[];
}

/** The gateway's cost targets: at most twice a bare relay's CPU, at least half the direct throughput, at most 0.5 ms added at p50 (docs/benchmarks.md, "How to read a figure"). */
export const GATEWAY_GOALS = Object.freeze({ maxCpuOverBare: 2, minThroughputOverDirect: 0.5, maxAddedP50Ms: 0.5 });

/** Median; the mean of the two middle values for an even count. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The ratios of one round (or of median rows). */
export function gatewayRatios(rows: readonly GatewayRow[]): GatewayRatios {
  const find = (target: GatewayTarget) => rows.find((row) => row.target === target);
  const [direct, bare, nginx, haproxy, spoe, spoeCached, gateway] = GATEWAY_TARGETS.map(find);
  const ratios: GatewayRatios = {};
  const over = (front: GatewayRow | undefined, anchor: GatewayRow | undefined) =>
    front?.frontCpuMicros !== undefined && anchor?.frontCpuMicros !== undefined && anchor.frontCpuMicros > 0 ? front.frontCpuMicros / anchor.frontCpuMicros : undefined;
  const spoeRatio = over(spoe, haproxy);
  if (spoeRatio !== undefined) ratios.spoeOverHaproxy = spoeRatio;
  const cachedRatio = over(spoeCached, haproxy);
  if (cachedRatio !== undefined) ratios.spoeCachedOverHaproxy = cachedRatio;
  if (gateway === undefined) return ratios;
  const cpuOver = (anchor: GatewayRow | undefined) =>
    gateway.frontCpuMicros !== undefined && anchor?.frontCpuMicros !== undefined && anchor.frontCpuMicros > 0 ? gateway.frontCpuMicros / anchor.frontCpuMicros : undefined;
  const set = <K extends keyof GatewayRatios>(key: K, value: GatewayRatios[K] | undefined) => {
    if (value !== undefined) ratios[key] = value;
  };
  set('cpuOverBare', cpuOver(bare));
  set('cpuOverNginx', cpuOver(nginx));
  set('cpuOverHaproxy', cpuOver(haproxy));
  if (direct !== undefined && direct.requestsPerSec > 0) ratios.throughputOverDirect = gateway.requestsPerSec / direct.requestsPerSec;
  if (direct !== undefined) ratios.addedP50Ms = gateway.sequentialP50Ms - direct.sequentialP50Ms;
  return ratios;
}

const RATIO_KEYS: readonly (keyof GatewayRatios)[] = ['cpuOverBare', 'cpuOverNginx', 'cpuOverHaproxy', 'throughputOverDirect', 'addedP50Ms', 'spoeOverHaproxy', 'spoeCachedOverHaproxy'];

/** The report from every round's rows: median rows, every round's ratios and their medians. */
export function summarizeRounds({ roundRows, skipped, failed }: { roundRows: GatewayRow[][]; skipped: GatewayAbsence[]; failed: GatewayAbsence[] }): GatewayBenchReport {
  const rows: GatewayRow[] = [];
  for (const target of GATEWAY_TARGETS) {
    const runs = roundRows.map((round) => round.find((row) => row.target === target)).filter((row): row is GatewayRow => row !== undefined);
    if (runs.length === 0) continue;
    const mid = (pick: (row: GatewayRow) => number) => median(runs.map(pick))!;
    const fronts = runs.map((row) => row.frontCpuMicros).filter((v): v is number => v !== undefined);
    rows.push({
      target,
      requestsPerSec: mid((r) => r.requestsPerSec),
      p50Ms: mid((r) => r.p50Ms),
      p99Ms: mid((r) => r.p99Ms),
      sequentialP50Ms: mid((r) => r.sequentialP50Ms),
      sequentialP99Ms: mid((r) => r.sequentialP99Ms),
      errors: runs.reduce((sum, r) => sum + r.errors, 0),
      non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
      runtimeCpuMicros: mid((r) => r.runtimeCpuMicros),
      frontCpuMicros: median(fronts),
      ...(runs.some((r) => r.agentCpuMicros !== undefined) && { agentCpuMicros: median(runs.map((r) => r.agentCpuMicros).filter((v): v is number => v !== undefined)) }),
    });
  }
  const roundRatios = roundRows.map(gatewayRatios);
  const ratios: GatewayRatios = {};
  for (const key of RATIO_KEYS) {
    const value = median(roundRatios.map((r) => r[key]).filter((v): v is number => v !== undefined));
    if (value !== undefined) ratios[key] = value;
  }
  return { rounds: roundRows.length, rows, roundRows, ratios, roundRatios, skipped, failed };
}

/** True when a row had errors or a relay that is installed did not work. */
export function gatewayBenchFailed(report: GatewayBenchReport): boolean {
  return report.failed.length > 0 || report.rows.some((row) => row.errors + row.non2xx > 0);
}

function times(value: number | undefined): string {
  return value === undefined ? 'n/a' : `${value.toFixed(2)}×`;
}

function verdict(ok: boolean): string {
  return ok ? 'met' : 'NOT met';
}

export function formatGatewayBench(report: GatewayBenchReport): string[] {
  const direct = report.rows.find((row) => row.target === 'direct');
  const cpu = (micros: number | undefined) => (micros === undefined ? '-' : micros.toFixed(0));
  const added = (row: GatewayRow) => (direct === undefined || row.target === 'direct' ? '-' : (row.sequentialP50Ms - direct.sequentialP50Ms).toFixed(3));
  const { ratios, roundRatios } = report;
  const perRound = (key: keyof GatewayRatios, unit: 'x' | 'ms') =>
    report.rounds === 1 ? '' : `  rounds ${roundRatios.map((r) => (r[key] === undefined ? 'n/a' : unit === 'x' ? times(r[key]) : r[key].toFixed(3))).join(', ')}`;
  const ran = (target: GatewayTarget) => report.rows.some((row) => row.target === target);
  const anchor = (key: 'cpuOverNginx' | 'cpuOverHaproxy' | 'spoeOverHaproxy' | 'spoeCachedOverHaproxy', target: GatewayTarget) => (ran(target) ? `${times(ratios[key])}${perRound(key, 'x')}` : `n/a (no ${LABELS[target]} row)`);
  const goals = GATEWAY_GOALS;
  const goal = (value: number | undefined, ok: (v: number) => boolean, text: string) => `(${text}: ${value === undefined ? 'n/a' : verdict(ok(value))})`;
  const lines = [
    `SendMessage in front of the runtime, ${report.rounds === 1 ? 'one round' : `median of ${report.rounds} rounds`}: directly; through a bare node:http + undici relay (checks nothing);`,
    "nginx as a plain relay; HAProxy verifying the JWT (ES256, the gateway's key) with a stick-table rate limit; the gateway (JWT, scopes,",
    'tenant, quota, schema validation, a PII policy, an approval rule, credits reserve+settle, audit, tenant assertion); HAProxy relaying with the',
    "same steps run by agentmesh's policy agent over SPOE",
    '(per call, or the verdict cached in HAProxy), to a runtime that requires the assertion. CPU µs/req of the front: its whole process tree',
    "over the loaded run (the SPOE rows: HAProxy's and the agent's process together).",
    `  ${'target'.padEnd(31)}   req/s  p50 ms  p99 ms  1-at-a-time p50  p99 ms  added p50 ms  errors  CPU µs/req runtime  front`,
    ...report.rows.map(
      (r) =>
        `  ${LABELS[r.target].padEnd(31)} ${r.requestsPerSec.toFixed(0).padStart(7)} ${String(r.p50Ms).padStart(7)} ${String(r.p99Ms).padStart(7)}  ${r.sequentialP50Ms.toFixed(3).padStart(15)} ${r.sequentialP99Ms.toFixed(2).padStart(7)} ${added(r).padStart(13)} ${String(r.errors + r.non2xx).padStart(7)}  ${cpu(r.runtimeCpuMicros).padStart(18)} ${cpu(r.frontCpuMicros).padStart(6)}`,
    ),
    ...report.rows.filter((r) => r.agentCpuMicros !== undefined).map((r) => `  ${LABELS[r.target]}: of its ${cpu(r.frontCpuMicros)} µs/req, the policy agent's process ${cpu(r.agentCpuMicros)}, HAProxy ${cpu((r.frontCpuMicros ?? 0) - (r.agentCpuMicros ?? 0))}`),
    ...report.skipped.map((s) => `  ${LABELS[s.target].padEnd(31)} skipped: ${s.reason}`),
    ...report.failed.map((f) => `  ${LABELS[f.target].padEnd(31)} FAILED: ${f.reason}`),
    ...(report.rounds === 1 ? [] : ['  ratios: the median of each round\'s own ratio (the table holds the median of each figure, so the two can differ)']),
    `  gateway CPU/call ÷ bare relay: ${times(ratios.cpuOverBare)} ${goal(ratios.cpuOverBare, (v) => v <= goals.maxCpuOverBare, `≤ ${goals.maxCpuOverBare}×`)}${perRound('cpuOverBare', 'x')}`,
    `  gateway CPU/call ÷ nginx:      ${anchor('cpuOverNginx', 'nginx')}`,
    `  gateway CPU/call ÷ HAProxy:    ${anchor('cpuOverHaproxy', 'haproxy-jwt')}`,
    `  throughput gateway ÷ direct:   ${times(ratios.throughputOverDirect)} ${goal(ratios.throughputOverDirect, (v) => v >= goals.minThroughputOverDirect, `≥ ${goals.minThroughputOverDirect}×`)}${perRound('throughputOverDirect', 'x')}`,
    `  p50 added one at a time:       ${ratios.addedP50Ms === undefined ? 'n/a' : `${ratios.addedP50Ms.toFixed(3)} ms`} ${goal(ratios.addedP50Ms, (v) => v <= goals.maxAddedP50Ms, `≤ ${goals.maxAddedP50Ms} ms`)}${perRound('addedP50Ms', 'ms')}`,
    ...(ran('haproxy-spoe') ? [`  HAProxy + SPOE agent ÷ HAProxy JWT (CPU/call, both processes): ${anchor('spoeOverHaproxy', 'haproxy-jwt')} (the 1.2× line: ${ratios.spoeOverHaproxy === undefined ? 'n/a' : verdict(ratios.spoeOverHaproxy <= 1.2)})`] : []),
    ...(ran('haproxy-spoe-cached') ? [`  same, verdict cached in HAProxy:                             ${anchor('spoeCachedOverHaproxy', 'haproxy-jwt')} (the 1.2× line: ${ratios.spoeCachedOverHaproxy === undefined ? 'n/a' : verdict(ratios.spoeCachedOverHaproxy <= 1.2)})`] : []),
  ];
  return lines;
}
