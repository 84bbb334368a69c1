/**
 * A tenant's credits: balance, usage by agent and skill, credits per day as a
 * chart. Reads the gateway's credits API (`/v1/tenants/{tenant}/credits…`),
 * which lets a tenant read its own tenant only and an admin any: a tenant
 * admin's view is fixed to its tenant, a platform admin picks one.
 */
import { useState } from 'preact/hooks';
import { TimeChart } from '../chart.js';
import { apiPost, session } from '../session.js';
import { useSignal } from '../signal.js';
import { useData } from '../use-data.js';
import { LowBalance, type LowBalanceState } from '../low-balance.js';
import { ErrorAlert, OutcomeNotice, type Outcome } from '../error-alert.js';
import { formatCredits, formatNumber, plural } from '../format.js';
import { acting } from '../acting.js';
import type { CreditBalanceAnswer, CreditUsageAnswer } from '../../../src/contracts/ledger/index.js';
import { ColumnHeads } from '../column-heads.js';


/** The last 30 UTC days, as the usage API's `from`. */
function monthAgo(): string {
  return new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
}

export function CreditsView() {
  const current = useSignal(session);
  const platform = current?.info.platform === true;
  const actingIn = acting.get()?.tenant ?? 'demo';
  const [draft, setDraft] = useState(actingIn);
  const [chosen, setChosen] = useState(actingIn);
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
  const balance = useData<CreditBalanceAnswer>(base, 10_000);
  const low = useData<LowBalanceState>(`/v1/console/credits/${encodeURIComponent(props.tenant)}/low-balance`, 10_000);
  const byAgent = useData<CreditUsageAnswer>(`${base}/usage?groupBy=agent,skill&from=${from}`, 10_000);
  const byDay = useData<CreditUsageAnswer>(`${base}/usage?groupBy=day&from=${from}`, 10_000);
  const error = balance.error || byAgent.error || byDay.error;
  const mayTopUp = useSignal(session)?.info.scopes.includes('credits:admin') === true;
  const days = (byDay.data?.rows ?? []).filter((r) => r.day !== undefined).sort((a, b) => a.day!.localeCompare(b.day!));
  return (
    <>
      <ErrorAlert message={error} />
      <LowBalance tenant={props.tenant} state={low.data} />
      {balance.data !== undefined && (
        <ul class="tiles" data-testid="balance">
          <li class="tile">
            <span class="tile-number">{formatNumber(balance.data.availableCredits)}</span>
            <span class="tile-title">available</span>
          </li>
          <li class="tile">
            <span class="tile-number">{formatNumber(balance.data.reservedCredits)}</span>
            <span class="tile-title">held by calls in flight</span>
          </li>
        </ul>
      )}
      {mayTopUp && (
        <TopUp
          tenant={props.tenant}
          onDone={() => {
            balance.reload();
            low.reload();
          }}
        />
      )}
      <h2>Usage over the last 30 days</h2>
      {byDay.data === undefined ? (
        byDay.error === '' && <p aria-busy="true">Loading the usage…</p>
      ) : days.length > 0 ? (
        <TimeChart title="Credits charged per day (UTC)" unit="credits" span={30 * 86_400} times={days.map((d) => Date.parse(`${d.day}T12:00:00Z`) / 1000)} series={[{ label: 'credits', stroke: '#1d4ed8', values: days.map((d) => d.milliCredits / 1000) }]} />
      ) : (
        <p>No call of tenant {props.tenant} was charged in the last 30 days.</p>
      )}
      {byAgent.data !== undefined && (
        <table data-testid="usage">
          <caption>
            {formatCredits(byAgent.data.total.credits)} in {plural(byAgent.data.total.calls, 'call')}, by agent and skill
          </caption>
          <ColumnHeads labels={['Agent', 'Skill', 'Calls', 'Credits']} />
          <tbody>
            {byAgent.data.rows.map((r) => (
              <tr key={`${r.agent}/${r.skill}`} data-agent={r.agent}>
                <th scope="row" data-label="Agent">
                  {r.agent}
                </th>
                <td data-label="Skill">{r.skill ?? '–'}</td>
                <td data-label="Calls" class="number">
                  {formatNumber(r.calls)}
                </td>
                <td data-label="Credits" class="number">
                  {formatNumber(r.credits)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** Adds credits (scope credits:admin). The reference makes a retried top-up count once. */
function TopUp(props: { tenant: string; onDone: () => void }) {
  const [message, setMessage] = useState<Outcome | undefined>(undefined);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    try {
      const done = await apiPost<{ credits: string; replayed: boolean; balance: { availableCredits: string } }>(`/v1/tenants/${encodeURIComponent(props.tenant)}/credits/topups`, {
        credits: String(data.get('credits') ?? ''),
        reference: String(data.get('reference') ?? '').trim() || `console-${crypto.randomUUID()}`,
      });
      setMessage({ ok: true, text: `${done.replayed ? 'Already added' : 'Added'} ${formatCredits(done.credits)}: ${formatNumber(done.balance.availableCredits)} available.` });
      form.reset();
      props.onDone();
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    }
  };
  return (
    <details class="card">
      <summary>Top up</summary>
      <form class="row create" aria-label={`Top up ${props.tenant}`} onSubmit={submit}>
        <div class="field">
          <label for="topup-credits">Credits</label>
          <input id="topup-credits" name="credits" required inputMode="decimal" pattern="[0-9]+(\.[0-9]{1,3})?" />
        </div>
        <div class="field">
          <label for="topup-reference">Reference (optional: makes a retry count once)</label>
          <input id="topup-reference" name="reference" maxLength={200} />
        </div>
        <button type="submit">Add credits</button>
      </form>
      <OutcomeNotice outcome={message} testId="topup-result" />
    </details>
  );
}
