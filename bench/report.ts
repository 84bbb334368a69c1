/**
 * Result shapes of a bench run and their rendering: one table per scenario,
 * the ratios the issue asks for (c/b, c/a, p99 c/b), summary lines and the
 * acceptance verdicts.
 */
import type { LoadResult } from './load.js';
import { isCleanRun } from './load.js';
import type { MemorySample, TargetId } from './target-process.js';
import type { ScenarioName } from './target-protocol.js';

/** Writes one progress line. */
export type Log = (line: string) => void;

/** One target's line in a scenario table. */
export interface ScenarioRow {
  target: TargetId;
  name: string;
  /** What the manual request before the load showed ("4 events", "612 B"). */
  verified?: string;
  load?: LoadResult;
  /** Why the row has no result (target failed to start or verify, or the run had errors). */
  failure?: string;
}

/** Ratios between targets; `undefined` when a side has no clean result. */
export interface ScenarioRatios {
  /** agentmesh req/s ÷ sdk req/s. */
  cOverB?: number;
  /** agentmesh req/s ÷ bare req/s. */
  cOverA?: number;
  /** agentmesh p99 ÷ sdk p99 (below 1 = agentmesh has the lower tail). */
  p99COverB?: number;
}

/** A scenario's rows and ratios. */
export interface ScenarioReport {
  scenario: ScenarioName;
  rows: ScenarioRow[];
  ratios: ScenarioRatios;
  /** With `--rounds`: every round's ratios, in order; `rows` and `ratios` are the median round's. */
  rounds?: ScenarioRatios[];
}

/** One target's memory run. */
export interface MemoryRow {
  target: TargetId;
  name: string;
  before?: MemorySample;
  after?: MemorySample;
  load?: LoadResult;
  failure?: string;
}

/** The memory part of a run. */
export interface MemoryReport {
  tasks: number;
  rows: MemoryRow[];
}

/** Acceptance thresholds from the issue. */
export const ACCEPTANCE = Object.freeze({ minCOverB: 3, maxRssBytes: 200_000_000 });

const SCENARIO_LABEL: Readonly<Record<ScenarioName, string>> = { sendmessage: 'SendMessage', streaming: 'SendStreamingMessage', 'grpc-send': 'SendMessage over gRPC' };

/** Label of a scenario as the spec names the method. */
export function scenarioLabel(scenario: ScenarioName): string {
  return SCENARIO_LABEL[scenario];
}

/** Bytes as decimal megabytes (10^6), the unit of the 200 MB acceptance line. */
export function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(0)} MB`;
}

function cleanLoad(row: ScenarioRow | undefined): LoadResult | undefined {
  return row?.load !== undefined && row.failure === undefined && isCleanRun(row.load) ? row.load : undefined;
}

/** Computes the ratios from whichever rows have clean results. */
export function computeRatios(rows: readonly ScenarioRow[]): ScenarioRatios {
  const byId = (id: TargetId): LoadResult | undefined => cleanLoad(rows.find((row) => row.target === id));
  const [a, b, c] = [byId('a'), byId('b'), byId('c')];
  const ratios: ScenarioRatios = {};
  if (c && b && b.requestsPerSec > 0) ratios.cOverB = c.requestsPerSec / b.requestsPerSec;
  if (c && a && a.requestsPerSec > 0) ratios.cOverA = c.requestsPerSec / a.requestsPerSec;
  if (c && b && b.p99Ms > 0) ratios.p99COverB = c.p99Ms / b.p99Ms;
  return ratios;
}

function ratio(value: number | undefined): string {
  return value === undefined ? 'n/a' : `${value.toFixed(2)}x`;
}

function ms(value: number): string {
  return Number.isInteger(value) || value >= 100 ? value.toFixed(0) : value.toFixed(2);
}

/** Left-aligns the first column, right-aligns the others. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The table of one scenario, its ratio line and any row failures. */
export function formatScenario(report: ScenarioReport): string {
  const header = ['target', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'requests', 'errors', 'non-2xx', 'bad body', 'checked'];
  const rows = report.rows.map((row) => {
    const name = `${row.target}) ${row.name}`;
    if (row.load === undefined) return [name, '-', '-', '-', '-', '-', '-', '-', '-', row.verified ?? 'FAILED'];
    const { load } = row;
    return [
      name,
      load.requestsPerSec.toFixed(0),
      ms(load.p50Ms),
      ms(load.p99Ms),
      load.cpuMicrosPerRequest === undefined ? '-' : load.cpuMicrosPerRequest.toFixed(0),
      String(load.totalRequests),
      String(load.errors),
      String(load.non2xx),
      String(load.mismatches),
      row.verified ?? '',
    ];
  });
  const { ratios } = report;
  const lines = [
    `== ${scenarioLabel(report.scenario)} ==`,
    formatTable(header, rows),
    `ratios: c/b req/s = ${ratio(ratios.cOverB)}, c/a req/s = ${ratio(ratios.cOverA)}, c/b p99 = ${ratio(ratios.p99COverB)}`,
  ];
  if (report.rounds) lines.push(`rounds: c/b req/s = ${report.rounds.map((r) => ratio(r.cOverB)).join(', ')} (the table is the median round)`);
  const cpu = (id: TargetId) => cleanLoad(report.rows.find((row) => row.target === id))?.cpuMicrosPerRequest;
  const [b, c] = [cpu('b'), cpu('c')];
  // Throughput moves ±10–20% between runs on a shared 2-core machine; CPU per request moves much less.
  if (b !== undefined && c !== undefined) lines.push(`CPU per request: sdk ${b.toFixed(0)} µs, agentmesh ${c.toFixed(0)} µs = ${(b / c).toFixed(2)}x less work per request`);
  for (const row of report.rows) {
    if (row.failure !== undefined) lines.push(`! ${row.name}: ${row.failure}`);
  }
  return lines.join('\n');
}

/** `SendMessage: agentmesh/sdk = 4.1x, agentmesh/bare = 0.37x (p99 12 ms vs 35 ms)`. */
export function formatSummary(report: ScenarioReport): string {
  const find = (id: TargetId): LoadResult | undefined => cleanLoad(report.rows.find((row) => row.target === id));
  const b = find('b');
  const c = find('c');
  const parts = [`agentmesh/sdk = ${ratio(report.ratios.cOverB)}`];
  if (report.scenario === 'sendmessage') parts.push(`agentmesh/bare = ${ratio(report.ratios.cOverA)}`);
  const tail = b && c ? ` (p99 ${ms(c.p99Ms)} ms vs ${ms(b.p99Ms)} ms)` : '';
  return `${scenarioLabel(report.scenario)}: ${parts.join(', ')}${tail}`;
}

/** The memory table and its one-line summary. */
export function formatMemory(report: MemoryReport): string {
  const header = ['target', 'RSS before', 'RSS after', 'RSS peak', 'heap after', 'req/s', 'errors', 'non-2xx', 'bad body', 'gc'];
  const rows = report.rows.map((row) => [
    `${row.target}) ${row.name}`,
    row.before ? megabytes(row.before.rssBytes) : '-',
    row.after ? megabytes(row.after.rssBytes) : '-',
    row.after ? megabytes(row.after.peakRssBytes) : '-',
    row.after ? megabytes(row.after.heapUsedBytes) : '-',
    row.load ? row.load.requestsPerSec.toFixed(0) : '-',
    row.load ? String(row.load.errors) : '-',
    row.load ? String(row.load.non2xx) : '-',
    row.load ? String(row.load.mismatches) : '-',
    row.after ? (row.after.gcForced ? 'forced' : 'not exposed') : '-',
  ]);
  const after = report.rows
    .filter((row) => row.after !== undefined)
    .map((row) => `${row.name} ${megabytes(row.after!.rssBytes)} (peak ${megabytes(row.after!.peakRssBytes)})`);
  const lines = [`== Memory: ${report.tasks} SendMessage calls ==`, formatTable(header, rows)];
  for (const row of report.rows) {
    if (row.failure !== undefined) lines.push(`! ${row.name}: ${row.failure}`);
  }
  lines.push(`RSS after ${report.tasks} tasks: ${after.length > 0 ? after.join(', ') : 'n/a'}`);
  return lines.join('\n');
}

/** PASS/FAIL lines for the acceptance criteria that this run measured. */
export function formatAcceptance({ sendmessage, memory }: { sendmessage?: ScenarioReport; memory?: MemoryReport }): string[] {
  const lines: string[] = [];
  const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
  if (sendmessage) {
    const { cOverB, p99COverB } = sendmessage.ratios;
    lines.push(
      cOverB === undefined
        ? 'acceptance SendMessage c/b >= 3: n/a (missing a clean agentmesh or sdk result)'
        : `acceptance SendMessage c/b >= ${ACCEPTANCE.minCOverB}: ${verdict(cOverB >= ACCEPTANCE.minCOverB)} (${ratio(cOverB)})`,
    );
    if (p99COverB !== undefined) lines.push(`acceptance SendMessage p99 lower than sdk: ${verdict(p99COverB < 1)} (c/b p99 = ${ratio(p99COverB)})`);
  }
  const agentmesh = memory?.rows.find((row) => row.target === 'c');
  if (memory && agentmesh?.after && agentmesh.load) {
    // "Stays at or under" over the run: the peak is judged, not only the RSS after a forced GC.
    const { rssBytes, peakRssBytes } = agentmesh.after;
    const ok = Math.max(rssBytes, peakRssBytes) <= ACCEPTANCE.maxRssBytes && isCleanRun(agentmesh.load);
    lines.push(`acceptance RSS <= ${megabytes(ACCEPTANCE.maxRssBytes)} over ${memory.tasks} tasks: ${verdict(ok)} (after ${megabytes(rssBytes)}, peak ${megabytes(peakRssBytes)})`);
  }
  return lines;
}
