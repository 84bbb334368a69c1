/**
 * The final read of property 5 (test/history/README.md, "Credits"): each tenant's balance and its
 * credit ledger, read from the gateways' database after healing (the admin API shows balances and
 * usage sums, not one line per call, and the checker needs the lines). Recorded as one `credits`
 * operation per tenant, in the shape `creditsSchema` gives.
 *
 * How the tables map to the checker's entries: a top-up is a grant; a reservation is one call's
 * charge: a settled one is charged what it settled for, an open hold is charged what it holds (the
 * tenant cannot spend it), and a refunded one is charged its hold and refunded the same. The balance
 * is what the tenant can spend, so the entries sum to it exactly when the journal adds up.
 *
 * A charge names its call by the message id the client sent (the history's `callId`), read from its
 * reservation's idempotency key (src/gateway/proxy/reserve-step.ts, settle-or-track.ts): a call holds
 * under `agent:tenant:messageId` (a repeat of a held message id under `…#attempt`), and the hold moves
 * to `task/agent:tenant:taskId` once the answer names a task (whose message id the tasks table holds)
 * or to `message/agent:tenant:hash:messageId` for a message answer. A key read no other way names
 * itself (the checker then finds no call of it). A gateway's lease (ADR 0010) is a hold of credits
 * for calls not yet made, no call's: open, it is a charge naming no call; returned, it nets to nothing.
 */
import { F, type creditsSchema } from '../history/history-format.js';
import type { HistoryRecorder } from '../history/history-recorder.js';
import type { Database } from '../../src/storage/index.js';
import { LEASE_AGENT } from '../../src/gateway/credits/index.js';
import type { ProcessNumbers } from './task-workload.js';
import type { z } from 'zod';

type Credits = z.infer<typeof creditsSchema>;

const TERMINAL = new Set(['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED']);

/** Each tenant's balance and ledger, as the checker reads them. */
export async function readTenantCredits(database: Database): Promise<Map<string, Credits>> {
  const db = database.db;
  const byTenant = new Map<string, Credits>();
  const of = (tenant: string): Credits => {
    let credits = byTenant.get(tenant);
    if (credits === undefined) byTenant.set(tenant, (credits = { balance: 0, entries: [] }));
    return credits;
  };
  for (const row of await db.selectFrom('credit_balances').select(['tenant', 'available']).execute()) of(row.tenant).balance = row.available;
  for (const row of await db.selectFrom('credit_topups').select(['tenant', 'amount']).orderBy('created_at').execute()) of(row.tenant).entries.push({ kind: 'grant', amount: row.amount });
  const reservations = await db.selectFrom('credit_reservations').select(['tenant', 'agent', 'key', 'held', 'status', 'charged']).orderBy('created_at').execute();
  const messageOfTask = new Map<string, string>();
  const taskIds = reservations.flatMap((row) => (row.key.startsWith(`task/${row.agent}:${row.tenant}:`) ? [row.key.slice(`task/${row.agent}:${row.tenant}:`.length)] : []));
  for (let i = 0; i < taskIds.length; i += 1000) {
    const rows = await db.selectFrom('tasks').select(['id', 'message_id']).where('id', 'in', taskIds.slice(i, i + 1000)).execute();
    for (const row of rows) if (row.message_id !== null) messageOfTask.set(row.id, row.message_id);
  }
  for (const row of reservations) {
    const entries = of(row.tenant).entries;
    if (row.agent === LEASE_AGENT) {
      if (row.status === 'held') entries.push({ kind: 'charge', amount: row.held });
      else if (row.status === 'settled') entries.push({ kind: 'charge', amount: row.charged ?? 0 });
      continue;
    }
    const callId = callIdOf(row, messageOfTask);
    if (row.status === 'settled') entries.push({ kind: 'charge', amount: row.charged ?? 0, callId });
    else {
      entries.push({ kind: 'charge', amount: row.held, callId });
      if (row.status === 'refunded') entries.push({ kind: 'refund', amount: row.held, callId });
    }
  }
  return byTenant;
}

/** The message id a reservation's key names (the file's comment), or the key itself. */
function callIdOf(row: { tenant: string; agent: string; key: string }, messageOfTask: ReadonlyMap<string, string>): string {
  const call = `${row.agent}:${row.tenant}:`;
  if (row.key.startsWith(`task/${call}`)) return messageOfTask.get(row.key.slice(`task/${call}`.length)) ?? row.key;
  if (row.key.startsWith(`message/${call}`)) {
    const rest = row.key.slice(`message/${call}`.length);
    return rest.slice(rest.indexOf(':') + 1);
  }
  if (row.key.startsWith(call)) {
    const rest = row.key.slice(call.length);
    const attempt = rest.lastIndexOf('#');
    return attempt < 0 ? rest : rest.slice(0, attempt);
  }
  return row.key;
}

/** How long the final read waits for the gateways' trackers to settle the holds of tasks that ended. */
const SETTLE_MS = 60_000;

/**
 * Waits until no call's hold names a task that has ended, or `deadline` passes: a call answered at
 * once, or one whose answer was cut, is settled by a gateway's tracker, which reads its task with a
 * backoff of up to 30 s (src/gateway/settlement-tracker.ts). A hold still open then is read as it is,
 * a charge: the checker judges it.
 */
async function waitForSettlements(database: Database, deadline: number): Promise<void> {
  const db = database.db;
  for (;;) {
    const holds = await db.selectFrom('credit_reservations').select(['tenant', 'agent', 'key']).where('status', '=', 'held').where('agent', '<>', LEASE_AGENT).execute();
    const taskIds = holds.flatMap((row) => (row.key.startsWith(`task/${row.agent}:${row.tenant}:`) ? [row.key.slice(`task/${row.agent}:${row.tenant}:`.length)] : []));
    let ended = 0;
    for (let i = 0; i < taskIds.length && ended === 0; i += 1000) {
      const rows = await db.selectFrom('tasks').select('state').where('id', 'in', taskIds.slice(i, i + 1000)).execute();
      ended += rows.filter((row) => TERMINAL.has(row.state)).length;
    }
    if (ended === 0 || Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Records every tenant's credits, one `credits` operation each, once the holds of ended tasks are settled. */
export async function readCredits(options: { recorder: HistoryRecorder; processes: ProcessNumbers; database: Database }): Promise<void> {
  await waitForSettlements(options.database, Date.now() + SETTLE_MS);
  const process = options.processes.next();
  for (const [tenant, credits] of await readTenantCredits(options.database)) {
    options.recorder.ok(options.recorder.invoke(process, F.credits, tenant, null), credits);
  }
}
