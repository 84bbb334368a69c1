/**
 * The credits workload (property 5, test/history/README.md): clients call the priced `billed` agent
 * through whichever gateway runs, as a tenant topped up at the start, one `call` operation per
 * SendMessage, keyed by the tenant, its `callId` the message's id (what credits-reads.ts names each
 * reservation by). Most calls wait for the task's end, so the gateway settles them in the answer; a
 * share asks to be answered at once (`returnImmediately`), is answered with the task still running,
 * and follows it with GetTask until it ends, while the gateway's settlement tracker reads it and
 * settles it later. Completed is `ok` (charged), a task that failed, was canceled or rejected is
 * `fail` (refunded), a request that never left or was refused as invalid is `fail` (nothing held);
 * anything else (a timeout, a reset, an error answered after the request arrived, a task not seen
 * ending) is `info`, and the client goes on as a new process, which half the time sends the same
 * message again (up to {@link ATTEMPTS} attempts in all), as a client that was told nothing would:
 * the gateway holds the repeat under a key of its own attempt and releases it when the answer names a
 * task already charged; the checker folds a call's attempts by its `callId`.
 */
import { randomUUID } from 'node:crypto';
import { F } from '../history/history-format.js';
import { a2aCall, taskOf } from './a2a-call.js';
import { recordCall, TERMINAL } from './call-outcome.js';
import type { WorkloadOptions } from './task-workload.js';
import { BILLED_PRICE } from './worker-agent.js';

/** Attempts of one call at most: the first and two repeats under its message id. */
const ATTEMPTS = 3;
/** The share of calls answered at once, their task followed with GetTask. */
const AT_ONCE = 0.25;
/** How long a client follows a task it was answered at once about before the call's outcome is unknown. */
const FOLLOW_MS = 30_000;

/** `targets` are the gateways' routes to the billed agent, with the tenant's token. */
export interface CreditsWorkloadOptions extends WorkloadOptions {
  tenant: string;
}

type TaskSeen = { id: string; state: string };

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The task read through whichever gateway runs until it ends; the last state seen when it does not within FOLLOW_MS. */
async function follow(options: CreditsWorkloadOptions, task: TaskSeen): Promise<TaskSeen> {
  const deadline = Date.now() + FOLLOW_MS;
  let seen = task;
  while (!TERMINAL.has(seen.state) && Date.now() < deadline) {
    await wait(100);
    const live = options.targets.live();
    const node = live[Math.floor(options.random() * live.length)];
    if (node === undefined) continue;
    const outcome = await a2aCall(node.url, 'GetTask', { id: task.id }, options.timeoutMs, node.headers);
    const read = outcome.kind === 'result' ? taskOf(outcome.result) : undefined;
    if (read?.id === task.id) seen = read;
  }
  return seen;
}

async function client(options: CreditsWorkloadOptions, stop: AbortSignal): Promise<void> {
  const { recorder, random, tenant } = options;
  let process = options.processes.next();
  /** A call answered `info`, to be sent again under its message id, and how many times it was sent. */
  let unknown: { callId: string; workMs: number; atOnce: boolean; attempts: number } | undefined;
  while (!stop.aborted) {
    const live = options.targets.live();
    const node = live[Math.floor(random() * live.length)];
    if (node === undefined) {
      await wait(100);
      continue;
    }
    const repeat = unknown;
    unknown = undefined;
    const callId = repeat?.callId ?? randomUUID();
    const workMs = repeat?.workMs ?? Math.round(options.workMs[0] + random() * (options.workMs[1] - options.workMs[0]));
    const atOnce = repeat?.atOnce ?? random() < AT_ONCE;
    const attempts = (repeat?.attempts ?? 0) + 1;
    const op = recorder.invoke(process, F.call, tenant, { callId }, node.name);
    const message = { messageId: callId, role: 'ROLE_USER', parts: [{ text: String(workMs) }] };
    const outcome = await a2aCall(node.url, 'SendMessage', { message, ...(atOnce ? { configuration: { returnImmediately: true } } : {}) }, options.timeoutMs, node.headers);
    const answered = outcome.kind === 'result' ? taskOf(outcome.result) : undefined;
    const task = atOnce && answered !== undefined ? await follow(options, answered) : answered;
    if (recordCall(recorder, op, { callId, amount: BILLED_PRICE }, outcome, task) === 'info') {
      process = options.processes.next();
      if (attempts < ATTEMPTS && random() < 0.5) unknown = { callId, workMs, atOnce, attempts };
      await wait(100);
    }
  }
}

/** Runs `clients` clients until `stop` aborts. */
export async function runCreditsWorkload(options: CreditsWorkloadOptions, stop: AbortSignal): Promise<void> {
  await Promise.all(Array.from({ length: options.clients }, () => client(options, stop)));
}
