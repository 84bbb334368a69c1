import { useMemo } from 'preact/hooks';
import { LowBalance, type LowBalanceState } from '../low-balance.js';
import { TimeChart } from '../chart.js';
import { derive, totals, type MetricsPoint } from '../metrics.js';
import { useData } from '../use-data.js';
import { ErrorAlert } from '../error-alert.js';
import { formatNumber, plural } from '../format.js';

interface Overview {
  at: string;
  tenant: string | null;
  roles: Array<{ name: string; state: string; url?: string; agents?: string[] }>;
  agents: { total: number; healthy: number; degraded: number; down: number; unknown: number };
  metrics: MetricsPoint[];
  credits?: { availableMilliCredits: number; reservedMilliCredits: number; spentTodayMilliCredits: number } & LowBalanceState;
  /** A platform admin's: the tenants under their low-balance threshold, lowest first. */
  lowBalances?: Array<{ tenant: string; availableMilliCredits: number; thresholdMilliCredits: number }>;
}

const credits = (milli: number) => formatNumber(milli / 1000);

export function OverviewView() {
  const { data, error } = useData<Overview>('/v1/console/overview', 10_000);
  const d = useMemo(() => (data ? derive(data.metrics) : undefined), [data]);
  const sum = data ? totals(data.metrics) : undefined;
  return (
    <>
      <h1>Overview</h1>
      <ErrorAlert message={error} />
      {data === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <>
          <section aria-labelledby="roles-h">
            <h2 id="roles-h">Roles</h2>
            <ul class="tiles" data-testid="roles">
              {data.roles.map((r) => (
                <li key={r.name} class={`tile state-${r.state}`}>
                  <span class="tile-title">{r.name}</span>
                  <span class="badge">{r.state}</span>
                  {r.agents !== undefined && <span class="tile-detail">{plural(r.agents.length, 'agent')}</span>}
                </li>
              ))}
            </ul>
          </section>
          <section aria-labelledby="agents-h">
            <h2 id="agents-h">Agents</h2>
            <ul class="tiles" data-testid="agent-health">
              {(['healthy', 'degraded', 'down', 'unknown'] as const).map((h) => (
                <li key={h} class={`tile health-${h}`}>
                  <span class="tile-number" data-health={h}>
                    {formatNumber(data.agents[h])}
                  </span>
                  <span class="tile-title">{h}</span>
                </li>
              ))}
            </ul>
          </section>
          {data.credits !== undefined && (
            <section aria-labelledby="credits-h">
              <h2 id="credits-h">Credits</h2>
              <p>{`Tenant ${data.tenant}: ${credits(data.credits.spentTodayMilliCredits)} credits spent today (UTC), ${credits(data.credits.availableMilliCredits)} available, ${credits(data.credits.reservedMilliCredits)} held.`}</p>
              <LowBalance tenant={data.tenant ?? ''} state={data.credits} />
            </section>
          )}
          {data.lowBalances !== undefined && data.lowBalances.length > 0 && (
            <section aria-labelledby="low-h">
              <h2 id="low-h">Low balances</h2>
              <ul class="notice low-balances" data-testid="low-balances">
                {data.lowBalances.map((b) => (
                  <li key={b.tenant} data-tenant={b.tenant}>
                    Tenant {b.tenant}: {credits(b.availableMilliCredits)} credits available, under its threshold of {credits(b.thresholdMilliCredits)}.
                  </li>
                ))}
              </ul>
            </section>
          )}
          {data.tenant !== null ? (
            <p>The gateway's traffic charts count every tenant's calls: platform admins see them. Your tenant's calls are in Tasks, Credits and Audit.</p>
          ) : (
          <section aria-labelledby="traffic-h">
            <h2 id="traffic-h">Traffic through the gateway (last hour)</h2>
            <p>
              {plural(sum!.calls, 'call')} since the gateway started: {formatNumber(sum!.errors)} failed, {formatNumber(sum!.denied)} denied (credential, scope, quota or credits).
            </p>
            <div class="charts">
              <TimeChart
                title="Requests and errors per second"
                unit="req/s"
                times={d!.times}
                series={[
                  { label: 'requests', stroke: '#1d4ed8', values: d!.requestsPerSecond },
                  { label: 'errors', stroke: '#b91c1c', values: d!.errorsPerSecond },
                ]}
              />
              <TimeChart
                title="Latency percentiles"
                unit="ms"
                times={d!.times}
                series={[
                  { label: 'p50', stroke: '#047857', values: d!.p50 },
                  { label: 'p95', stroke: '#b45309', values: d!.p95 },
                  { label: 'p99', stroke: '#7e22ce', values: d!.p99 },
                ]}
              />
            </div>
          </section>
          )}
        </>
      )}
    </>
  );
}
