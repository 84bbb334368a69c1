/**
 * The final read of property 5 (test/history/README.md, "Credits"): each tenant's balance and its
 * credit ledger, read from the gateways' database after healing (the admin API shows balances and
 * usage sums, not one line per call, and the checker needs the lines). Recorded as one `credits`
 * operation per tenant, in the shape `creditsSchema` gives.
 *
 * How the tables map to the checker's entries: a top-up is a grant; a reservation is one call's
 * charge, keyed by its idempotency key (the message id, or `agent:taskId` once the task is known):
 * a settled one is charged what it settled for, an open hold is charged what it holds (the tenant
 * cannot spend it), and a refunded one is charged its hold and refunded the same. The balance is
 * what the tenant can spend, so the entries sum to it exactly when the journal adds up.
 */
import { F, type creditsSchema } from '../history/history-format.js';
import type { HistoryRecorder } from '../history/history-recorder.js';
import type { Database } from '../../src/storage/index.js';
import type { ProcessNumbers } from './task-workload.js';
import type { z } from 'zod';

type Credits = z.infer<typeof creditsSchema>;

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
  const reservations = await db.selectFrom('credit_reservations').select(['tenant', 'key', 'held', 'status', 'charged']).orderBy('created_at').execute();
  for (const row of reservations) {
    const entries = of(row.tenant).entries;
    if (row.status === 'settled') entries.push({ kind: 'charge', amount: row.charged ?? 0, callId: row.key });
    else {
      entries.push({ kind: 'charge', amount: row.held, callId: row.key });
      if (row.status === 'refunded') entries.push({ kind: 'refund', amount: row.held, callId: row.key });
    }
  }
  return byTenant;
}

/** Records every tenant's credits, one `credits` operation each. */
export async function readCredits(options: { recorder: HistoryRecorder; processes: ProcessNumbers; database: Database }): Promise<void> {
  const process = options.processes.next();
  for (const [tenant, credits] of await readTenantCredits(options.database)) {
    options.recorder.ok(options.recorder.invoke(process, F.credits, tenant, null), credits);
  }
}
