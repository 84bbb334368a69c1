/**
 * A tenant's credits: balance, usage by agent and skill, credits per day as a
 * chart. Reads the gateway's credits API (`/v1/tenants/{tenant}/credits…`),
 * which lets a tenant read its own tenant only and an admin any: a tenant
 * admin's view is fixed to its tenant, a platform admin picks one.
 */
import { useState } from 'preact/hooks';
import { TimeChart } from '../chart.js';
import { session } from '../session.js';
import { useSignal } from '../signal.js';
import { useData } from '../use-data.js';

interface Balance {
  tenant: string;
  credits: string;
  availableCredits: string;
  reservedCredits: string;
}
interface Usage {
  rows: Array<{ agent?: string; skill?: string; day?: string; milliCredits: number; calls: number; credits: string }>;
  total: { credits: string; calls: number };
}

/** The last 30 UTC days, as the usage API's `from`. */
function monthAgo(): string {
  return new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
}

export function CreditsView() {
  const current = useSignal(session);
  const platform = current?.info.platform === true;
  const [draft, setDraft] = useState('demo');
  const [chosen, setChosen] = useState('demo');
  const tenant = platform ? chosen : (current?.info.tenant ?? '');
  return (
    <>
      <h1>Credits</h1>
      {platform ? (
        <form
          class="search"
          aria-label="Choose a tenant"
          onSubmit={(e) => {
            e.preventDefault();
            setChosen(draft.trim());
          }}
        >
          <label for="credits-tenant">Tenant</label>
          <input id="credits-tenant" value={draft} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} />
          <button type="submit">Show</button>
        </form>
      ) : (
        <p>Tenant {tenant}.</p>
      )}
      {tenant !== '' && <TenantCredits tenant={tenant} key={tenant} />}
    </>
  );
}

function TenantCredits(props: { tenant: string }) {
  const base = `/v1/tenants/${encodeURIComponent(props.tenant)}/credits`;
  const from = monthAgo();
  const balance = useData<Balance>(base, 10_000);
  const byAgent = useData<Usage>(`${base}/usage?groupBy=agent,skill&from=${from}`, 10_000);
  const byDay = useData<Usage>(`${base}/usage?groupBy=day&from=${from}`, 10_000);
  const error = balance.error || byAgent.error || byDay.error;
  const days = (byDay.data?.rows ?? []).filter((r) => r.day !== undefined).sort((a, b) => a.day!.localeCompare(b.day!));
  return (
    <>
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {balance.data !== undefined && (
        <ul class="tiles" data-testid="balance">
          <li class="tile">
            <span class="tile-number">{balance.data.availableCredits}</span>
            <span class="tile-title">available</span>
          </li>
          <li class="tile">
            <span class="tile-number">{balance.data.reservedCredits}</span>
            <span class="tile-title">held by calls in flight</span>
          </li>
        </ul>
      )}
      <h2>Usage over the last 30 days</h2>
      {days.length > 0 ? (
        <TimeChart title="Credits charged per day (UTC)" unit="credits" span={30 * 86_400} times={days.map((d) => Date.parse(`${d.day}T12:00:00Z`) / 1000)} series={[{ label: 'credits', stroke: '#1d4ed8', values: days.map((d) => d.milliCredits / 1000) }]} />
      ) : (
        <p>No call was charged yet.</p>
      )}
      {byAgent.data !== undefined && (
        <table data-testid="usage">
          <caption>
            {byAgent.data.total.credits} credits in {byAgent.data.total.calls} calls, by agent and skill
          </caption>
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">Skill</th>
              <th scope="col">Calls</th>
              <th scope="col">Credits</th>
            </tr>
          </thead>
          <tbody>
            {byAgent.data.rows.map((r) => (
              <tr key={`${r.agent}/${r.skill}`} data-agent={r.agent}>
                <th scope="row">{r.agent}</th>
                <td>{r.skill ?? '–'}</td>
                <td>{r.calls}</td>
                <td>{r.credits}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
