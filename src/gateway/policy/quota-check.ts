/** One limit to charge a request against: `rpm` requests per minute plus `burst` extra. */
export interface QuotaCheck {
  /** What is limited, e.g. `client:amc_1:agent:lead-scorer` or `tenant:acme`. */
  key: string;
  rpm: number;
  burst: number;
}
