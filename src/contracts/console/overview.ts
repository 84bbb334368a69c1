/**
 * The console API's answers about the signed-in caller and the platform
 * (`/v1/console/session`, `/overview`, `/traffic`, `/act-as`, the
 * low-balance flag), as the gateway writes them and the web console reads them.
 */

/** `GET /v1/console/session`: who the console is signed in as, and what it sees. */
export interface ConsoleSession {
  subject: string;
  kind: string;
  tenant: string;
  scopes: string[];
  /** A platform admin (gateway:admin) sees every tenant. */
  platform: boolean;
  /** Epoch seconds, when the credential expires. */
  expiresAt?: number;
}

/** `POST /v1/console/act-as`: a platform admin's short-lived token in one tenant. */
export interface ActAsAnswer {
  tenant: string;
  token: string;
  /** Epoch seconds. */
  expiresAt: number;
  scopes: string[];
  /** The header the token's calls carry the tenant in. */
  onBehalfOfHeader: string;
}

/** Whether a tenant's available balance is under its low-balance threshold (the one the ledger's alert uses). */
export interface LowBalanceState {
  lowBalance: boolean;
  lowBalanceThresholdMilliCredits: number;
}

/** `GET /v1/console/credits/{tenant}/low-balance`. */
export interface LowBalanceAnswer extends LowBalanceState {
  tenant: string;
  availableMilliCredits: number;
}

/** One sample of the gateway's call metrics: cumulative values at `at` (epoch ms). */
export interface MetricsPoint {
  at: number;
  /** Calls by outcome (`ok`, `error`, `denied`), since the process started. */
  calls: Record<string, number>;
  /** The call duration histogram: upper bounds in seconds (-1 stands for +Inf, which JSON cannot hold) and cumulative counts. */
  buckets: { le: number[]; counts: number[] };
}

/** One role of the platform as the overview shows it. */
export interface ConsoleRole {
  name: string;
  state: string;
  /** The registry's URL, for a platform admin. */
  url?: string;
  /** The agents an agent host serves. */
  agents?: string[];
  /** The gateway's readiness checks. */
  detail?: unknown;
}

/** `GET /v1/console/overview`. */
export interface ConsoleOverview {
  at: string;
  /** The tenant admin's tenant; null for a platform admin. */
  tenant: string | null;
  roles: ConsoleRole[];
  agents: { total: number; healthy: number; degraded: number; down: number; unknown: number };
  /** The last hour of call metrics: a platform admin's only. */
  metrics: MetricsPoint[];
  /** A tenant admin's balance and what its calls were charged today (UTC). */
  credits?: { tenant: string; milliCredits: number; reservedMilliCredits: number; availableMilliCredits: number; spentTodayMilliCredits: number } & Partial<LowBalanceState>;
  /** A platform admin's: the tenants under their low-balance threshold, lowest first. */
  lowBalances?: Array<{ tenant: string; availableMilliCredits: number; thresholdMilliCredits: number }>;
}

/** One hour of a tenant's calls. */
export interface TrafficHour {
  /** The hour's start, ISO 8601. */
  at: string;
  calls: number;
  /** Calls the agent or the gateway failed. */
  errors: number;
  /** Calls refused before reaching an agent: credential, scope, quota, credits. */
  denied: number;
  p50Ms: number | null;
  p95Ms: number | null;
  /** Credits charged in the hour: calls settled at once, and settlements of calls that ran on. */
  milliCredits: number;
}

/** `GET /v1/console/traffic`: a tenant's calls per hour over the last day. */
export interface TenantTraffic {
  tenant: string;
  hours: TrafficHour[];
  /** Audit rows read. */
  scanned: number;
  /** More rows were written in the last day than the gateway reads: the oldest hours miss calls. */
  partial: boolean;
}
