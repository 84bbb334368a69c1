import { useMemo } from 'preact/hooks';
import { LowBalance } from '../low-balance.js';
import { TimeChart } from '../chart.js';
import { derive, totals } from '../metrics.js';
import { useData } from '../use-data.js';
import { ErrorAlert } from '../error-alert.js';
import { formatCredits, formatNumber, plural } from '../format.js';
import { acting } from '../acting.js';
import { useSignal } from '../signal.js';
import type { ConsoleOverview, TenantTraffic } from '../../../src/contracts/console/index.js';

const credits = (milli: number) => formatNumber(milli / 1000);

export function OverviewView() {
  const { data, error } = useData<ConsoleOverview>('/v1/console/overview', 10_000);
  const d = useMemo(() => (data ? derive(data.metrics) : undefined), [data]);
  const sum = data ? totals(data.metrics) : undefined;
  const actingIn = useSignal(acting)?.tenant;
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
            <TenantTrafficView tenant={data.tenant} own />
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
          {data.tenant === null && actingIn !== undefined && <TenantTrafficView tenant={actingIn} own={false} />}
        </>
      )}
    </>
  );
}

/**
 * A tenant's own calls per hour over the last day (`/v1/console/traffic`,
 * read by the gateway from the audit trail, filtered by tenant on the
 * server): what a tenant admin sees in place of the gateway-wide charts.
 */
function TenantTrafficView(props: { tenant: string; own: boolean }) {
  const { data, error } = useData<TenantTraffic>(`/v1/console/traffic${props.own ? '' : `?tenant=${encodeURIComponent(props.tenant)}`}`, 60_000);
  const hours = data?.hours ?? [];
  const times = hours.map((h) => Date.parse(h.at) / 1000 + 1800);
  const sum = hours.reduce((t, h) => ({ calls: t.calls + h.calls, errors: t.errors + h.errors, denied: t.denied + h.denied, milli: t.milli + h.milliCredits }), { calls: 0, errors: 0, denied: 0, milli: 0 });
  return (
    <section aria-labelledby="tenant-traffic-h" data-testid="tenant-traffic">
      <h2 id="tenant-traffic-h">{props.own ? 'Your tenant’s traffic' : `Traffic of tenant ${props.tenant}`} (last 24 hours)</h2>
      <ErrorAlert message={error} />
      {data === undefined ? (
        error === '' && <p aria-busy="true">Loading the traffic…</p>
      ) : (
        <>
          <p data-testid="tenant-traffic-summary">
            {plural(sum.calls, 'call')} of tenant {data.tenant}: {formatNumber(sum.errors)} failed, {formatNumber(sum.denied)} denied; {formatCredits(sum.milli, 'milli')} charged.
            {data.partial && ' The oldest hours are incomplete: the day holds more audit rows than one read takes.'}
          </p>
          <div class="charts">
            <TimeChart
              title="Calls per hour"
              unit="calls"
              span={86_400}
              times={times}
              series={[
                { label: 'calls', stroke: '#1d4ed8', values: hours.map((h) => h.calls) },
                { label: 'failed', stroke: '#b91c1c', values: hours.map((h) => h.errors) },
                { label: 'denied', stroke: '#b45309', values: hours.map((h) => h.denied) },
              ]}
            />
            <TimeChart
              title="Latency per hour"
              unit="ms"
              span={86_400}
              times={times}
              series={[
                { label: 'p50', stroke: '#047857', values: hours.map((h) => h.p50Ms) },
                { label: 'p95', stroke: '#7e22ce', values: hours.map((h) => h.p95Ms) },
              ]}
            />
            <TimeChart title="Credits charged per hour" unit="credits" span={86_400} times={times} series={[{ label: 'credits', stroke: '#1d4ed8', values: hours.map((h) => h.milliCredits / 1000) }]} />
          </div>
        </>
      )}
    </section>
  );
}
