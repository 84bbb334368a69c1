/**
 * The low-balance flag of Overview and Credits: a tenant whose available
 * balance is under the gateway's low-balance threshold (`lowBalanceMilliCredits`,
 * 100 credits by default: the threshold the ledger's own low-balance alert
 * uses), so a tenant admin sees it before calls start being refused.
 */
import type { LowBalanceState } from '../../src/contracts/console/index.js';

export type { LowBalanceState };

const credits = (milli: number) => (milli / 1000).toLocaleString('en', { maximumFractionDigits: 3 });

/** `state` is the overview's `credits` too, where the flag is absent when the ledger could not say. */
export function LowBalance(props: { tenant: string; state: Partial<LowBalanceState> | undefined }) {
  if (props.state?.lowBalance !== true) return null;
  return (
    <p class="notice" role="status" data-testid="low-balance">
      Low balance: tenant {props.tenant} has less than {credits(props.state.lowBalanceThresholdMilliCredits ?? 0)} credits available. Calls are refused once it runs out: top it up.
    </p>
  );
}
