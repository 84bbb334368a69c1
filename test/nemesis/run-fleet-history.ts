/**
 * One nemesis run on a runtime fleet: the fleet started, clients and the nemesis run side by side
 * for the fault and heal periods, the final read phase, and the history checked. The history file
 * is kept for `check.ts` (test/history/README.md, "Running the checker").
 */
import { readFileSync } from 'node:fs';
import { mulberry32 } from '../../agents/data/mulberry32.js';
import { checkHistoryText, type HistoryReport } from '../history/check-history.js';
import { HistoryRecorder } from '../history/history-recorder.js';
import { allTaskIds, readLogs, readUntilTerminal, waitForPushesDelivered, waitUntilTerminalInDatabase } from './final-reads.js';
import { startPushReceiver, type PushReceiver } from './push-receiver.js';
import { FLEET_FAULTS, runSchedule, type FleetFault } from './fleet-nemesis.js';
import { startRuntimeFleet, type RuntimeFleet } from './runtime-fleet.js';
import { KnownTasks, ProcessNumbers, runTaskWorkload, type Targets } from './task-workload.js';

export interface FleetRunOptions {
  seed: number;
  historyPath: string;
  faultMs: number;
  healMs: number;
  periods: number;
  faults?: readonly FleetFault[];
  replicas?: number;
  clients?: number;
  /** Every task must be terminal this long after the last heal. */
  settleMs?: number;
  /** The embedded mesh: one runtime on SQLite (no PostgreSQL, no Redis), faulted by `kill` and `clock-skew`. */
  sqlite?: boolean;
  /** Where each replica logs at info (`<name>.log`); none by default. */
  logDir?: string;
  /** To every replica process: a test-only switch. */
  extraEnv?: Record<string, string>;
}

export interface FleetRunResult {
  report: HistoryReport;
  historyPath: string;
  /** Tasks not terminal `settleMs` after the last heal. */
  unfinished: string[];
  /** Pushes still not delivered `settleMs` after the final log reads. */
  pushesLeft: number;
  tasks: number;
}

export async function runFleetHistory(options: FleetRunOptions): Promise<FleetRunResult> {
  const random = mulberry32(options.seed);
  const { recorder, close } = HistoryRecorder.toFile(options.historyPath);
  let closed = false;
  let fleet: RuntimeFleet | undefined;
  let receiver: PushReceiver | undefined;
  try {
    fleet = await startRuntimeFleet({ replicas: options.sqlite === true ? 1 : (options.replicas ?? 3), ...(options.sqlite === true ? { sqlite: true } : {}), ...(options.extraEnv === undefined ? {} : { extraEnv: options.extraEnv }), ...(options.logDir === undefined ? {} : { logDir: options.logDir }) });
    const running = fleet;
    const targets: Targets = { live: () => running.nodes.flatMap((n) => (n.url === undefined ? [] : [{ name: n.name, url: n.url }])) };
    const processes = new ProcessNumbers();
    const tasks = new KnownTasks();
    const stop = new AbortController();
    const timeoutMs = 3000;
    receiver = await startPushReceiver(recorder, processes.next());
    const workload = runTaskWorkload({ recorder, targets, random, clients: options.clients ?? 6, timeoutMs, workMs: [200, 2500], processes, pushUrl: receiver.url }, tasks, stop.signal);
    const lastHeal = await runSchedule({ recorder, fleet, random, faults: options.faults ?? FLEET_FAULTS, periods: options.periods, faultMs: options.faultMs, healMs: options.healMs });
    stop.abort();
    await workload;

    const database = await fleet.openDatabase();
    try {
      const known = new Set(tasks.ids);
      const unknown = (await allTaskIds(database)).filter((id) => !known.has(id));
      const ids = [...known, ...unknown];
      const deadline = lastHeal + (options.settleMs ?? 30_000);
      const unfinished = [
        ...(await readUntilTerminal({ recorder, targets, processes, taskIds: tasks.ids, deadline, timeoutMs })),
        ...(await waitUntilTerminalInDatabase(database, unknown, deadline)),
      ];
      await readLogs({ recorder, processes, database, taskIds: ids });
      const pushesLeft = await waitForPushesDelivered(database, Date.now() + (options.settleMs ?? 30_000));
      await receiver.close();
      close();
      closed = true;
      const report = checkHistoryText(readFileSync(options.historyPath, 'utf8'));
      return { report, historyPath: options.historyPath, unfinished, pushesLeft, tasks: ids.length };
    } finally {
      await database.close();
    }
  } finally {
    await receiver?.close();
    if (!closed) close();
    await fleet?.close();
  }
}
