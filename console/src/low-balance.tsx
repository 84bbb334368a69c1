/**
 * The low-balance flag of Overview and Credits: a tenant whose available
 * balance is under the gateway's low-balance threshold (`lowBalanceMilliCredits`,
 * 100 credits by default: the threshold the ledger's own low-balance alert
 * uses), so a tenant admin sees it before calls start being refused.
 */
export interface LowBalanceState {
  lowBalance: boolean;
  lowBalanceThresholdMilliCredits: number;
}

const credits = (milli: number) => (milli / 1000).toLocaleString('en', { maximumFractionDigits: 3 });

export function LowBalance(props: { tenant: string; state: LowBalanceState | undefined }) {
  if (props.state?.lowBalance !== true) return null;
  return (
    <p class="notice" role="status" data-testid="low-balance">
      Low balance: tenant {props.tenant} has less than {credits(props.state.lowBalanceThresholdMilliCredits)} credits available. Calls are refused once it runs out: top it up.
    </p>
  );
}
