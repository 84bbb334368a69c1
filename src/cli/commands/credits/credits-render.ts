/** Human output of `agentmesh credits …`; `--json` prints the gateway's JSON instead. */
import { formatCredits } from '../../../tenancy/index.js';
import { fields, table } from '../agents/agents-render.js';
import type { CreditBalanceAnswer, CreditHold, CreditHoldsAnswer, CreditUsageAnswer, HoldReleaseAnswer, TopUpAnswer } from '../../../contracts/ledger/index.js';

/** Key prefix of a gateway replica's credit lease in the ledger (gateway/credits/leased-holds.ts). */
const LEASE_KEY_PREFIX = 'lease:';

/**
 * A balance as `label value` lines. Reserved credits are of two kinds: a
 * gateway replica's lease (a block it holds for calls to come, so a call
 * needs no ledger write; returned when the lease ends) and a call's own hold
 * (while that call is in flight). Given the tenant's open holds (the whole
 * list), the line says how much is which; without them it names both.
 */
export function formatBalance(balance: CreditBalanceAnswer, holds?: CreditHold[]): string {
  let reserved = `${balance.reservedCredits} credits (leased to gateway replicas, returned when the lease ends, or held by calls in flight)`;
  if (balance.reservedMilliCredits === 0) reserved = `${balance.reservedCredits} credits`;
  else if (holds !== undefined) {
    const leased = holds.filter((h) => h.key.startsWith(LEASE_KEY_PREFIX)).reduce((sum, h) => sum + h.milliCredits, 0);
    const inCalls = Math.max(0, balance.reservedMilliCredits - leased);
    const parts = [
      ...(leased > 0 ? [`${formatCredits(leased)} leased to gateway replicas (returned to available when the lease ends)`] : []),
      ...(inCalls > 0 ? [`${formatCredits(inCalls)} held by calls in flight`] : []),
    ];
    reserved = `${balance.reservedCredits} credits: ${parts.join(', ')}`;
  }
  return fields([
    ['tenant', balance.tenant],
    ['balance', `${balance.credits} credits`],
    ['available', `${balance.availableCredits} credits`],
    ['reserved', reserved],
  ]);
}

/** What a top-up did, then the balance after it. */
export function formatTopUp(topUp: TopUpAnswer): string {
  const head = topUp.replayed
    ? `reference ${topUp.reference} was already applied (${topUp.credits} credits to ${topUp.tenant} at ${topUp.createdAt}); nothing added\n`
    : `added ${topUp.credits} credits to ${topUp.tenant} (reference ${topUp.reference})\n`;
  return head + formatBalance(topUp.balance);
}

/** Usage rows as a table, one column per grouping, then a total. */
export function formatUsage(usage: CreditUsageAnswer): string {
  if (usage.rows.length === 0) return `no settled calls for ${usage.tenant}${usage.from || usage.to ? ' in that window' : ''}\n`;
  const dims = usage.groupBy.filter(isGrouping);
  const header = [...dims.map((d) => d.toUpperCase()), 'CREDITS', 'CALLS'];
  const rows = usage.rows.map((r) => [...dims.map((d) => r[d] ?? ''), r.credits, String(r.calls)]);
  if (dims.length > 0) rows.push([...dims.map((_, i) => (i === 0 ? 'total' : '')), usage.total.credits, String(usage.total.calls)]);
  return table(header, rows);
}

/** Open holds as a table, oldest first. */
export function formatHolds(holds: CreditHoldsAnswer): string {
  if (holds.reservations.length === 0) return `no credit holds open for ${holds.tenant}\n`;
  return table(
    ['KEY', 'AGENT', 'SKILL', 'CREDITS', 'SINCE'],
    holds.reservations.map((r) => [r.key, r.agent, r.skill, r.credits, r.createdAt]),
  );
}

/** What a release did. */
export function formatRelease(release: HoldReleaseAnswer): string {
  if (release.replayed) return `hold ${release.key} of ${release.tenant} was already ${release.status} at ${release.closedAt}${release.reason ? ` (${release.reason})` : ''}; nothing released\n`;
  return `released ${release.releasedCredits} credits held by ${release.key} back to ${release.tenant} (${release.reason ?? 'released'})\n`;
}

/** A grouping the usage rows have a column for (the request's schema admits no other). */
function isGrouping(name: string): name is 'agent' | 'skill' | 'day' {
  return name === 'agent' || name === 'skill' || name === 'day';
}
