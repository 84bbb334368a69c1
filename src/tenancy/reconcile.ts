/**
 * Reconciliation: folds the journal up and compares it with the tables that
 * the hot path reads (balances, open holds, charges, top-ups).
 */
import { revenueAgentOf, tenantAccountOf, TOPUPS_ACCOUNT } from './accounts.js';
import type { Discrepancy, ReconcileReport } from './ledger-types.js';
import type { ReconcileFigures } from './store/ledger-store.js';

/**
 * Compares the journal with the tables. Expected: every entry balances with
 * two postings or more; each tenant's `available` and `reserved` columns equal
 * their accounts; `reserved` equals the sum of its open holds; each agent's
 * revenue equals what its settled calls charged; `topups` mirrors the
 * top-ups table. Anything else is listed.
 */
export function reconcileFigures(figures: ReconcileFigures): ReconcileReport {
  const discrepancies: Discrepancy[] = [];
  for (const entry of figures.unbalanced) discrepancies.push({ kind: 'entry', entryId: entry.entryId, sumMilliCredits: entry.total, postings: entry.postings });

  const journal = new Map<string, number>(figures.accounts.map((a) => [a.account, a.total]));
  const balanceTenants = new Set(figures.balances.map((b) => b.tenant));
  for (const b of figures.balances) {
    for (const column of ['available', 'reserved'] as const) {
      const journalTotal = journal.get(`tenant:${b.tenant}:${column}`) ?? 0;
      if (journalTotal !== b[column]) discrepancies.push({ kind: 'balance', tenant: b.tenant, account: column, journalMilliCredits: journalTotal, tableMilliCredits: b[column] });
    }
  }
  const holds = new Map(figures.holds.map((h) => [h.tenant, h.total]));
  for (const b of figures.balances) {
    const open = holds.get(b.tenant) ?? 0;
    if (open !== b.reserved) discrepancies.push({ kind: 'holds', tenant: b.tenant, openHoldsMilliCredits: open, tableMilliCredits: b.reserved });
  }
  for (const [tenant, open] of holds) {
    if (!balanceTenants.has(tenant) && open !== 0) discrepancies.push({ kind: 'holds', tenant, openHoldsMilliCredits: open, tableMilliCredits: 0 });
  }

  const charged = new Map(figures.charged.map((c) => [c.agent, c.total]));
  const revenueAgents = new Set<string>();
  for (const { account, total } of figures.accounts) {
    const agent = revenueAgentOf(account);
    if (agent !== undefined) {
      revenueAgents.add(agent);
      const expected = charged.get(agent) ?? 0;
      if (expected !== total) discrepancies.push({ kind: 'revenue', agent, journalMilliCredits: total, chargedMilliCredits: expected });
      continue;
    }
    const owner = tenantAccountOf(account);
    // A tenant account with postings but no balance row: money the tables lost track of.
    if (owner !== undefined && !balanceTenants.has(owner.tenant) && total !== 0) discrepancies.push({ kind: 'account', account, journalMilliCredits: total });
    if (owner === undefined && account !== TOPUPS_ACCOUNT) discrepancies.push({ kind: 'account', account, journalMilliCredits: total });
  }
  for (const [agent, total] of charged) {
    if (!revenueAgents.has(agent) && total !== 0) discrepancies.push({ kind: 'revenue', agent, journalMilliCredits: 0, chargedMilliCredits: total });
  }

  const topupsJournal = journal.get(TOPUPS_ACCOUNT) ?? 0;
  if (-topupsJournal !== figures.topups) discrepancies.push({ kind: 'topups', journalMilliCredits: topupsJournal, topupsMilliCredits: figures.topups });

  return { ok: discrepancies.length === 0, tenants: figures.balances.length, entries: figures.entries, discrepancies };
}
