/**
 * The current table of docs/benchmarks.md (bench/figures/): what it says
 * for a run's results, how a later run's figures replace the kept ones,
 * that it says why a figure or its anchor is missing, and that rewriting it
 * leaves the rest of the page alone.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { figuresOfRun } from '../../../bench/figures/figures-of-run.js';
import { figuresTable, TABLE_END, TABLE_START, withFiguresTable } from '../../../bench/figures/figures-table.js';
import { mergeRun, NO_FIGURES } from '../../../bench/figures/kept-figures.js';
import type { ScaleBenchReport } from '../../../bench/scale/scale-report.js';
import { benchResults, gatewayOf, loadOf, scenarioOf } from '../../helpers/bench-results.js';

const FIRST = benchResults({
  startedAt: '2026-11-28T04:41:07.000Z',
  command: 'npm run bench -- --only sendmessage,gateway --rounds 3',
  parts: {
    scenarios: [
      scenarioOf('sendmessage', {
        a: loadOf({ requestsPerSec: 32_000, p99Ms: 3, cpu: 22 }),
        b: loadOf({ requestsPerSec: 2_900, p99Ms: 35, cpu: 367 }),
        c: loadOf({ requestsPerSec: 9_630, p99Ms: 10, cpu: 106 }),
      }),
    ],
    gateway: gatewayOf(
      {
        direct: { rps: 6_000, p50: 0.37 },
        'bare-relay': { rps: 4_000, p50: 0.5, cpu: 56 },
        'haproxy-jwt': { rps: 4_200, p50: 0.72, cpu: 87 },
        gateway: { rps: 3_660, p50: 0.809, cpu: 102 },
      },
      [{ target: 'nginx', reason: 'nginx not found (PATH, /usr/sbin, /usr/local/sbin, /sbin): sudo apt-get install nginx' }],
    ),
  },
});

const tableOf = (...runs: ReturnType<typeof benchResults>[]): string[] => figuresTable(runs.reduce((kept, run) => mergeRun(kept, figuresOfRun(run)), NO_FIGURES));

describe('the table of one run', () => {
  const table = tableOf(FIRST);

  test('puts each figure beside its anchor from the same run, the ratio and the goal', () => {
    for (const row of [
      '| **SendMessage, embedded runtime** | | | | | | |',
      '| SendMessage: CPU per call, runtime on SQLite | 106 µs | `@a2a-js/sdk` server, tasks in memory | 367 µs | 0.29× |  | [1] |',
      '| SendMessage: calls a second | 9,630/s | `@a2a-js/sdk` server, tasks in memory | 2,900/s | 3.32× | ≥ 3×: met | [1] |',
      '| SendMessage: p99 latency under load | 10.0 ms | `@a2a-js/sdk` server, tasks in memory | 35.0 ms | 0.29× | < 1×: met | [1] |',
      '| SendMessage: calls a second, against the raw HTTP ceiling | 9,630/s | bare `node:http` answering fixed bytes | 32,000/s | 0.30× |  | [1] |',
      '| Gateway, every policy on: CPU per call in front of the runtime | 102 µs | HAProxy verifying the JWT, rate limit | 87 µs | 1.17× | ≤ 1.2×: met | [1] |',
      '| Gateway: CPU per call | 102 µs | bare relay (`node:http` + undici, nothing checked) | 56 µs | 1.82× | ≤ 2×: met | [1] |',
      '| Gateway: calls a second | 3,660/s | the runtime called directly | 6,000/s | 0.61× | ≥ 0.5×: met | [1] |',
      '| Gateway: p50 added to a lone call | 0.439 ms | HAProxy verifying the JWT, its p50 added | 0.350 ms | 1.25× | ≤ 0.5 ms: met | [1] |',
    ]) {
      assert.ok(table.includes(row), `missing row:\n${row}\nin:\n${table.join('\n')}`);
    }
  });

  test('says why an anchor is missing, in its own cell, with no ratio', () => {
    assert.ok(table.includes('| Gateway: CPU per call | 102 µs | nginx as a plain relay | *nginx not found (PATH, /usr/sbin, /usr/local/sbin, /sbin)* |  |  | [1] |'), table.join('\n'));
  });

  test('names the run: date, command, host and load', () => {
    assert.ok(table.includes('1. 2026-11-28 04:41 UTC: `npm run bench -- --only sendmessage,gateway --rounds 3`; Intel(R) Xeon(R) Processor @ 2.10GHz (2 cores), Node v24.21.0, linux-x64; load average 1.10 at the start, 2.30 at the end.'), table.join('\n'));
  });

  test('says how to measure a part no run has measured, and where the journal last recorded it', () => {
    assert.ok(
      table.includes(
        '| **Registry**: no run kept yet; `npm run bench -- --only registry` measures it; last recorded by hand in [Registry writers and a new gateway (2026-11-26)](perf-journal/registry.md#registry-writers-and-a-new-gateway---only-registry-2-cores-2026-11-26-loaded-host) | | | | | | |',
      ),
      table.join('\n'),
    );
  });

  test('prints no placeholder for what it does not know', () => {
    const text = table.join('\n');
    for (const noise of ['n/a', 'NaN', 'undefined', 'Infinity', 'null']) assert.ok(!text.includes(noise), `"${noise}" in:\n${text}`);
  });

  test('judges a goal that is not met as such', () => {
    const loaded = benchResults({
      startedAt: '2026-11-28T06:00:00.000Z',
      command: 'npm run bench -- --only gateway',
      parts: { gateway: gatewayOf({ direct: { rps: 6_000, p50: 0.37 }, 'haproxy-jwt': { rps: 4_200, p50: 0.72, cpu: 87 }, gateway: { rps: 2_000, p50: 1.2, cpu: 140 } }) },
    });
    const rows = tableOf(loaded);
    assert.ok(rows.includes('| Gateway, every policy on: CPU per call in front of the runtime | 140 µs | HAProxy verifying the JWT, rate limit | 87 µs | 1.61× | ≤ 1.2×: **not met** | [1] |'), rows.join('\n'));
    assert.ok(rows.includes('| Gateway: p50 added to a lone call | 0.830 ms | HAProxy verifying the JWT, its p50 added | 0.350 ms | 2.37× | ≤ 0.5 ms: **not met** | [1] |'), rows.join('\n'));
  });
});

describe('the scale part', () => {
  const scale = (report: Partial<ScaleBenchReport>): ScaleBenchReport => ({ rounds: 1, durationS: 3, warmupS: 3, connections: 50, walByDatabase: true, rows: [], roundRows: [], ...report });
  const run = (report: ScaleBenchReport) => benchResults({ startedAt: '2026-11-28T05:00:00.000Z', command: 'npm run bench -- --only scale', parts: { scale: report } });

  test('reads the runtime on PostgreSQL against pgbench and against itself on SQLite, and says which fleet rows the run left out', () => {
    const table = tableOf(
      run(
        scale({
          pgbench: { tps: 2_500, rounds: [2_500] },
          rows: [
            { scenario: 'sendmessage', setup: 'sqlite', figures: { 'req/s': 6_000, 'cpu.runtime': 120 } },
            { scenario: 'sendmessage', setup: 'pg-1', figures: { 'req/s': 1_000, 'cpu.runtime': 240 } },
          ],
        }),
      ),
    );
    assert.ok(table.includes("| Runtime ×1 on PostgreSQL + Redis: SendMessage calls a second | 1,000/s | `pgbench` committing a call's rows, transactions a second | 2,500/s | 0.40× | ≥ 0.3×: met | [1] |"), table.join('\n'));
    assert.ok(table.includes('| Runtime ×1 on PostgreSQL + Redis: CPU per call | 240 µs | runtime ×1 on SQLite | 120 µs | 2.00× | ≤ 2.5×: met | [1] |'), table.join('\n'));
    assert.ok(
      table.includes('| Fleet, gateway ×2 → runtime ×2: SendMessage calls a second | *not in this run (`--scale-setups`, `--scale-calls`)* | HAProxy JWT ×2 → the same runtimes | *not in this run (no haproxy, or `--scale-setups`)* |  |  | [1] |'),
      table.join('\n'),
    );
  });

  test('skipped, says why in every figure', () => {
    const table = tableOf(run(scale({ skipped: 'PostgreSQL not reachable at postgres://127.0.0.1:5432/test: connect ECONNREFUSED (set BENCH_DATABASE_URL)' })));
    const rows = table.filter((line) => line.startsWith('| Runtime ×1') || line.startsWith('| Fleet'));
    assert.equal(rows.length, 7);
    for (const row of rows) assert.ok(row.includes('*skipped: PostgreSQL not reachable at postgres://127.0.0.1:5432/test*'), row);
  });
});

describe('a later run', () => {
  const onlyAgentmesh = benchResults({
    startedAt: '2026-11-29T10:00:00.000Z',
    command: 'npm run bench -- --only sendmessage --targets c',
    parts: { scenarios: [scenarioOf('sendmessage', { c: loadOf({ requestsPerSec: 9_000, p99Ms: 12, cpu: 99 }) })] },
  });
  const withErrors = benchResults({
    startedAt: '2026-11-29T11:00:00.000Z',
    command: 'npm run bench -- --only sendmessage --targets b,c',
    parts: { scenarios: [scenarioOf('sendmessage', { b: loadOf({ requestsPerSec: 2_800, p99Ms: 36, cpu: 370 }), c: loadOf({ requestsPerSec: 9_100, p99Ms: 11, cpu: 98, errors: 3 }) })] },
  });
  const sdkAndAgentmesh = benchResults({
    startedAt: '2026-11-30T08:15:00.000Z',
    command: 'npm run bench -- --only sendmessage --targets b,c --rounds 3',
    load: [0.4, 1.9],
    parts: { scenarios: [scenarioOf('sendmessage', { b: loadOf({ requestsPerSec: 3_000, p99Ms: 30, cpu: 350 }), c: loadOf({ requestsPerSec: 10_500, p99Ms: 9, cpu: 95 }) })] },
  });

  test('without the anchor, or with errors, leaves the kept figure as it was', () => {
    assert.deepEqual(tableOf(FIRST, onlyAgentmesh, withErrors), tableOf(FIRST));
  });

  test('with both sides replaces the figures it measured, and only those', () => {
    const table = tableOf(FIRST, onlyAgentmesh, sdkAndAgentmesh);
    assert.ok(table.includes('| SendMessage: CPU per call, runtime on SQLite | 95 µs | `@a2a-js/sdk` server, tasks in memory | 350 µs | 0.27× |  | [1] |'), table.join('\n'));
    // No bare node:http in the later run: the raw-ceiling ratio stays the first run's, and says so.
    assert.ok(table.includes('| SendMessage: calls a second, against the raw HTTP ceiling | 9,630/s | bare `node:http` answering fixed bytes | 32,000/s | 0.30× |  | [2] |'), table.join('\n'));
    assert.ok(table.includes('| Gateway: calls a second | 3,660/s | the runtime called directly | 6,000/s | 0.61× | ≥ 0.5×: met | [2] |'), table.join('\n'));
    const runs = table.filter((line) => /^\d+\. /.test(line));
    assert.deepEqual(
      runs.map((line) => line.slice(0, 25)),
      ['1. 2026-11-30 08:15 UTC: ', '2. 2026-11-28 04:41 UTC: '],
      'the runs the figures come from, newest first; the run no figure comes from is gone',
    );
  });

  test('that is older than the kept figure does not replace it', () => {
    assert.deepEqual(tableOf(sdkAndAgentmesh, FIRST).filter((line) => line.startsWith('| SendMessage: CPU')), tableOf(sdkAndAgentmesh).filter((line) => line.startsWith('| SendMessage: CPU')));
  });
});

describe('the orchestrator rows', () => {
  const run = benchResults({
    startedAt: '2026-11-28T19:00:00.000Z',
    command: 'npm run bench -- --only orchestrator',
    parts: {
      orchestrator: {
        instances: 2,
        steps: [
          {
            path: 'direct',
            steps: 1_000,
            repetitions: 2,
            anchorMs: 1_500,
            workflowMs: 2_400,
            orchestratorCpuMs: 2_000,
            lengths: [
              // Forty 250-step runs and one 10,000-step run: figures per step over every run of a length.
              { steps: 250, workflows: 40, anchorMs: 15_000, workflowMs: 20_000, orchestratorCpuMs: 18_000 },
              { steps: 10_000, workflows: 1, anchorMs: 15_000, workflowMs: 21_000, orchestratorCpuMs: 19_500 },
            ],
          },
        ],
        maps: [
          { mode: 'batch', items: 10_000, batchSize: 100, concurrency: 16, instances: 2, rounds: 2, anchorMs: 2_000, workflowMs: 2_500, orchestratorPeakRssMb: 200, orchestratorLiveHeapMb: 40 },
          { mode: 'batch', items: 100_000, batchSize: 100, concurrency: 16, instances: 2, rounds: 2, anchorMs: 20_000, workflowMs: 25_000, orchestratorPeakRssMb: 250, orchestratorLiveHeapMb: 44 },
          { mode: 'batch', items: 100_000, batchSize: 100, concurrency: 16, instances: 2, rounds: 2, fleet: true, failure: 'PostgreSQL refused the connection' },
        ],
      },
    },
  });
  const table = tableOf(run);

  test('give each run length beside its direct calls, and the longest run against the shortest', () => {
    for (const row of [
      '| Orchestrator: a step of a 250-step run | 2.0 ms | as many direct calls, one at a time | 1.5 ms | 1.33× |  | [1] |',
      '| Orchestrator: a step of a 10,000-step run | 2.1 ms | as many direct calls, one at a time | 1.5 ms | 1.40× |  | [1] |',
      '| Orchestrator: CPU per step of a 10,000-step run | 1.9 ms | the same in 250-step runs | 1.8 ms | 1.08× | ≤ 1.1×: met | [1] |',
      '| Orchestrator: a 100,000-item map (batches of 100, SQLite), items a second | 8,000/s | a plain loop sending the same batches | 10,000/s | 0.80× | ≥ 0.8×: met | [1] |',
      '| Orchestrator: peak resident set over a 100,000-item map (SQLite) | 262 MB | the same over a 10,000-item map | 210 MB | 1.25× |  | [1] |',
      '| Orchestrator: live heap (after a full collection) over a 100,000-item map (SQLite) | 46 MB | the same over a 10,000-item map | 42 MB | 1.10× |  | [1] |',
    ]) {
      assert.ok(table.includes(row), `missing row:\n${row}\nin:\n${table.join('\n')}`);
    }
  });

  test('say why a length or a map is missing', () => {
    assert.ok(table.some((line) => line.startsWith('| Orchestrator: a step of a 1,000-step run | *not in this run* |')), table.join('\n'));
    assert.ok(table.some((line) => line.startsWith('| Orchestrator: a 100,000-item map on PostgreSQL + Redis, items a second | *failed: PostgreSQL refused the connection* |')), table.join('\n'));
  });
});

describe('the page', () => {
  const page = ['# Benchmarks', '', 'Prose before.', '', TABLE_START, 'an old table', TABLE_END, '', '## After', '', 'Prose after.', ''].join('\n');

  test('gets the table between its markers and keeps the rest byte for byte', () => {
    const written = withFiguresTable(page, tableOf(FIRST));
    const before = page.slice(0, page.indexOf(TABLE_START));
    const after = page.slice(page.indexOf(TABLE_END) + TABLE_END.length);
    assert.ok(written.startsWith(before + TABLE_START));
    assert.ok(written.endsWith(TABLE_END + after));
    assert.ok(!written.includes('an old table'));
    assert.equal(withFiguresTable(written, tableOf(FIRST)), written, 'writing the same table again changes nothing');
  });

  test('without exactly one pair of markers is refused, not written half', () => {
    assert.throws(() => withFiguresTable('# Benchmarks\n', []), /exactly one/);
    assert.throws(() => withFiguresTable(`${TABLE_END}\n${TABLE_START}\n`, []), /exactly one/);
    assert.throws(() => withFiguresTable(`${page}\n${TABLE_START}\n${TABLE_END}\n`, []), /exactly one/);
  });
});

test('a file that is not a results file is refused, naming what is wrong', () => {
  assert.throws(() => figuresOfRun({ ...FIRST, startedAt: 1 }), /not a results file of npm run bench[\s\S]*startedAt/);
  assert.throws(() => figuresOfRun({ ...FIRST, gateway: { rows: 'none' } }), /gateway/);
});
