/**
 * The audit trail: the newest rows with filters, then new rows as they are
 * written (a live tail: `/v1/console/audit/stream`, server-sent events read
 * by live.ts, resumed after the last row seen), an NDJSON export, and (for a
 * platform admin) a verify of the whole hash chain whose problems point at
 * the rows they name. The gateway decides which rows a caller reads.
 */
import { useEffect, useState } from 'preact/hooks';
import { follow, liveText, type LiveState } from '../live.js';
import { authHeaders, messageOf, session } from '../session.js';
import { useSignal } from '../signal.js';
import { useData } from '../use-data.js';
import { ErrorAlert } from '../error-alert.js';
import { formatNumber, formatTime, plural } from '../format.js';
import type { AuditRow, AuditVerifyResult as VerifyResult } from '../../../src/contracts/audit/index.js';
import { ColumnHeads } from '../column-heads.js';

/** Rows the page keeps: the tail's newest. */
const KEPT_ROWS = 500;

export function AuditView() {
  const current = useSignal(session);
  const [filters, setFilters] = useState({ eventType: '', outcome: '', agent: '' });
  const filterQuery = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== '')).toString();
  const query = `limit=200${filterQuery === '' ? '' : `&${filterQuery}`}`;
  const first = useData<{ rows: AuditRow[] }>(`/v1/console/audit?${query}`);
  const error = first.error;
  const [added, setAdded] = useState<AuditRow[]>([]);
  const [live, setLive] = useState<LiveState>({ kind: 'connecting' });
  // The rows read first, then the tail's after the newest of them (again after the newest seen, on a reconnect).
  useEffect(() => {
    setAdded([]);
    if (first.data === undefined) return;
    let last = first.data.rows.reduce((max, r) => Math.max(max, r.seq), 0);
    return follow({
      // None read yet: from the tip on (not the whole chain again).
      path: () => `/v1/console/audit/stream?${last > 0 ? `since=${last}&` : ''}${filterQuery}`,
      onState: setLive,
      onEvent: (event, text) => {
        if (event !== 'audit') return;
        const row = JSON.parse(text) as AuditRow;
        if (row.seq <= last) return;
        last = row.seq;
        setAdded((rows) => [row, ...rows].slice(0, KEPT_ROWS));
      },
    });
  }, [first.data, filterQuery]);
  const data = first.data === undefined ? undefined : { rows: [...added, ...first.data.rows].slice(0, KEPT_ROWS) };
  const [verify, setVerify] = useState<VerifyResult | undefined>(undefined);
  const [verifyError, setVerifyError] = useState('');
  const [busy, setBusy] = useState(false);
  const broken = new Map((verify?.problems ?? []).map((p) => [p.seq, p]));

  const runVerify = async () => {
    setBusy(true);
    setVerifyError('');
    try {
      const res = await fetch('/v1/console/audit/verify', { method: 'POST', headers: { accept: 'application/json', ...authHeaders(current!.credential) } });
      const body: unknown = await res.json().catch(() => undefined);
      if (!res.ok) throw new Error(messageOf(body, `verify answered ${res.status}`));
      setVerify(body as VerifyResult);
    } catch (err) {
      setVerifyError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const exportRows = async () => {
    const res = await fetch(`/v1/console/audit/export?${query}`, { headers: authHeaders(current!.credential) });
    if (!res.ok) {
      setVerifyError(`export answered ${res.status}`);
      return;
    }
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = 'agentmesh-audit.ndjson';
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  const set = (key: keyof typeof filters) => (e: Event) => setFilters({ ...filters, [key]: (e.target as HTMLInputElement).value });

  return (
    <>
      <h1>Audit</h1>
      <form class="row filters" aria-label="Filter audit rows" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="audit-event">Event type</label>
          <input id="audit-event" value={filters.eventType} onChange={set('eventType')} placeholder="a2a.call" />
        </div>
        <div class="field">
          <label for="audit-outcome">Outcome</label>
          <select id="audit-outcome" value={filters.outcome} onChange={set('outcome')}>
            <option value="">any</option>
            <option value="ok">ok</option>
            <option value="denied">denied</option>
            <option value="error">error</option>
          </select>
        </div>
        <div class="field">
          <label for="audit-agent">Agent</label>
          <input id="audit-agent" value={filters.agent} onChange={set('agent')} />
        </div>
      </form>
      <p class="actions">
        <button type="button" onClick={() => void exportRows()}>
          Export (NDJSON)
        </button>{' '}
        {current?.info.platform && (
          <button type="button" onClick={() => void runVerify()} disabled={busy}>
            {busy ? 'Verifying…' : 'Verify the chain'}
          </button>
        )}
      </p>
      <ErrorAlert message={verifyError} />
      {verify !== undefined && (
        <div role="status" data-testid="verify" class={verify.ok ? 'notice ok' : 'error'}>
          {verify.ok ? (
            `The chain verifies: ${plural(verify.checked, 'row')} checked.`
          ) : (
            <>
              The chain is broken ({plural(verify.checked, 'row')} checked):
              <ul>
                {verify.problems.map((p) => (
                  <li key={`${p.seq}/${p.kind}`}>
                    row {p.seq}: {p.kind}, {p.detail}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
      <ErrorAlert message={error} />
      <p class="live" data-testid="audit-live" data-live={live.kind} role="status">
        Live tail: {liveText(live)}
      </p>
      {data === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <table data-testid="audit">
          <caption>The newest {plural(data.rows.length, 'row')} you may read, newest first</caption>
          <ColumnHeads labels={['Row', 'Time', 'Event', 'Outcome', 'Tenant', 'Actor', 'Agent / task', 'Credits']} />
          <tbody>
            {data.rows.map((r) => (
              <tr key={r.seq} data-seq={r.seq} class={broken.has(r.seq) ? 'broken' : undefined}>
                <th scope="row" data-label="Row">
                  {r.seq}
                  {broken.has(r.seq) && <span class="badge health-down"> {broken.get(r.seq)!.kind}</span>}
                </th>
                <td data-label="Time">{formatTime(r.time)}</td>
                <td data-label="Event">
                  {r.eventType}
                  {r.method !== undefined && <small> {r.method}</small>}
                </td>
                <td data-label="Outcome">
                  {r.outcome}
                  {r.errorCode !== undefined && <small> {r.errorCode}</small>}
                  {policyDecisionOf(r.detail?.['policy']) !== undefined && (
                    <small data-testid="audit-policy" title="The policies that decided the call (docs/policies.md); agentmesh policy explain <row> shows them">
                      {' '}
                      policy: {policyDecisionOf(r.detail?.['policy'])}
                    </small>
                  )}
                </td>
                <td data-label="Tenant">{r.tenant ?? '–'}</td>
                <td data-label="Actor">
                  {r.actor.kind}
                  {r.actor.id !== undefined && <small class="id"> {r.actor.id}</small>}
                  {r.detail?.['delegatedBy'] !== undefined && <small> on the tenant's behalf</small>}
                  {actorsOf(r.detail?.['act']).length > 0 && (
                    <small data-testid="audit-act" title="A token exchange (RFC 8693): the user, then each client that acted for it, the one that made this call last">
                      {' '}
                      for {r.user ?? '?'} via {actorsOf(r.detail?.['act']).join(' → ')}
                    </small>
                  )}
                </td>
                <td data-label="Agent / task">
                  {r.targetAgent ?? '–'}
                  {r.taskId !== undefined && (
                    <>
                      <br />
                      <small class="id">{r.taskId}</small>
                    </>
                  )}
                </td>
                <td data-label="Credits">{r.milliCredits === undefined ? '–' : formatNumber(r.milliCredits / 1000)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** A row's `detail.policy` as words: the outcome and the deciding policy versions; undefined when no policy decided the call. */
function policyDecisionOf(detail: unknown): string | undefined {
  if (typeof detail !== 'object' || detail === null) return undefined;
  const outcome = 'outcome' in detail && typeof detail.outcome === 'string' ? detail.outcome : undefined;
  if (outcome === undefined) return undefined;
  const policies = 'policies' in detail && Array.isArray(detail.policies) ? detail.policies.filter((p): p is string => typeof p === 'string') : [];
  return policies.length === 0 ? outcome : `${outcome} by ${policies.join(', ')}`;
}

/** The actors of a row's `detail.act` (RFC 8693, the current actor outermost), in the order they acted; empty without one. */
function actorsOf(act: unknown): string[] {
  const outermostFirst: string[] = [];
  for (let a = act as { sub?: unknown; act?: unknown } | undefined; typeof a === 'object' && a !== null && outermostFirst.length < 9; a = a.act as typeof a) {
    if (typeof a.sub !== 'string') break;
    outermostFirst.push(a.sub);
  }
  return outermostFirst.reverse();
}
