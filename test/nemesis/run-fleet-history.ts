/**
 * One nemesis run on a runtime fleet: the fleet started, clients and the nemesis run side by side
 * for the fault and heal periods, the final read phase, and the history checked. The history file
 * is kept for `check.ts` (test/history/README.md, "Running the checker").
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mulberry32 } from '../../agents/data/mulberry32.js';
import { checkHistoryText, type HistoryReport } from '../history/check-history.js';
import { HistoryRecorder } from '../history/history-recorder.js';
import { allTaskIds, readEffects, readLogs, readUntilTerminal, unfinishedTaskDetails, waitForPushesDelivered, waitUntilTerminalInDatabase } from './final-reads.js';
import type { Database } from '../../src/storage/index.js';
import { readCredits } from './credits-reads.js';
import { startPushReceiver, type PushReceiver } from './push-receiver.js';
import { FLEET_FAULTS, runSchedule, type FleetFault } from './fleet-nemesis.js';
import { createClient, fetchToken, topUp } from '../helpers/gateway-fixture.js';
import { startRuntimeFleet, type FleetRole, type RuntimeFleet } from './runtime-fleet.js';
import { answerRun, runWorkflowWorkload } from './workflow-workload.js';
import { runCreditsWorkload } from './credits-workload.js';
import { addApprovalRule, GATED_AGENT, readApprovals, runApprovalsWorkload, settleApprovals } from './approvals-workload.js';
import { APPROVALS_TENANT } from './payments-agent.js';
import { KnownTasks, ProcessNumbers, runTaskWorkload, type Targets } from './task-workload.js';

export interface FleetRunOptions {
  seed: number;
  historyPath: string;
  faultMs: number;
  healMs: number;
  periods: number;
  faults?: readonly FleetFault[];
  /** The roles whose nodes the faults hit (default: all). */
  faultRoles?: readonly FleetRole[];
  replicas?: number;
  /** Orchestrator processes, whose workflow runs write to the ledger (default 1; none on SQLite). */
  orchestrators?: number;
  /** Gateway processes (default none); with them, the task clients send through them too, with a tenant's token. */
  gateways?: number;
  /** The gateways' access token life (default theirs, 15 minutes): short, the clients' token is renewed within a short run. */
  gatewayTokenTtlSeconds?: number;
  /** Clients starting workflow runs (default 2). */
  workflowClients?: number;
  /** Half the workflow runs ask their client (workflow-workload.ts); default on, `false` leaves every run unasked. */
  askingRuns?: boolean;
  /** Clients calling the priced agent through the gateways, with gateways (default 2). */
  creditsClients?: number;
  /** Clients whose calls wait for the approver at the gateways, with gateways (default 2; 0 leaves the approvals workload out). */
  approvalClients?: number;
  clients?: number;
  /** Every task must be terminal this long after the last heal. */
  settleMs?: number;
  /** The embedded mesh: one runtime on SQLite (no PostgreSQL, no Redis), faulted by `kill` and `clock-skew`. */
  sqlite?: boolean;
  /** Where each replica logs at info (`<name>.log`); none by default. */
  logDir?: string;
  /** To every replica process: a test-only switch. */
  extraEnv?: Record<string, string>;
  /** Told as each phase of the run begins (`fleet started`, `fault period 3 of 9: kill on runtime-2`, `final reads`…), for progress on long runs. */
  onPhase?: (phase: string) => void;
}

export interface FleetRunResult {
  report: HistoryReport;
  historyPath: string;
  /** Tasks not terminal `settleMs` after the last heal. */
  unfinished: string[];
  /** Each of them as the database has it after the final reads: its agent, its state, its status message (why it ended, if it did). */
  unfinishedNow: string[];
  /** Pushes still not delivered `settleMs` after the final log reads. */
  pushesLeft: number;
  tasks: number;
  /** Workflow runs the clients started. */
  runs: number;
  /** Workflow runs a client started and saw no end of `settleMs` after the last heal. */
  unfinishedRuns: string[];
}

export async function runFleetHistory(options: FleetRunOptions): Promise<FleetRunResult> {
  const random = mulberry32(options.seed);
  const started = Date.now();
  const phase = (name: string): void => options.onPhase?.(`+${((Date.now() - started) / 1000).toFixed(0)} s ${name}`);
  const { recorder, close } = HistoryRecorder.toFile(options.historyPath);
  let closed = false;
  let fleet: RuntimeFleet | undefined;
  let receiver: PushReceiver | undefined;
  // The clients, stopped before the history closes on any way out: a write after it would hide the error that ended the run.
  const stop = new AbortController();
  const clients: Array<Promise<unknown>> = [];
  const renewing: Array<{ close(): void }> = [];
  try {
    const orchestrators = options.sqlite === true ? 0 : (options.orchestrators ?? 1);
    fleet = await startRuntimeFleet({ replicas: options.sqlite === true ? 1 : (options.replicas ?? 3), orchestrators, ...(options.gateways === undefined ? {} : { gateways: options.gateways }), ...(options.gatewayTokenTtlSeconds === undefined ? {} : { gatewayTokenTtlSeconds: options.gatewayTokenTtlSeconds }), ...(options.sqlite === true ? { sqlite: true } : {}), ...(options.extraEnv === undefined ? {} : { extraEnv: options.extraEnv }), ...(options.logDir === undefined ? {} : { logDir: options.logDir }) });
    const running = fleet;
    phase('fleet started');
    const liveOf = (role: FleetRole): Targets => ({ live: () => running.nodesOf(role).flatMap((n) => (n.url === undefined ? [] : [{ name: n.name, url: n.url }])) });
    const tokenTtlSeconds = options.gatewayTokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
    const throughGateways = await gatewayTargets(running, tokenTtlSeconds, { tenant: 'nemesis-tenant', agent: 'worker' });
    // The credits clients' tenant is apart from the task clients': its ledger holds their calls alone.
    const billed = await gatewayTargets(running, tokenTtlSeconds, { tenant: CREDITS_TENANT, agent: 'billed' });
    // The approvals clients' tenant too: its ledger holds the parked calls alone.
    const gated = await gatewayTargets(running, tokenTtlSeconds, { tenant: APPROVALS_TENANT, agent: GATED_AGENT });
    renewing.push(throughGateways, billed, gated);
    const approvalClients = (options.gateways ?? 0) === 0 ? 0 : (options.approvalClients ?? 2);
    const gatewayBases = liveOf('gateway');
    if (approvalClients > 0) await addApprovalRule(gatewayBases.live().map((n) => n.url));
    const runtimes = liveOf('runtime');
    const targets: Targets = { live: () => [...runtimes.live(), ...throughGateways.live()] };
    const processes = new ProcessNumbers();
    const tasks = new KnownTasks();
    const timeoutMs = 3000;
    receiver = await startPushReceiver(recorder, processes.next());
    const workload = runTaskWorkload({ recorder, targets, random, clients: options.clients ?? 6, timeoutMs, workMs: [200, 2500], processes, pushUrl: receiver.url }, tasks, stop.signal);
    // A run ends within settleMs of the last heal, or of its start for one the clients started in the last heal period:
    // two runs started seconds before the clients stopped were given no time at all (both long runs showed them).
    let healedAt = Number.POSITIVE_INFINITY;
    const runDeadline = (invokedAt: number): number => Math.max(healedAt, invokedAt) + (options.settleMs ?? 30_000);
    const workflows = orchestrators === 0 ? Promise.resolve({ runs: [], unfinished: [] }) : runWorkflowWorkload({ recorder, targets: liveOf('orchestrator'), random: mulberry32(options.seed + 1), clients: options.workflowClients ?? 2, timeoutMs, workMs: [100, 800], processes, deadline: runDeadline, askingShare: options.askingRuns === false ? 0 : 0.5 }, stop.signal);
    const credits = (options.gateways ?? 0) === 0 ? Promise.resolve() : runCreditsWorkload({ recorder, targets: billed, random: mulberry32(options.seed + 2), clients: options.creditsClients ?? 2, timeoutMs, workMs: [50, 500], processes, tenant: CREDITS_TENANT }, stop.signal);
    const approvals = approvalClients === 0 ? Promise.resolve() : runApprovalsWorkload({ recorder, targets: gated, random: mulberry32(options.seed + 3), clients: approvalClients, timeoutMs, workMs: [50, 300], processes, tenant: APPROVALS_TENANT, gateways: gatewayBases }, stop.signal);
    clients.push(workload, workflows, credits, approvals);
    const lastHeal = await runSchedule({ recorder, fleet, random, faults: options.faults ?? FLEET_FAULTS, ...(options.faultRoles === undefined ? {} : { roles: options.faultRoles }), onPhase: phase, periods: options.periods, faultMs: options.faultMs, healMs: options.healMs });
    healedAt = lastHeal;
    stop.abort();
    await workload;
    await credits;
    await approvals;
    const workloadStopped = Date.now();
    phase('clients stopped; waiting for every task and run to end');
    // Calls still pending are decided, and approved ones sent, as the approver would have (a send a killed
    // gateway left is sent again by another's sweep the gateways' request timeout and 30 s later), beside
    // the reads below: waiting first would eat the 30 s the runs no client follows have to end in.
    const settling = approvalClients === 0 ? Promise.resolve() : settleApprovals({ recorder, processes, random: mulberry32(options.seed + 4), timeoutMs, gateways: gatewayBases, deadline: Date.now() + APPROVALS_SETTLE_MS });
    clients.push(settling);
    const { runs, unfinished: runsUnfinished } = await workflows;

    const database = await fleet.openDatabase();
    try {
      const known = new Set(tasks.ids);
      const unknown = (await allTaskIds(database)).filter((id) => !known.has(id));
      const ids = [...known, ...unknown];
      // Every task that existed at the last heal ends within settleMs of it; one the workload made later
      // (the clients go on through the last heal period, a long one in long runs) within settleMs of the
      // workload's stop, as do the tasks only the database knows (workflow steps' children).
      const settle = options.settleMs ?? 30_000;
      const { before, after } = tasks.splitAt(lastHeal);
      // The three side by side, each within its own deadline: one after another, a long run's tens of thousands of
      // reads ate the window of the runs only the database knows, which ask and wait for their answers.
      const unfinished = settledAll(await Promise.allSettled([
        // Read at the replicas: a long run's tens of thousands of reads through a gateway meet its per-client
        // quota (1,000 a minute), whose refusals would read as tasks not ended.
        readUntilTerminal({ recorder, targets: runtimes, processes, taskIds: before, deadline: lastHeal + settle, timeoutMs }),
        readUntilTerminal({ recorder, targets: runtimes, processes, taskIds: after, deadline: workloadStopped + settle, timeoutMs }),
        // A run no client follows any more may ask: answered here as its client would have (its children through it).
        waitUntilTerminalInDatabase(database, unknown, workloadStopped + settle, async ({ agent, snapshot }) => {
          const orchestrator = agent === 'orchestrator' ? liveOf('orchestrator').live()[0] : undefined;
          if (orchestrator !== undefined) await answerRun(orchestrator.url, snapshot, timeoutMs);
        }),
      ]));
      phase(`reading ${ids.length} task logs`);
      await readLogs({ recorder, processes, database, taskIds: ids });
      const unfinishedNow = await describeTasks(database, unfinished);
      // Their logs (and their runs') beside the history, the runs no client saw end with them: the fleet's schema goes
      // with the fleet. A dump that fails says why in its place, and the run's verdict still comes.
      const left = [...new Set([...unfinished, ...runsUnfinished])];
      rmSync(unfinishedPath(options.historyPath), { force: true });
      if (left.length > 0) writeFileSync(unfinishedPath(options.historyPath), `${JSON.stringify(await unfinishedTaskDetails(database, left).catch((err: unknown) => ({ dumpFailed: String(err) })), null, 2)}\n`);
      if (orchestrators > 0) await readEffects({ recorder, processes, database });
      // The parked calls decided and sent before the ledgers are read: a refund or charge after the read would not be in it.
      phase('waiting for the parked calls to be decided and sent');
      await settling;
      if ((options.gateways ?? 0) > 0) await readCredits({ recorder, processes, database });
      if (approvalClients > 0) await readApprovals({ recorder, processes, database, tenant: APPROVALS_TENANT });
      phase('waiting for the pushes');
      const pushesLeft = await waitForPushesDelivered(database, Date.now() + (options.settleMs ?? 30_000));
      await receiver.close();
      close();
      closed = true;
      phase('checking the history');
      const report = checkHistoryText(readFileSync(options.historyPath, 'utf8'));
      return { report, historyPath: options.historyPath, unfinished, unfinishedNow, pushesLeft, tasks: ids.length, runs: runs.length, unfinishedRuns: runsUnfinished };
    } finally {
      await database.close();
    }
  } finally {
    stop.abort();
    for (const r of renewing) r.close();
    await Promise.allSettled(clients);
    await receiver?.close();
    if (!closed) close();
    if (fleet !== undefined) phase('stopping the fleet');
    await fleet?.close();
  }
}

/**
 * The results of waits run side by side, flattened; the first failure thrown once every one has ended
 * (none still recording into a history the caller is about to close).
 */
function settledAll<T>(results: ReadonlyArray<PromiseSettledResult<readonly T[]>>): T[] {
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
}

/** Where a run that left tasks unfinished keeps their logs: beside its history. */
export const unfinishedPath = (historyPath: string): string => historyPath.replace(/(\.jsonl)?$/, '.unfinished.json');

/** `id agent state: status message`, per task, as the database has it now (a run that did not pass says why each task was late). */
async function describeTasks(database: Database, ids: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const id of ids) {
    const row = await database.db.selectFrom('tasks').select(['agent', 'state', 'snapshot']).where('id', '=', id).executeTakeFirst();
    if (row === undefined) {
      out.push(`${id}: not in the database`);
      continue;
    }
    const status = (JSON.parse(row.snapshot) as { status?: { message?: { parts?: Array<{ text?: unknown }> } } }).status;
    const text = (status?.message?.parts ?? []).flatMap((p) => (typeof p.text === 'string' ? [p.text] : [])).join(' ');
    out.push(`${id} ${row.agent} ${row.state}${text === '' ? '' : `: ${text.slice(0, 300)}`}`);
  }
  return out;
}

/** The tenant the credits workload calls the billed agent as. */
const CREDITS_TENANT = 'credits-tenant';
/**
 * How long the final phase decides the calls still pending and waits for approved ones to be sent:
 * past the stranded margin of a send a killed gateway left (runtime-fleet.ts sets the gateways'
 * request timeout to 20 s: 50 s after its approval) and two sweeps.
 */
const APPROVALS_SETTLE_MS = 90_000;
/** The gateways' access token life unless a run sets it (their default). */
const DEFAULT_TOKEN_TTL_SECONDS = 900;
/** After a renewal every gateway refused (all of them down in a fault period), the next try. */
const TOKEN_RETRY_MS = 15_000;

/**
 * The fleet's gateways as targets of a workload's clients: each gateway's route to `agent`, with the
 * bearer token of a client of `tenant` created (and the tenant topped up) through the first gateway,
 * renewed as a real client renews it, through whichever gateway answers. None without gateways.
 * `close` stops the renewal.
 */
async function gatewayTargets(fleet: RuntimeFleet, tokenTtlSeconds: number, as: { tenant: string; agent: string }): Promise<Targets & { close(): void }> {
  // Renewed at a third of its life, so a long run's clients never hold an expired token.
  const renewalMs = (tokenTtlSeconds * 1000) / 3;
  const gateways = fleet.nodesOf('gateway');
  const first = gateways[0]?.url;
  if (first === undefined) return { live: () => [], close: () => undefined };
  const { tenant, agent } = as;
  const client = await createClient(first, { name: `${tenant}-client`, tenant, scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel', 'a2a:push:write'] });
  await topUp(first, tenant, 1_000_000);
  // One object every client's calls read: a renewal reaches the next call of each.
  const headers = { authorization: `Bearer ${await fetchToken(first, client)}` };
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const renew = async (): Promise<void> => {
    for (const n of gateways) {
      if (n.url === undefined) continue;
      try {
        headers.authorization = `Bearer ${await fetchToken(n.url, client, undefined, AbortSignal.timeout(5_000))}`;
        return schedule(renewalMs);
      } catch {
        // Down, paused or cut off in this fault period: the next gateway.
      }
    }
    schedule(TOKEN_RETRY_MS);
  };
  const schedule = (ms: number): void => {
    if (closed) return;
    timer = setTimeout(() => void renew(), ms);
    timer.unref();
  };
  schedule(renewalMs);
  return {
    live: () => gateways.flatMap((n) => (n.url === undefined ? [] : [{ name: n.name, url: `${n.url}/agents/${agent}`, headers }])),
    close: () => {
      closed = true;
      clearTimeout(timer);
    },
  };
}
