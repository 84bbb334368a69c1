/**
 * The approvals workload (property 6, test/history/README.md, "Approvals"): an approval rule at the
 * gateways gates every call to the priced `payments` agent. Clients of a tenant of their own call it
 * through whichever gateway runs, one `call` operation per SendMessage keyed by the tenant, its
 * `callId` the message's id: the gateway parks the call (holding its price) and answers a task in
 * AUTH_REQUIRED, which the client follows with GetTask until it ends: completed (`ok`, charged once)
 * once approved and run, rejected (`fail`, refunded, never run) once denied; not seen ending is `info`,
 * and the client goes on as a new process, which half the time sends the same message again (up to
 * {@link ATTEMPTS} sends): the gateway must find the call it parked, not park a second one.
 * An approver, holding the gateways' admin token, lists the pending calls through whichever gateway
 * runs and approves or denies each, one `decide` operation per decision: answered with the call's new
 * state `ok`; refused as decided already, or never sent, `fail` (no effect); anything else `info`.
 * After the last heal, `settleApprovals` decides what is still pending and waits for every approved
 * call to be sent, and `readApprovals` records the gateways' parked calls and the agent's effects.
 */
import { randomUUID } from 'node:crypto';
import { F } from '../history/history-format.js';
import type { HistoryRecorder } from '../history/history-recorder.js';
import { ADMIN_TOKEN } from '../helpers/gateway-fixture.js';
import type { Database } from '../../src/storage/index.js';
import { ApprovalStore } from '../../src/gateway/approvals/index.js';
import { a2aCall, taskOf } from './a2a-call.js';
import { recordCall, TERMINAL } from './call-outcome.js';
import { PAYMENT_PRICE, paymentText, readPaymentEffects } from './payments-agent.js';
import type { ProcessNumbers, Targets, WorkloadOptions } from './task-workload.js';

/** The agent the rule gates, as the gateways route it. */
export const GATED_AGENT = 'payments';
/** Sends of one call at most: the first and two repeats under its message id, as the credits clients make. */
const ATTEMPTS = 3;
/** How long a client follows its parked call before its outcome is unknown. */
const FOLLOW_MS = 60_000;
/** Between two reads of a parked call: two clients stay well under a gateway's per-client quota. */
const POLL_MS = 300;
/** The share of pending calls the approver approves; it denies the rest. */
const APPROVE_SHARE = 0.7;
const NEVER_SENT = new Set(['ECONNREFUSED']);

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ApprovalsWorkloadOptions extends WorkloadOptions {
  tenant: string;
  /** The gateways' base URLs and names, for the approver. */
  gateways: Targets;
}

const RULE_ID = 'nemesis-payments';

/**
 * Puts every call to the gated agent before an approver, and resolves once every gateway has it in
 * force: the others read it from the store when the writer's announcement reaches them, and a call
 * sent before then would rightly pass ungated.
 */
export async function addApprovalRule(gateways: readonly string[]): Promise<void> {
  const response = await fetch(`${gateways[0]}/v1/approval-rules/${RULE_ID}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ agent: GATED_AGENT, reason: 'every payment needs an approver' }),
  });
  if (response.status !== 200) throw new Error(`the approval rule was refused: HTTP ${response.status} ${await response.text()}`);
  for (const gateway of gateways) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const listed = await fetch(`${gateway}/v1/approval-rules`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      const text = await listed.text();
      if (listed.status === 200 && text.includes(`"${RULE_ID}"`)) break;
      if (Date.now() > deadline) throw new Error(`gateway ${gateway} still has no rule ${RULE_ID} 30 s after it was written: ${listed.status} ${text.slice(0, 200)}`);
      await wait(100);
    }
  }
}

/** The call's task read through whichever gateway runs until it ends; the last state seen when it does not within FOLLOW_MS. */
async function follow(options: ApprovalsWorkloadOptions, gatedId: string, first: { id: string; state: string }): Promise<{ id: string; state: string }> {
  const deadline = Date.now() + FOLLOW_MS;
  let seen = first;
  while (!TERMINAL.has(seen.state) && Date.now() < deadline) {
    await wait(POLL_MS);
    const live = options.targets.live();
    const node = live[Math.floor(options.random() * live.length)];
    if (node === undefined) continue;
    // The gated id answers the gateway's parked call until it is sent, then the agent's task (docs/approvals.md).
    const outcome = await a2aCall(node.url, 'GetTask', { id: gatedId }, options.timeoutMs, node.headers);
    const read = outcome.kind === 'result' ? taskOf(outcome.result) : undefined;
    if (read !== undefined) seen = read;
  }
  return seen;
}

async function client(options: ApprovalsWorkloadOptions, stop: AbortSignal): Promise<void> {
  const { recorder, random, tenant } = options;
  let process = options.processes.next();
  /** A call answered `info`, to be sent again under its message id, and how many times it was sent. */
  let unknown: { callId: string; workMs: number; attempts: number } | undefined;
  while (!stop.aborted) {
    const live = options.targets.live();
    const node = live[Math.floor(random() * live.length)];
    if (node === undefined) {
      await wait(100);
      continue;
    }
    const repeat = unknown;
    unknown = undefined;
    // The same message again: the gateway finds the call it parked (or sent) and answers with it.
    const callId = repeat?.callId ?? randomUUID();
    const workMs = repeat?.workMs ?? Math.round(options.workMs[0] + random() * (options.workMs[1] - options.workMs[0]));
    const attempts = (repeat?.attempts ?? 0) + 1;
    const op = recorder.invoke(process, F.call, tenant, { callId }, node.name);
    const message = { messageId: callId, role: 'ROLE_USER', parts: [{ text: paymentText(callId, workMs) }] };
    const outcome = await a2aCall(node.url, 'SendMessage', { message }, options.timeoutMs, node.headers);
    const parked = outcome.kind === 'result' ? taskOf(outcome.result) : undefined;
    const task = parked === undefined ? undefined : await follow(options, parked.id, parked);
    const extra = parked === undefined ? {} : { approvalId: parked.id };
    if (recordCall(recorder, op, { callId, amount: PAYMENT_PRICE, extra }, outcome, task) === 'info') {
      process = options.processes.next();
      if (attempts < ATTEMPTS && random() < 0.5) unknown = { callId, workMs, attempts };
      await wait(100);
    }
  }
}

/** `GET /v1/approvals?state=…` of the gated agent through one gateway; undefined when it did not answer. */
async function listApprovals(gatewayUrl: string, state: 'pending' | 'forwarding', timeoutMs: number): Promise<string[] | undefined> {
  try {
    const response = await fetch(`${gatewayUrl}/v1/approvals?state=${state}&agent=${GATED_AGENT}&limit=100`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: AbortSignal.timeout(timeoutMs) });
    if (response.status !== 200) return undefined;
    const body = (await response.json()) as { approvals?: Array<{ id?: unknown }> };
    return (body.approvals ?? []).flatMap((a) => (typeof a.id === 'string' ? [a.id] : []));
  } catch {
    return undefined;
  }
}

/** One decision, recorded: `ok` with the state the gateway answered, `fail` when it certainly had no effect, `info` otherwise. */
async function decide(recorder: HistoryRecorder, process: number, gateway: { name: string; url: string }, approvalId: string, decision: 'approve' | 'deny', timeoutMs: number): Promise<'ok' | 'fail' | 'info'> {
  const op = recorder.invoke(process, F.decide, approvalId, { approvalId, decision }, gateway.name);
  let status: number;
  let text: string;
  try {
    const response = await fetch(`${gateway.url}/v1/approvals/${encodeURIComponent(approvalId)}/${decision}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: `${decision} by the nemesis approver` }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = response.status;
    text = await response.text();
  } catch (err) {
    const code = err instanceof Error && err.cause instanceof Error && 'code' in err.cause ? String(err.cause.code) : undefined;
    if (code !== undefined && NEVER_SENT.has(code)) {
      recorder.fail(op, { error: code });
      return 'fail';
    }
    recorder.info(op, { error: code ?? (err instanceof Error ? err.message : String(err)) });
    return 'info';
  }
  if (status === 200) {
    recorder.ok(op, { state: stateIn(text) });
    return 'ok';
  }
  // Decided already (another decision, the expiry): this one changed nothing.
  if (status === 409) {
    recorder.fail(op, { status, error: text.slice(0, 200) });
    return 'fail';
  }
  recorder.info(op, { status, error: text.slice(0, 200) });
  return 'info';
}

/** The `state` of a decision's answer, `unknown` when the body does not say. */
function stateIn(text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    return typeof body === 'object' && body !== null && 'state' in body && typeof body.state === 'string' ? body.state : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** One pass of the approver over the pending calls one gateway lists; resolves with how many were listed (all of them decided), undefined when none answered. */
async function approverPass(options: { recorder: HistoryRecorder; processes: ProcessNumbers; random: () => number; timeoutMs: number; gateways: () => Array<{ name: string; url: string }> }, state: { process: number }): Promise<number | undefined> {
  const gateways = options.gateways();
  const lister = gateways[Math.floor(options.random() * gateways.length)];
  if (lister === undefined) return undefined;
  const pending = await listApprovals(lister.url, 'pending', options.timeoutMs);
  if (pending === undefined) return undefined;
  for (const approvalId of pending) {
    const live = options.gateways();
    const gateway = live[Math.floor(options.random() * live.length)];
    if (gateway === undefined) break;
    const decision = options.random() < APPROVE_SHARE ? 'approve' : 'deny';
    // A process told nothing is done: the next decision is another process's, as Jepsen has it.
    if ((await decide(options.recorder, state.process, gateway, approvalId, decision, options.timeoutMs)) === 'info') state.process = options.processes.next();
  }
  return pending.length;
}

/**
 * Runs `clients` callers and one approver until `stop` aborts; the approver goes on until the last
 * client's call ended, so no client is left following a call nobody decides.
 */
export async function runApprovalsWorkload(options: ApprovalsWorkloadOptions, stop: AbortSignal): Promise<void> {
  let running = options.clients;
  const approver = async (): Promise<void> => {
    const state = { process: options.processes.next() };
    const gateways = () => options.gateways.live().map((n) => ({ name: n.name, url: n.url }));
    while (running > 0) {
      const decided = await approverPass({ ...options, gateways }, state);
      if (decided === undefined || decided === 0) await wait(200);
    }
  };
  const caller = async (): Promise<void> => {
    try {
      await client(options, stop);
    } finally {
      running -= 1;
    }
  };
  await Promise.all([...Array.from({ length: options.clients }, caller), approver()]);
}

/**
 * After the last heal: decides every call still pending (as the approver would), and waits until no
 * approved call is left half-sent (a gateway that died mid-send leaves it to another's sweep, a
 * request timeout and a margin later), or `deadline` passes; the checker flags what is left.
 */
export async function settleApprovals(options: { recorder: HistoryRecorder; processes: ProcessNumbers; random: () => number; timeoutMs: number; gateways: Targets; deadline: number }): Promise<void> {
  const state = { process: options.processes.next() };
  const gateways = () => options.gateways.live().map((n) => ({ name: n.name, url: n.url }));
  while (Date.now() < options.deadline) {
    const decided = await approverPass({ ...options, gateways }, state);
    const first = gateways()[0];
    const forwarding = first === undefined ? undefined : await listApprovals(first.url, 'forwarding', options.timeoutMs);
    if (decided === 0 && forwarding?.length === 0) return;
    await wait(500);
  }
}

/**
 * Records the gated agent's parked calls as the gateways' store ends (each with the message id its
 * client sent, its state, the agent task's state once sent, and the error a failed send answered),
 * and the agent's effects: one `approvals` operation. The effects are read first: an effect implies
 * its call had left `pending` already, so a late send between the two reads cannot show as an effect
 * of a call not approved.
 */
export async function readApprovals(options: { recorder: HistoryRecorder; processes: ProcessNumbers; database: Database; tenant: string }): Promise<void> {
  const op = options.recorder.invoke(options.processes.next(), F.approvals, options.tenant, null);
  const db = options.database.db;
  const effects = await readPaymentEffects(db);
  const records = await new ApprovalStore(db).list({ agent: GATED_AGENT, limit: 1_000_000 });
  const taskIds = records.flatMap((a) => (a.taskId === undefined ? [] : [a.taskId]));
  const taskStates = new Map<string, string>();
  for (let i = 0; i < taskIds.length; i += 1000) {
    for (const row of await db.selectFrom('tasks').select(['id', 'state']).where('id', 'in', taskIds.slice(i, i + 1000)).execute()) taskStates.set(row.id, row.state);
  }
  const approvals = records.reverse().map((a) => {
    const taskState = a.taskId === undefined ? undefined : taskStates.get(a.taskId);
    return { approvalId: a.id, callId: a.messageId, state: a.state, ...(taskState === undefined ? {} : { taskState }), ...(a.outcome?.error === undefined ? {} : { error: a.outcome.error }) };
  });
  options.recorder.ok(op, { approvals, effects });
}
