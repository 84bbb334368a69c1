/**
 * The nemesis run's checker catches builds broken on purpose (docs/reliability.md, "Builds broken
 * on purpose"): the same fleet, workload and faults that pass with agentmesh as it is
 * (fleet-history-under-faults.test.ts) give a history with anomalies when a replica runs a build
 * with a guarantee switched off by AGENTMESH_TEST_BREAK. Without this, a nemesis run that passes
 * could be one that never reaches what it claims to check.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistoryReport } from '../history/check-history.js';
import { reportText } from '../history/report-text.js';
import { runFleetHistory, type FleetRunOptions, type FleetRunResult } from '../nemesis/run-fleet-history.js';
import { postgresSkipReason, redisSkipReason } from '../helpers/services.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());

/** One nemesis run of the build `broken` (a fresh fleet, its history in a folder removed after), with its report. */
async function runBroken(t: TestContext, broken: string, options: Omit<FleetRunOptions, 'historyPath' | 'extraEnv'>): Promise<{ result: FleetRunResult; report: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-fleet-broken-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const result = await runFleetHistory({ ...options, historyPath: join(dir, 'history.jsonl'), extraEnv: { AGENTMESH_TEST_BREAK: broken } });
  return { result, report: reportText(result.report) };
}

/** Seeds a broken build is run on before the checker is said to miss it. */
const ATTEMPTS = 3;

/**
 * Runs of the build `broken` until one shows an anomaly `caught` finds, at most {@link ATTEMPTS} of them, each on
 * a seed of its own. A run's faults only expose a break when they land in its window (a kill inside a
 * step, a reset after a COMMIT of a task with a push config), and a loaded machine runs fewer operations
 * in a period: on a CI machine building the image beside the tiers, one run made 8 workflow runs where a
 * quiet one makes 27, and no kill landed inside a step. A checker blind to the break fails every attempt.
 */
async function caughtWithin(t: TestContext, broken: string, options: Omit<FleetRunOptions, 'historyPath' | 'extraEnv'>, caught: (report: HistoryReport) => boolean): Promise<{ result: FleetRunResult; report: string }> {
  const reports: string[] = [];
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const run = await runBroken(t, broken, { ...options, seed: options.seed + attempt * 100 });
    if (caught(run.result.report)) return run;
    reports.push(`seed ${options.seed + attempt * 100}:\n${run.report}`);
    t.diagnostic(`seed ${options.seed + attempt * 100}: the break did not show (a loaded machine?); another seed`);
  }
  assert.fail(`${ATTEMPTS} runs of the build ${broken} and the checker never found its anomaly:\n${reports.join('\n')}`);
}

const anomaly = (property: string, kind: string) => (report: HistoryReport): boolean => report.properties.some((p) => p.name === property && p.anomalies.some((a) => a.kind === kind));

test('with fencing off, a paused lease holder that wakes overwrites its successor, and the checker says so', { skip }, async (t) => {
  const { result, report } = await caughtWithin(t, 'fencing-off', {
    seed: 7,
    faults: ['pause'],
    // The runtime replicas' leases are what fencing guards.
    faultRoles: ['runtime'],
    // Each pause catches the tasks the paused replica owns; six of them make a write over a cancel
    // or a re-run (and a read of it) all but certain.
    periods: 6,
    faultMs: 4000,
    healMs: 2000,
  }, (report) => report.properties.some((p) => (p.name === 'task-state' || p.name === 'task-events') && p.status === 'fail'));
  assert.equal(result.report.verdict, 'invalid', report);
  const failed = result.report.properties.filter((p) => p.status === 'fail').map((p) => p.name);
  assert.ok(!failed.includes('fault-liveness'), `the anomalies come from the break, not from a run where nothing succeeded\n${report}`);
});

test('with the push outbox written outside its transaction, a lost COMMIT answer loses pushes, and the checker says so', { skip }, async (t) => {
  const { result, report } = await caughtWithin(t, 'outbox-outside-transaction', { seed: 4, faults: ['reset-after-commit'], faultRoles: ['runtime'], periods: 4, faultMs: 4000, healMs: 2000 }, anomaly('push', 'push-lost'));
  assert.ok(!result.report.properties.some((p) => p.name === 'fault-liveness' && p.status === 'fail'), report);
});

test('with a workflow step recorded only after its effect, an orchestrator killed mid-step applies the step twice, and the checker says so', { skip }, async (t) => {
  const { result, report } = await caughtWithin(t, 'result-after-effect', {
    seed: 1,
    faults: ['kill'],
    // Only the orchestrator is killed: a kill lands inside some run's step (the ledger agent works
    // after writing the effect) unless the machine is too loaded to keep runs going, and the
    // restarted orchestrator sends that step again.
    faultRoles: ['orchestrator'],
    periods: 3,
    faultMs: 4000,
    healMs: 2000,
  }, anomaly('workflow', 'step-effect-twice'));
  assert.ok(!result.report.properties.some((p) => p.name === 'fault-liveness' && p.status === 'fail'), report);
});

test('with a priced call charged under its message and again under its task, the checker finds each call charged twice', { skip }, async (t) => {
  const { result, report } = await caughtWithin(t, 'charge-twice', {
    seed: 1,
    // The break needs no fault: every priced call a gateway answers with its task is charged twice.
    // One short period (a gateway killed) on a small fleet keeps the run cheap.
    gateways: 2,
    replicas: 1,
    orchestrators: 0,
    clients: 2,
    faults: ['kill'],
    faultRoles: ['gateway'],
    periods: 1,
    faultMs: 2000,
    healMs: 1000,
  }, anomaly('credits', 'double-charge'));
  assert.ok(!result.report.properties.some((p) => p.name === 'fault-liveness' && p.status === 'fail'), report);
});

test('with a denied call sent to its agent all the same, the checker finds the effect of a call nobody approved', { skip }, async (t) => {
  const { result, report } = await caughtWithin(t, 'denied-call-sent', {
    seed: 1,
    // The break needs no fault: every denial the approver makes sends its call. A small fleet and one
    // short period (a gateway killed) keep the run cheap, as for charge-twice.
    gateways: 2,
    replicas: 1,
    orchestrators: 0,
    clients: 2,
    creditsClients: 1,
    faults: ['kill'],
    faultRoles: ['gateway'],
    periods: 1,
    faultMs: 2000,
    healMs: 1000,
  }, anomaly('approvals', 'effect-of-unapproved'));
  assert.ok(!result.report.properties.some((p) => p.name === 'fault-liveness' && p.status === 'fail'), report);
});
