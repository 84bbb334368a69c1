/**
 * The parseable pieces of the scale bench (`npm run bench -- --only scale`):
 * the servers' counters it reads, the per-task figures it derives from two
 * samples, the medians over rounds, and its options.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBenchOptions } from '../../../bench/bench-options.js';
import { opensTransaction, statementText } from '../../../bench/scale/call-counters.js';
import { sharedFigures, type Snapshot } from '../../../bench/scale/scale-bench.js';
import { acceptanceLines, formatScaleBench, medianFigures, summarizeScaleRounds, totalCpu, type ScaleRow } from '../../../bench/scale/scale-report.js';
import { parsePgbenchOutput } from '../../../bench/scale/pgbench-anchor.js';
import { commandStatsDelta, cpuDelta, foldStatement, lsnToBytes, parseCommandStats, parseSchedstat, parseUsedCpuMicros } from '../../../bench/scale/service-stats.js';

const COMMANDSTATS = [
  '# Commandstats',
  'cmdstat_info:calls=92,usec=3717,usec_per_call=40.40,rejected_calls=0,failed_calls=0',
  'cmdstat_xread:calls=38676,usec=394594,usec_per_call=10.20,rejected_calls=0,failed_calls=0',
  'cmdstat_client|setname:calls=4,usec=9,usec_per_call=2.25,rejected_calls=0,failed_calls=0',
  'cmdstat_evalsha:calls=8232,usec=92887,usec_per_call=11.28,rejected_calls=0,failed_calls=0',
  '',
].join('\r\n');

describe('Redis INFO parsing', () => {
  test('reads the calls of every command, subcommands by their full name', () => {
    assert.deepEqual(
      [...parseCommandStats(COMMANDSTATS)],
      [
        ['info', 92],
        ['xread', 38676],
        ['client|setname', 4],
        ['evalsha', 8232],
      ],
    );
  });

  test('the delta keeps the commands that were called, and a reset counter reads as a fresh start', () => {
    const before = new Map([
      ['xread', 100],
      ['evalsha', 50],
      ['xadd', 7],
    ]);
    const after = new Map([
      ['xread', 130],
      ['evalsha', 50],
      ['xadd', 3],
      ['incrby', 2],
    ]);
    assert.deepEqual(Object.fromEntries(commandStatsDelta(before, after)), { xread: 30, xadd: 3, incrby: 2 });
  });

  test("the server's CPU is used_cpu_sys + used_cpu_user, in µs", () => {
    const info = '# CPU\r\nused_cpu_sys:3.362127\r\nused_cpu_user:3.765088\r\nused_cpu_sys_children:9.000000\r\nused_cpu_user_children:9.000000\r\n';
    assert.equal(parseUsedCpuMicros(info), 7_127_215);
  });

  test('an INFO answer without the CPU fields is an error that names the field', () => {
    assert.throws(() => parseUsedCpuMicros('# CPU\r\n'), /used_cpu_sys/);
  });
});

describe('PostgreSQL figures', () => {
  test('an LSN is the high and low 32 bits in hex', () => {
    assert.equal(lsnToBytes('0/1D745B0'), 0x1d745b0);
    assert.equal(lsnToBytes('16/B374D848'), 0x16 * 2 ** 32 + 0xb374d848);
    assert.equal(lsnToBytes('16/B374D848') - lsnToBytes('16/B374D000'), 0x848);
  });

  test('statements that differ only in their ARRAY[…] and VALUES lists fold into one', () => {
    const lookup = (n: number) => `SELECT (r.task).*, r.ord FROM agentmesh_find_tasks_by_message($1, ARRAY[${Array.from({ length: n }, (_, i) => `$${i + 2}`).join(', ')}]::int[]) r`;
    assert.equal(foldStatement(lookup(1)), foldStatement(lookup(7)));
    assert.equal(foldStatement("insert into audit_log (seq, time)\n  values ('a', 1), ('b', 2)"), 'insert into audit_log (seq, time) values …');
    assert.notEqual(foldStatement('select 1 from credit_balances'), foldStatement('select 1 from credit_reservations'));
  });

  test("a backend's schedstat: its CPU nanoseconds and the slices it ran; anything else is unread", () => {
    assert.deepEqual(parseSchedstat('123456789 2000 42\n'), { cpuNs: 123456789, slices: 42 });
    assert.equal(parseSchedstat(''), undefined);
    assert.equal(parseSchedstat('12 34'), undefined);
  });

  test('a string that is not an LSN is refused', () => {
    assert.throws(() => lsnToBytes('B374D848'), /not a PostgreSQL LSN/);
  });

  test("backends' CPU: their growth, a new connection from zero, a closed one left out", () => {
    const before = new Map([
      [10, 1000],
      [11, 500],
      [12, 800],
    ]);
    const after = new Map([
      [10, 1600],
      [11, 500],
      [13, 250],
    ]);
    assert.equal(cpuDelta(before, after), 600 + 0 + 250);
  });

  test('statements are counted in both of pg\'s call forms, and begin / start transaction open a transaction', () => {
    assert.equal(statementText('select 1'), 'select 1');
    assert.equal(statementText({ text: 'begin', values: [] }), 'begin');
    assert.equal(statementText(undefined), undefined);
    assert.equal(opensTransaction('begin'), true);
    assert.equal(opensTransaction('  START TRANSACTION ISOLATION LEVEL SERIALIZABLE'), true);
    assert.equal(opensTransaction('insert into "tasks" ("begin") values ($1)'), false);
    assert.equal(opensTransaction('beginning'), false);
    assert.equal(opensTransaction(undefined), false);
  });
});

function stats(micros: number, pgStatements: number, pgTransactions: number, redisCommands: number) {
  return { micros, pgStatements, pgTransactions, redisCommands };
}

describe('per-task figures of a loaded window', () => {
  const before: Snapshot = {
    runtimes: [stats(1_000, 10, 2, 5), stats(2_000, 20, 4, 6)],
    gateways: [stats(5_000, 1, 0, 9), stats(6_000, 1, 0, 9)],
    postgres: { lsn: '0/1000', backends: new Map([[1, 100]]), autovacuum: new Map() },
    redis: { commands: new Map([['xadd', 10], ['info', 3]]), cpuMicros: 50 },
  };
  const after: Snapshot = {
    runtimes: [stats(201_000, 1_010, 202, 305), stats(102_000, 520, 104, 156)],
    gateways: [stats(9_000, 1, 0, 9), stats(6_500, 1, 0, 9)],
    postgres: { lsn: '0/2000', backends: new Map([[1, 100_100], [2, 50_000]]), autovacuum: new Map([[7, 30_000]]) },
    redis: { commands: new Map([['xadd', 310], ['xread', 600], ['info', 9], ['ping', 1]]), cpuMicros: 15_050 },
  };

  test('divides each role\'s deltas by the tasks and leaves out the roles the row did not load', () => {
    const figures = sharedFigures({ before, after, used: { runtimes: 2, gateways: 0 }, tasks: 300, wal: { cluster: 0x1000, database: 3_000 } });
    assert.equal(figures['cpu.runtime'], 1_000);
    assert.equal(figures['pg.statements.runtime'], 5);
    assert.equal(figures['pg.transactions.runtime'], 1);
    assert.equal(figures['redis.commands.runtime'], 1.5);
    assert.equal(figures['balance.runtime'], 0.5);
    assert.equal(figures['cpu.gateway'], undefined);
    assert.equal(figures['cpu.postgres'], 500);
    assert.equal(figures['cpu.autovacuum'], 100);
    assert.equal(figures['cpu.redis'], 50);
    assert.equal(figures['pg.wal'], 4096 / 300);
    assert.equal(figures['pg.wal.db'], 10);
  });

  test("the SPOE fronts' row counts HAProxy's CPU apart from the policy agents' processes", () => {
    const figures = sharedFigures({ before: { ...before, haproxy: 1_000 }, after: { ...after, haproxy: 31_000 }, used: { runtimes: 2, gateways: 2, haproxy: true }, tasks: 300, wal: { cluster: 0 } });
    assert.equal(figures['cpu.haproxy'], 100);
    assert.equal(figures['cpu.gateway'], (4_000 + 500) / 300);
    assert.equal(sharedFigures({ before, after, used: { runtimes: 2, gateways: 2 }, tasks: 300, wal: { cluster: 0 } })['cpu.haproxy'], undefined);
  });

  test("counts the Redis server's commands without the bench's own INFO, and drops the rare ones from the breakdown", () => {
    const figures = sharedFigures({ before, after, used: { runtimes: 1, gateways: 0 }, tasks: 300, wal: { cluster: 0 } });
    assert.equal(figures['redis.server'], (300 + 600 + 1) / 300);
    assert.equal(figures['redis.cmd.xadd'], 1);
    assert.equal(figures['redis.cmd.xread'], 2);
    assert.equal(figures['redis.cmd.ping'], undefined);
    assert.equal(figures['redis.cmd.info'], undefined);
    assert.equal(figures['pg.wal.db'], undefined);
    assert.equal(figures['cpu.runtime'], 200_000 / 300);
  });
});

describe('rounds and rendering', () => {
  const row = (setup: ScaleRow['setup'], figures: Record<string, number>, failure?: string): ScaleRow => ({ scenario: 'sendmessage', setup, figures, ...(failure ? { failure } : {}) });

  test('takes the median of each figure over the clean rounds, sums requests and errors, and keeps the lowest CPU', () => {
    assert.deepEqual(medianFigures([{ 'req/s': 100, requests: 300, 'cpu.runtime': 9 }, { 'req/s': 300, requests: 900 }, { 'req/s': 200, requests: 600, 'cpu.runtime': 7 }]), {
      'req/s': 200,
      requests: 1800,
      'cpu.runtime': 8,
      'cpu.runtime.min': 7,
    });
    const rows = summarizeScaleRounds([[row('pg-1', { 'req/s': 100 })], [row('pg-1', { 'req/s': 900 }, '3 errors')], [row('pg-1', { 'req/s': 300 })]]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.figures['req/s'], 200);
    assert.equal(rows[0]!.failure, '3 errors');
  });

  test('the total CPU of a call is the sum of the roles measured', () => {
    assert.equal(totalCpu({ 'cpu.runtime': 100, 'cpu.postgres': 50, 'cpu.redis': 5 }), 155);
    assert.equal(totalCpu({ 'req/s': 1 }), undefined);
  });

  test('ratios are printed for the calls the run measured only', () => {
    const row = (setup: ScaleRow['setup'], rps: number): ScaleRow => ({ scenario: 'sendmessage', setup, figures: { 'req/s': rps, 'cpu.runtime': 100 } });
    const lines = formatScaleBench({ rounds: 1, durationS: 3, warmupS: 1, connections: 50, walByDatabase: true, rows: [row('pg-2', 6000), row('gateway-2', 3000)], roundRows: [] });
    const ratios = lines.filter((line) => line.includes('through 2 gateways ÷ direct'));
    assert.equal(ratios.length, 1, ratios.join('\n'));
    assert.match(ratios[0]!, /^SendMessage: .*through 2 gateways ÷ direct to 2 runtimes: 0\.50× req\/s/);
  });

  test('a skipped part says why in one line', () => {
    const lines = formatScaleBench({ skipped: 'Redis not reachable at redis://127.0.0.1:1', rounds: 1, durationS: 3, warmupS: 1, connections: 50, walByDatabase: false, rows: [], roundRows: [] });
    assert.deepEqual(lines, ['== Scale: PostgreSQL + Redis ==', 'skipped: Redis not reachable at redis://127.0.0.1:1']);
  });
});

describe('scale options', () => {
  test('rows are short unless --duration or --warmup say otherwise, and the services default to the local ones', () => {
    const options = parseBenchOptions({ argv: ['--only', 'scale'], env: {} });
    assert.deepEqual(options.parts, ['scale']);
    assert.equal(options.scaleDurationS, 3);
    assert.equal(options.scaleWarmupS, 3);
    assert.equal(options.durationS, 10);
    assert.equal(options.databaseUrl, 'postgres://postgres@127.0.0.1:5432/test');
    assert.equal(options.redisUrl, 'redis://127.0.0.1:6379');
  });

  test('--duration and --warmup apply to the scale part too; BENCH_* URLs win over DATABASE_URL and REDIS_URL', () => {
    const options = parseBenchOptions({
      argv: ['--only', 'scale', '--duration', '8', '--warmup', '0'],
      env: { BENCH_DATABASE_URL: 'postgres://bench@db/x', DATABASE_URL: 'postgres://app@db/y', REDIS_URL: 'redis://cache:6380' },
    });
    assert.equal(options.scaleDurationS, 8);
    assert.equal(options.scaleWarmupS, 0);
    assert.equal(options.databaseUrl, 'postgres://bench@db/x');
    assert.equal(options.redisUrl, 'redis://cache:6380');
  });

  test('--scale-setups and --scale-calls pick rows in the report order; an unknown one is refused by name', () => {
    const all = parseBenchOptions({ argv: ['--only', 'scale'], env: {} });
    assert.deepEqual(all.scaleSetups, ['sdk', 'sqlite', 'pg-1', 'pg-2', 'gateway-sqlite', 'gateway-2', 'haproxy-jwt-2', 'spoe-2']);
    assert.deepEqual(all.scaleCalls, ['sendmessage', 'streaming']);
    const some = parseBenchOptions({ argv: ['--only', 'scale', '--scale-setups', 'spoe-2,haproxy-jwt-2,gateway-2,pg-1', '--scale-calls', 'sendmessage'], env: {} });
    assert.deepEqual(some.scaleSetups, ['pg-1', 'gateway-2', 'haproxy-jwt-2', 'spoe-2']);
    assert.deepEqual(some.scaleCalls, ['sendmessage']);
    assert.throws(() => parseBenchOptions({ argv: ['--scale-setups', 'pg-3'], env: {} }), /--scale-setups accepts sdk, sqlite, pg-1, pg-2, gateway-sqlite, gateway-2, haproxy-jwt-2, spoe-2; got "pg-3"/);
  });
});

describe('the pgbench anchor and the ratios read against it', () => {
  const PGBENCH = [
    'transaction type: /tmp/pgbench-anchor.sql',
    'number of clients: 50',
    'number of transactions actually processed: 18970',
    'latency average = 12.713 ms',
    'initial connection time = 263.398 ms',
    'tps = 3933.132191 (without initial connection time)',
  ].join('\n');

  test("pgbench's summary gives its tx/s without connection time and its transaction count; anything else is no result", () => {
    assert.deepEqual(parsePgbenchOutput(PGBENCH), { tps: 3933.132191, transactions: 18970 });
    assert.equal(parsePgbenchOutput('pgbench: error: connection to server failed'), undefined);
  });

  const row = (setup: ScaleRow['setup'], figures: Record<string, number>): ScaleRow => ({ scenario: 'sendmessage', setup, figures });
  /** A scale report of one 3 s round of `rows`, 50 connections, WAL per database, against a 4000 tx/s pgbench anchor. */
  const oneRoundReport = (rows: ScaleRow[]) => ({
    rounds: 1,
    durationS: 3,
    warmupS: 1,
    connections: 50,
    walByDatabase: true,
    pgbench: { tps: 4000, rounds: [4000] },
    rows,
    roundRows: [],
  });

  test('prints the runtime on PostgreSQL as a share of the anchor, its CPU over SQLite, its round trips and commits per task', () => {
    const report = oneRoundReport([row('sqlite', { 'req/s': 6000, 'cpu.runtime': 100 }), row('pg-1', { 'req/s': 1400, 'cpu.runtime': 230, 'pg.statements.runtime': 0.21, 'pg.transactions.runtime': 0.1 })]);
    const [anchor, sendMessage] = acceptanceLines(report);
    assert.match(anchor!, /4000 tx\/s/);
    assert.match(sendMessage!, /0\.35× the pgbench anchor/);
    assert.match(sendMessage!, /CPU\/call 2\.30× SQLite's/);
    assert.match(sendMessage!, /0\.21 round trips .* 0\.10 commits/);
    assert.deepEqual(acceptanceLines({ ...report, pgbench: { failure: 'pgbench could not start' } }), ['pgbench anchor: not measured (pgbench could not start)']);
  });

  test("prints the gateways' fleet throughput over the filed figure, their CPU over the embedded gateway's in the same run, Redis commands and commits per call", () => {
    const report = oneRoundReport([
      row('gateway-sqlite', { 'req/s': 2000, 'cpu.gateway': 200 }),
      row('gateway-2', { 'req/s': 1730, 'cpu.gateway': 500, 'redis.commands.gateway': 1, 'redis.commands.runtime': 1.05, 'redis.server': 4.1, 'pg.transactions.gateway': 0.08 }),
    ]);
    const [, gateways] = acceptanceLines(report);
    assert.match(gateways!, /1730 req\/s \(5\.00× the 346 req\/s/);
    assert.match(gateways!, /gateway CPU\/call 2\.50× its SQLite figure/);
    assert.match(gateways!, /2\.0 Redis commands sent per call .* 4\.1 with the script's own/);
    assert.match(gateways!, /0\.08 gateway commits per call/);
    const table = formatScaleBench(report).join('\n');
    assert.match(table, /gateway ×1 → runtime ×1, SQLite\s+2000/);
  });

  test("prints the HAProxy JWT fronts' fleet ratio beside the gateways', and the gateways' over it, in req/s and front CPU", () => {
    const report = oneRoundReport([
      row('pg-2', { 'req/s': 5000, 'cpu.runtime': 180, 'cpu.postgres': 130 }),
      row('gateway-2', { 'req/s': 2200, 'cpu.runtime': 300, 'cpu.gateway': 270, 'cpu.postgres': 280 }),
      row('haproxy-jwt-2', { 'req/s': 2750, 'cpu.runtime': 240, 'cpu.haproxy': 90, 'cpu.postgres': 200, 'cpu.redis': 10 }),
    ]);
    const lines = formatScaleBench(report);
    const ratios = lines.find((line) => line.startsWith('SendMessage: PostgreSQL+Redis'))!;
    assert.match(ratios, /through 2 gateways ÷ direct to 2 runtimes: 0\.44× req\/s/);
    assert.match(ratios, /through 2 HAProxy JWT fronts ÷ direct: 0\.55× req\/s \(HAProxy CPU\/call 90, runtime 240, postgres 200\)/);
    assert.match(ratios, /2 gateways ÷ 2 HAProxy JWT fronts: 0\.80× req\/s, 3\.00× front CPU\/call/);
    // The fronts' CPU has a column of its own, and counts in the call's total.
    const header = lines.find((line) => line.startsWith('setup '))!;
    assert.match(header, /gateway\s+haproxy\s+postgres/);
    assert.match(lines.join('\n'), /HAProxy JWT ×2 → runtime ×2, PG \+ Redis\s+2750\s+-\s+-\s+-\s+240\s+-\s+90\s+200\s+10\s+540/);
    // Without the row, the line says nothing of it.
    const without = formatScaleBench(oneRoundReport([row('pg-2', { 'req/s': 5000 }), row('gateway-2', { 'req/s': 2200 })])).join('\n');
    assert.doesNotMatch(without, /HAProxy JWT/);
  });
});
