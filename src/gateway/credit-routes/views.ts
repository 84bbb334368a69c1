/** JSON shapes of the credit routes: every amount in milli-credits and, for people, as a decimal `credits` string. */
import type { CreditBalanceAnswer, CreditUsageAnswer, TopUpAnswer } from '../../contracts/ledger/index.js';
import { formatCredits, type CreditBalance, type TopUp, type UsageRow } from '../../tenancy/index.js';

export function balanceJson(balance: CreditBalance): CreditBalanceAnswer {
  return {
    tenant: balance.tenant,
    milliCredits: balance.milliCredits,
    credits: formatCredits(balance.milliCredits),
    reservedMilliCredits: balance.reservedMilliCredits,
    reservedCredits: formatCredits(balance.reservedMilliCredits),
    availableMilliCredits: balance.availableMilliCredits,
    availableCredits: formatCredits(balance.availableMilliCredits),
  };
}

export function usageJson(tenant: string, query: { from?: string | undefined; to?: string | undefined; groupBy: string[] }, rows: readonly UsageRow[]): CreditUsageAnswer {
  const total = rows.reduce((sum, r) => ({ milliCredits: sum.milliCredits + r.milliCredits, calls: sum.calls + r.calls }), { milliCredits: 0, calls: 0 });
  return {
    tenant,
    ...(query.from !== undefined && { from: query.from }),
    ...(query.to !== undefined && { to: query.to }),
    groupBy: query.groupBy,
    rows: rows.map((r) => ({ ...r, credits: formatCredits(r.milliCredits) })),
    total: { ...total, credits: formatCredits(total.milliCredits) },
  };
}

export function topUpJson(topUp: TopUp): TopUpAnswer {
  return {
    tenant: topUp.tenant,
    reference: topUp.reference,
    milliCredits: topUp.milliCredits,
    credits: formatCredits(topUp.milliCredits),
    createdAt: topUp.createdAt,
    replayed: topUp.replayed,
    balance: balanceJson(topUp.balance),
  };
}
