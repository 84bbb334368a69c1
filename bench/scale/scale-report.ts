/**
 * Figures of the scale bench and their rendering. A row's figures are one
 * flat record (`cpu.runtime`, `pg.statements.gateway`, `redis.cmd.xadd`…),
 * per call or per task, so the median over rounds is taken figure by figure.
 */
import { median } from '../gateway/gateway-report.js';
import { formatTable } from '../report.js';
import type { ScenarioName } from '../target-protocol.js';

/** The setups each scenario is measured on, in table order. */
export type ScaleSetup = 'sdk' | 'sqlite' | 'pg-1' | 'pg-2' | 'gateway-sqlite' | 'gateway-2' | 'haproxy-jwt-2' | 'spoe-2';

export const SCALE_SETUPS: readonly ScaleSetup[] = ['sdk', 'sqlite', 'pg-1', 'pg-2', 'gateway-sqlite', 'gateway-2', 'haproxy-jwt-2', 'spoe-2'];

export const SETUP_LABELS: Readonly<Record<ScaleSetup, string>> = {
  sdk: '@a2a-js/sdk, in memory (anchor)',
  sqlite: 'runtime ×1, SQLite',
  'pg-1': 'runtime ×1, PostgreSQL + Redis',
  'pg-2': 'runtime ×2, PostgreSQL + Redis',
  // The gateway's embedded figure under the same load and on the same host: what its fleet figure is held to.
  'gateway-sqlite': 'gateway ×1 → runtime ×1, SQLite',
  'gateway-2': 'gateway ×2 → runtime ×2, PG + Redis',
  // The gateway bench's anchor (HAProxy verifying the ES256 token, a stick-table rate limit) as a fleet's fronts:
  // what the fleet's throughput ratio is when the front is the cheapest one that still checks a token.
  'haproxy-jwt-2': 'HAProxy JWT ×2 → runtime ×2, PG + Redis',
  // HAProxy relaying, each asking the SPOE policy agent in one gateway replica's process (ADR 0061): gateway = the agents.
  'spoe-2': 'HAProxy + SPOE agent ×2 → runtime ×2, PG + Redis',
};

/**
 * Per-call or per-task figures of one row. Keys: `req/s`, `p50`, `p99` (ms),
 * `requests`, `errors`; `cpu.<role>` µs per call (`runtime`, `gateway`,
 * `postgres` the database's client backends, `autovacuum` its autovacuum
 * workers, `redis` the server, `loadgen` the bench's own process driving the
 * load on the PostgreSQL rows, not part of a call's total); `balance.<role>`
 * the least loaded replica's CPU over the most loaded one's; `cpu.haproxy`
 * the HAProxy fronts' (the `haproxy-jwt-2` row's, and the SPOE row's, whose
 * `cpu.gateway` is the policy agents' processes); per task
 * `pg.statements.<role>`, `pg.transactions.<role>`, `pg.wal` (the cluster's
 * WAL), `pg.wal.db` (this database's share), `redis.commands.<role>` (sent
 * by the role), `redis.server` (the server's count) and `redis.cmd.<name>`.
 */
export type Figures = Record<string, number>;

export interface ScaleRow {
  scenario: ScenarioName;
  setup: ScaleSetup;
  figures: Figures;
  /** Why the row has no figures, or why they are not a result (errors under load). */
  failure?: string;
}

export interface ScaleBenchReport {
  /** Set when the part did not run: PostgreSQL or Redis not reachable, or the database could not be created. */
  skipped?: string;
  rounds: number;
  durationS: number;
  warmupS: number;
  connections: number;
  /** Whether `pg.wal.db` could be measured (pg_walinspect). */
  walByDatabase: boolean;
  /** Growth of the database on disk per task stored over the whole part (tables and indexes, before any vacuum or retention). */
  diskBytesPerTask?: number;
  /**
   * The pgbench anchor of the run (pgbench-anchor.ts): the median of its
   * rounds' transactions per second, or why it did not run.
   */
  pgbench?: { tps: number; rounds: number[] } | { failure: string };
  /** Per scenario and setup, the median of each figure over the rounds (errors summed). */
  rows: ScaleRow[];
  roundRows: ScaleRow[][];
}

/**
 * Per figure, the median over the rows that have it; `errors` and `requests`
 * summed. With several rows, each CPU figure also gets its lowest value
 * (`cpu.runtime.min`): other work on the machine only adds to what a call
 * costs (a preempted lock holder makes PostgreSQL's backends spin), so the
 * lowest round is the closest to the call's own cost.
 */
export function medianFigures(rows: readonly Figures[]): Figures {
  const keys = new Set(rows.flatMap((row) => Object.keys(row)));
  const result: Figures = {};
  for (const key of keys) {
    const values = rows.map((row) => row[key]).filter((v): v is number => v !== undefined);
    result[key] = key === 'errors' || key === 'requests' ? values.reduce((a, b) => a + b, 0) : median(values)!;
    if (rows.length > 1 && key.startsWith('cpu.')) result[`${key}.min`] = Math.min(...values);
  }
  return result;
}

/** The report's rows: each (scenario, setup) once, its figures the median over the rounds, its failures joined. */
export function summarizeScaleRounds(roundRows: readonly ScaleRow[][]): ScaleRow[] {
  const rows: ScaleRow[] = [];
  for (const scenario of ['sendmessage', 'streaming'] as const) {
    for (const setup of SCALE_SETUPS) {
      const runs = roundRows.flatMap((round) => round.filter((row) => row.scenario === scenario && row.setup === setup));
      if (runs.length === 0) continue;
      const clean = runs.filter((row) => row.failure === undefined);
      const failures = runs.map((row) => row.failure).filter((f): f is string => f !== undefined);
      rows.push({ scenario, setup, figures: medianFigures(clean.map((row) => row.figures)), ...(failures.length > 0 ? { failure: failures.join('; ') } : {}) });
    }
  }
  return rows;
}

/** True when a row that ran failed (a skipped part is not a failure). */
export function scaleBenchFailed(report: ScaleBenchReport): boolean {
  return report.rows.some((row) => row.failure !== undefined);
}

/** The CPU of every role of a call, µs: what a core budget has to cover. */
export function totalCpu(figures: Figures): number | undefined {
  const parts = ['cpu.runtime', 'cpu.gateway', 'cpu.haproxy', 'cpu.postgres', 'cpu.redis'].map((key) => figures[key]).filter((v): v is number => v !== undefined);
  return parts.length === 0 ? undefined : parts.reduce((a, b) => a + b, 0);
}

/** Through two gateways on this 2-core host, one run, when the fleet path's rework began: the ratio's fixed denominator. */
const FILED_GATEWAY_FLEET_RPS = { sendmessage: 346, streaming: 242 } as const;

const SCENARIO_TITLES: Readonly<Record<string, string>> = { sendmessage: 'SendMessage', streaming: 'SendStreamingMessage' };

function fixed(value: number | undefined, digits = 0): string {
  return value === undefined ? '-' : value.toFixed(digits);
}

/** The commands that make up most of a row's Redis traffic per task, largest first. */
function topCommands(figures: Figures, count = 4): string {
  const commands = Object.entries(figures)
    .filter(([key]) => key.startsWith('redis.cmd.'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, count);
  return commands.length === 0 ? '-' : commands.map(([key, value]) => `${key.slice('redis.cmd.'.length)} ${value.toFixed(1)}`).join(', ');
}

/** Two tables (throughput and CPU per call by role; per task on PostgreSQL and Redis), the ratios, and the rows' failures. */
export function formatScaleBench(report: ScaleBenchReport): string[] {
  if (report.skipped !== undefined) return ['== Scale: PostgreSQL + Redis ==', `skipped: ${report.skipped}`];
  const lines = [
    `== Scale: PostgreSQL + Redis (${report.rounds === 1 ? 'one round' : `median of ${report.rounds} rounds`}, ${report.durationS} s per row after ${report.warmupS} s warm-up, ${report.connections} connections) ==`,
  ];
  const cpuRows: string[][] = [];
  const dbRows: string[][] = [];
  for (const scenario of ['sendmessage', 'streaming'] as const) {
    const rows = report.rows.filter((row) => row.scenario === scenario);
    if (rows.length === 0) continue;
    cpuRows.push([SCENARIO_TITLES[scenario]!, '', '', '', '', '', '', '', '', '', '']);
    for (const { setup, figures: f, failure } of rows) {
      const name = `  ${SETUP_LABELS[setup]}`;
      if (failure !== undefined && f['req/s'] === undefined) {
        cpuRows.push([name, 'FAILED', '', '', '', '', '', '', '', '', '']);
        continue;
      }
      cpuRows.push([name, fixed(f['req/s']), fixed(f['p50'], 1), fixed(f['p99'], 1), fixed(f['errors']), fixed(f['cpu.runtime']), fixed(f['cpu.gateway']), fixed(f['cpu.haproxy']), fixed(f['cpu.postgres']), fixed(f['cpu.redis']), fixed(totalCpu(f))]);
      if (setup === 'sdk' || setup === 'sqlite' || setup === 'gateway-sqlite') continue;
      dbRows.push([
        `${SCENARIO_TITLES[scenario]}: ${SETUP_LABELS[setup]}`,
        fixed(f['pg.statements.runtime'], 1),
        fixed(f['pg.statements.gateway'], 1),
        fixed(f['pg.transactions.runtime'], 2),
        fixed(f['pg.transactions.gateway'], 2),
        fixed(f['pg.wal.db']),
        fixed(f['pg.wal']),
        fixed(f['redis.commands.runtime'], 1),
        fixed(f['redis.commands.gateway'], 1),
        fixed(f['redis.server'], 1),
        topCommands(f),
      ]);
    }
  }
  const lowest: string[][] = [];
  if (report.rounds > 1) {
    for (const { scenario, setup, figures: f } of report.rows) {
      if (f['cpu.runtime.min'] === undefined) continue;
      const min = (role: string) => f[`cpu.${role}.min`];
      lowest.push([`${SCENARIO_TITLES[scenario]}: ${SETUP_LABELS[setup]}`, fixed(min('runtime')), fixed(min('gateway')), fixed(min('haproxy')), fixed(min('postgres')), fixed(min('redis'))]);
    }
  }
  lines.push(
    'Throughput and CPU per call by role (µs; runtime and gateway: their processes, summed over replicas, the SPOE row\'s gateway its',
    "policy agents; haproxy: the HAProxy fronts' processes; postgres: the client backends of the bench's database, autovacuum apart in",
    "the JSON; redis: the server, server-wide). p50/p99 over two replicas: the higher of the two load generators'.",
    formatTable(['setup', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'runtime', 'gateway', 'haproxy', 'postgres', 'redis', 'total'], cpuRows),
    ...(lowest.length === 0 ? [] : ['', "Lowest CPU per call over the rounds, µs (other load only adds to a call's cost):", formatTable(['setup', 'runtime', 'gateway', 'haproxy', 'postgres', 'redis'], lowest)]),
    '',
    'Per task: PostgreSQL round trips (statements) and transactions sent by each role, WAL bytes (this database / the whole cluster),',
    'Redis commands sent by each role, the server\'s count (server-wide) and its largest commands.',
    formatTable(['setup', 'PG rt runtime', 'PG rt gateway', 'tx runtime', 'tx gateway', 'WAL B db', 'WAL B cluster', 'Redis runtime', 'Redis gateway', 'Redis server', 'largest (per task)'], dbRows),
  );
  if (report.diskBytesPerTask !== undefined) lines.push(`On disk: ${report.diskBytesPerTask.toFixed(0)} B per task stored (the database's growth over the part ÷ the tasks it stored; tables and indexes, no WAL)`);
  if (!report.walByDatabase) lines.push('WAL B db: n/a (pg_walinspect could not be created: the cluster figure includes every other session\'s writes)');
  const find = (scenario: ScenarioName, setup: ScaleSetup) => report.rows.find((row) => row.scenario === scenario && row.setup === setup && row.failure === undefined)?.figures;
  for (const scenario of ['sendmessage', 'streaming'] as const) {
    // A call not measured in this run (`--scale-calls`) has no ratios to print, not a line of n/a.
    if (!report.rows.some((row) => row.scenario === scenario)) continue;
    const [sqlite, one, two, gateways, jwt, spoe] = (['sqlite', 'pg-1', 'pg-2', 'gateway-2', 'haproxy-jwt-2', 'spoe-2'] as const).map((setup) => find(scenario, setup));
    const ratio = (a: Figures | undefined, b: Figures | undefined, key: string) => (a?.[key] !== undefined && b?.[key] !== undefined && b[key] > 0 ? `${(a[key] / b[key]).toFixed(2)}×` : 'n/a');
    lines.push(
      `${SCENARIO_TITLES[scenario]}: PostgreSQL+Redis ÷ SQLite: ${ratio(one, sqlite, 'req/s')} req/s, ${ratio(one, sqlite, 'cpu.runtime')} runtime CPU/call; ` +
        `2 runtimes ÷ 1: ${ratio(two, one, 'req/s')} req/s; through 2 gateways ÷ direct to 2 runtimes: ${ratio(gateways, two, 'req/s')} req/s` +
        // The fleet's anchor: the same ratio with HAProxy checking the token as the front, and the gateways' over it.
        (jwt === undefined
          ? ''
          : `; through 2 HAProxy JWT fronts ÷ direct: ${ratio(jwt, two, 'req/s')} req/s (HAProxy CPU/call ${fixed(jwt['cpu.haproxy'])}, runtime ${fixed(jwt['cpu.runtime'])}, postgres ${fixed(jwt['cpu.postgres'])}); ` +
            `2 gateways ÷ 2 HAProxy JWT fronts: ${ratio(gateways, jwt, 'req/s')} req/s, ${gateways?.['cpu.gateway'] !== undefined && jwt['cpu.haproxy'] ? `${(gateways['cpu.gateway'] / jwt['cpu.haproxy']).toFixed(2)}×` : 'n/a'} front CPU/call`) +
        (spoe === undefined ? '' : `; through 2 HAProxy + SPOE fronts ÷ direct: ${ratio(spoe, two, 'req/s')} req/s (front CPU/call ${fixed((spoe['cpu.gateway'] ?? 0) + (spoe['cpu.haproxy'] ?? 0))}: agents ${fixed(spoe['cpu.gateway'])}, HAProxy ${fixed(spoe['cpu.haproxy'])})`),
    );
  }
  lines.push(...acceptanceLines(report));
  for (const row of report.rows) if (row.failure !== undefined) lines.push(`! ${SCENARIO_TITLES[row.scenario]} ${SETUP_LABELS[row.setup]}: ${row.failure}`);
  return lines;
}

/**
 * The ratios the runtime on PostgreSQL is held to, each within this run
 * (ADR 0022): its req/s over the pgbench anchor's tx/s, its CPU per call over
 * the SQLite runtime's, its round trips and commits per task.
 */
export function acceptanceLines(report: ScaleBenchReport): string[] {
  const anchor = report.pgbench;
  if (anchor === undefined) return [];
  if ('failure' in anchor) return [`pgbench anchor: not measured (${anchor.failure})`];
  const lines = [`pgbench anchor (one task row + three event rows per transaction, ${report.connections} clients): ${anchor.tps.toFixed(0)} tx/s${anchor.rounds.length > 1 ? ` (median of ${anchor.rounds.map((t) => t.toFixed(0)).join(', ')})` : ''}`];
  for (const scenario of ['sendmessage', 'streaming'] as const) {
    const of = (setup: ScaleSetup) => report.rows.find((row) => row.scenario === scenario && row.setup === setup && row.failure === undefined)?.figures;
    const [sqlite, one] = [of('sqlite'), of('pg-1')];
    if (one === undefined) continue;
    const share = one['req/s'] === undefined ? 'n/a' : `${(one['req/s'] / anchor.tps).toFixed(2)}×`;
    const cpu = one['cpu.runtime'] !== undefined && sqlite?.['cpu.runtime'] ? `${(one['cpu.runtime'] / sqlite['cpu.runtime']).toFixed(2)}×` : 'n/a';
    lines.push(
      `${SCENARIO_TITLES[scenario]}, runtime ×1 on PostgreSQL: ${share} the pgbench anchor (target ≥ 0.3×), runtime CPU/call ${cpu} SQLite's (≤ 2.5×), ` +
        `${fixed(one['pg.statements.runtime'], 2)} round trips (≤ 1.5) and ${fixed(one['pg.transactions.runtime'], 2)} commits (≤ 0.25) per task`,
    );
  }
  for (const scenario of ['sendmessage', 'streaming'] as const) {
    const of = (setup: ScaleSetup) => report.rows.find((row) => row.scenario === scenario && row.setup === setup && row.failure === undefined)?.figures;
    const [embedded, fleet] = [of('gateway-sqlite'), of('gateway-2')];
    if (fleet === undefined) continue;
    const cpu = fleet['cpu.gateway'] !== undefined && embedded?.['cpu.gateway'] ? `${(fleet['cpu.gateway'] / embedded['cpu.gateway']).toFixed(2)}×` : 'n/a';
    const redis = (fleet['redis.commands.gateway'] ?? 0) + (fleet['redis.commands.runtime'] ?? 0);
    lines.push(
      `${SCENARIO_TITLES[scenario]}, gateway ×2 → runtime ×2 on PostgreSQL + Redis: ${fixed(fleet['req/s'])} req/s (${fixed((fleet['req/s'] ?? 0) / FILED_GATEWAY_FLEET_RPS[scenario], 2)}× the ${FILED_GATEWAY_FLEET_RPS[scenario]} req/s measured before the fleet path was reworked; target 5× for SendMessage), ` +
        `gateway CPU/call ${cpu} its SQLite figure in this run (≤ 3×), ${redis.toFixed(1)} Redis commands sent per call (≤ 4; the server counts ${fixed(fleet['redis.server'], 1)} with the script's own), ` +
        `${fixed(fleet['pg.transactions.gateway'], 2)} gateway commits per call (≤ 0.2 for a streamed call)`,
    );
  }
  return lines;
}
