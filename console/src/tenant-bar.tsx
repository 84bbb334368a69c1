/**
 * A platform admin's choice of tenant (acting.ts): the tenants the gateway's
 * clients and API keys name are offered, any other may be typed. While it
 * acts in a tenant the bar says so, and that the calls are audited as on the
 * tenant's behalf.
 */
import { Fragment, type ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { acting, actIn, stopActing } from './acting.js';
import { ErrorAlert } from './error-alert.js';
import { session } from './session.js';
import { useSignal } from './signal.js';
import { useData } from './use-data.js';

export function TenantBar() {
  const now = useSignal(acting);
  const clients = useData<{ clients: Array<{ tenant: string }> }>('/v1/clients?pageSize=200');
  const keys = useData<{ apiKeys: Array<{ tenant: string }> }>('/v1/api-keys?pageSize=200');
  const known = [...new Set([...(clients.data?.clients ?? []), ...(keys.data?.apiKeys ?? [])].map((c) => c.tenant))].sort();
  const [draft, setDraft] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      await actIn(draft.trim());
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="tenant-bar" aria-label="Tenant">
      {now !== null ? (
        <p data-testid="acting" role="status">
          Acting in tenant <strong>{now.tenant}</strong>: Try it, Tasks and Workflows are its own; each call is audited as yours on its behalf.{' '}
          <button type="button" class="secondary" onClick={stopActing}>
            Change tenant
          </button>
        </p>
      ) : (
        <form class="search" onSubmit={submit} aria-label="Act in a tenant">
          <label for="act-tenant">The admin token has no tenant of its own. To try agents, list tasks and run workflows, act in a tenant:</label>
          <input id="act-tenant" list="known-tenants" value={draft} required onInput={(e) => setDraft((e.target as HTMLInputElement).value)} placeholder="demo" />
          <datalist id="known-tenants">
            {known.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
          <button type="submit" disabled={busy}>
            Act in this tenant
          </button>
        </form>
      )}
      <ErrorAlert message={error} />
    </section>
  );
}

/** Said in place of a tenant's view while a platform admin has not chosen one. */
function NeedsTenant(props: { what: string }) {
  return (
    <p class="notice" role="status" data-testid="needs-tenant">
      {props.what} belong to a tenant: choose the tenant to act in above. The admin token manages the gateway (agents, clients, credits, audit) but makes no A2A call itself.
    </p>
  );
}

/** The tenant whose A2A views are shown: a tenant admin's own, the one a platform admin acts in, or undefined. */
export function useViewTenant(): { platform: boolean; tenant: string | undefined } {
  const now = useSignal(acting);
  const current = useSignal(session);
  const platform = current?.info.platform === true;
  return { platform, tenant: platform ? now?.tenant : current?.info.tenant };
}

/**
 * A view of one tenant's A2A data: its title and {@link NeedsTenant} (`what`
 * names the data) until there is a tenant to show, then `render`'s view of
 * that tenant, mounted afresh whenever the tenant changes.
 */
export function TenantView(props: { title: string; what: string; render: (view: { tenant: string; platform: boolean }) => ComponentChildren }) {
  const { platform, tenant } = useViewTenant();
  if (tenant === undefined)
    return (
      <>
        <h1>{props.title}</h1>
        <NeedsTenant what={props.what} />
      </>
    );
  return <Fragment key={tenant}>{props.render({ tenant, platform })}</Fragment>;
}
