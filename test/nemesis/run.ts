/**
 * Nemesis runs from the command line: `npm run test:history -- --seeds 3 --fault-seconds 20`
 * (scripts/test-history.mjs hands such flags here). Each seed is one run on a fresh fleet; the
 * history of each is kept, the report printed, and the exit code is non-zero when any run's
 * history has an anomaly, could not be checked, or left a task unfinished.
 *
 *   --seeds N           how many runs, seeds 1..N (or --seed S for one given seed)
 *   --fault-seconds S   each fault period (default 20); heal periods are half as long
 *   --periods N         fault periods per run (default 4)
 *   --faults a,b        the faults drawn from (default: all of FLEET_FAULTS)
 *   --roles a,b         the roles whose nodes are faulted: runtime, orchestrator (default: both)
 *   --gateways N        gateway processes (default none): the task clients call through them too, the credits clients only
 *   --orchestrators N   orchestrator processes sharing the runs (default 1): a killed one's runs are taken over by another
 *   --out DIR           where histories go (default: a temporary folder)
 *   --break NAME        run the replicas as a build broken on purpose (AGENTMESH_TEST_BREAK, tests only)
 *   --sqlite            the embedded mesh: one runtime on SQLite, faulted by kill and clock-skew (the default faults then)
 *   --logs              each replica logs at info beside the history (<out>/seed-<n>-<replica>.log… folder)
 *   --no-asking         no workflow run asks its client (by default half of them do, test/nemesis/workflow-workload.ts)
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { reportText } from '../history/report-text.js';
import { FLEET_FAULTS, SQLITE_FAULTS, type FleetFault } from './fleet-nemesis.js';
import { runFleetHistory, unfinishedPath } from './run-fleet-history.js';
import { FLEET_ROLES, type FleetRole } from './runtime-fleet.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1' },
    seed: { type: 'string' },
    'fault-seconds': { type: 'string', default: '20' },
    periods: { type: 'string', default: '4' },
    faults: { type: 'string' },
    roles: { type: 'string' },
    gateways: { type: 'string' },
    orchestrators: { type: 'string' },
    out: { type: 'string' },
    break: { type: 'string' },
    logs: { type: 'boolean', default: false },
    sqlite: { type: 'boolean', default: false },
    // Half the workflow runs ask their client, unless --no-asking (--asking, the default, is still accepted).
    asking: { type: 'boolean', default: true },
    'no-asking': { type: 'boolean', default: false },
  },
});

const positive = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${text}`);
  return n;
};
/** A count of processes: a whole number, 0 allowed (`--gateways 0`: none; `--orchestrators 0`: no workflow runs). */
const count = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number of processes, got ${text}`);
  return n;
};
if (values.sqlite && (values.orchestrators !== undefined || values.gateways !== undefined)) throw new Error('--sqlite runs the embedded mesh alone: no --orchestrators, no --gateways');
const isFault = (name: string): name is FleetFault => FLEET_FAULTS.some((f) => f === name);
const faults = values.faults === undefined ? (values.sqlite ? SQLITE_FAULTS : FLEET_FAULTS) : values.faults.split(',').map((name) => {
  if (!isFault(name)) throw new Error(`--faults: ${name} is not one of ${FLEET_FAULTS.join(', ')}`);
  return name;
});
const isRole = (name: string): name is FleetRole => FLEET_ROLES.some((r) => r === name);
const roles = values.roles?.split(',').map((name) => {
  if (!isRole(name)) throw new Error(`--roles: ${name} is not one of ${FLEET_ROLES.join(', ')}`);
  return name;
});
const seeds = values.seed !== undefined ? [positive('seed', values.seed)] : Array.from({ length: positive('seeds', values.seeds) }, (_, i) => i + 1);
const faultMs = positive('fault-seconds', values['fault-seconds']) * 1000;
const periods = positive('periods', values.periods);
const out = values.out ?? mkdtempSync(join(tmpdir(), 'agentmesh-nemesis-'));

mkdirSync(out, { recursive: true });
let failed = 0;
for (const seed of seeds) {
  const historyPath = join(out, `${values.sqlite ? 'sqlite' : 'fleet'}-seed-${seed}.jsonl`);
  const started = Date.now();
  const result = await runFleetHistory({ ...(values.sqlite ? { sqlite: true } : {}), ...(values['no-asking'] ? { askingRuns: false } : {}), seed, historyPath, faultMs, healMs: faultMs / 2, periods, faults, ...(roles === undefined ? {} : { faultRoles: roles }), ...(values.gateways === undefined ? {} : { gateways: count('gateways', values.gateways) }), ...(values.orchestrators === undefined ? {} : { orchestrators: count('orchestrators', values.orchestrators) }), ...(values.break === undefined ? {} : { extraEnv: { AGENTMESH_TEST_BREAK: values.break } }), onPhase: (p: string) => process.stderr.write(`[seed ${seed}] ${p}\n`), ...(values.logs ? { logDir: mkdirSync(join(out, `seed-${seed}-logs`), { recursive: true }) ?? join(out, `seed-${seed}-logs`) } : {}) });
  process.stdout.write(`\n== seed ${seed}: ${result.tasks} tasks, ${result.runs} workflow runs, ${((Date.now() - started) / 1000).toFixed(0)} s, history ${historyPath}\n`);
  process.stdout.write(reportText(result.report));
  if (result.unfinished.length > 0) process.stdout.write(`\nnot terminal 30 s after the last heal: ${result.unfinished.join(', ')}\nas they are now:\n${result.unfinishedNow.map((t) => `  ${t}`).join('\n')}\ntheir logs (and their runs'): ${unfinishedPath(historyPath)}\n`);
  if (result.unfinishedRuns.length > 0) process.stdout.write(`\nworkflow runs not ended 30 s after the last heal: ${result.unfinishedRuns.join(', ')}\ntheir logs: ${unfinishedPath(historyPath)}\n`);
  if (result.pushesLeft > 0) process.stdout.write(`\n${result.pushesLeft} pushes still undelivered 30 s after the final reads\n`);
  if (result.report.verdict !== 'valid' || result.unfinished.length > 0 || result.unfinishedRuns.length > 0 || result.pushesLeft > 0) failed += 1;
}
process.stdout.write(`\n${seeds.length - failed} of ${seeds.length} runs valid\n`);
process.exitCode = failed > 0 ? 1 : 0;
