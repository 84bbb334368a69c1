/**
 * OAuth clients and API keys: list, create, rotate, revoke, through the
 * gateway's management API (`/v1/clients`, `/v1/api-keys`, scope
 * `gateway:admin`). A secret is shown once, right after creation or
 * rotation, and never kept by the page.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { apiPost, session } from '../session.js';
import { useSignal } from '../signal.js';
import { useData } from '../use-data.js';
import { ErrorAlert } from '../error-alert.js';
import { formatTime, plural } from '../format.js';
import type { ApiKeyPage, ClientPage, IssuedApiKeyView, IssuedClientView } from '../../../src/contracts/management/index.js';
import { ColumnHeads } from '../column-heads.js';

const scopesOf = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** The one time a secret is shown. */
function Secret(props: { what: string; id: string; secret: string; onDone: () => void }) {
  return (
    <div class="card secret" role="status" data-testid="secret">
      <h3>
        {props.what} <code>{props.id}</code>
      </h3>
      <p>Copy the secret now: it is shown once, and the gateway keeps only a hash of it.</p>
      <pre tabIndex={0}>{props.secret}</pre>
      <button type="button" onClick={props.onDone}>
        I have copied it
      </button>
    </div>
  );
}

/** A revoke or rotate waiting for the admin's yes. */
interface Pending {
  action: 'revoke' | 'rotate';
  what: 'client' | 'API key';
  row: CredentialRow;
  run: () => Promise<void>;
}

/**
 * Asks before a revoke or a rotate: both take effect at once (a revoked
 * credential's calls stop; a rotated secret must reach whoever uses it
 * within the grace period). The orchestrator's own client is named as such:
 * revoking it stops every workflow.
 */
function Confirm(props: { pending: Pending; onYes: () => void; onNo: () => void }) {
  const { action, what, row } = props.pending;
  const own = row.scopes.includes('gateway:delegate');
  const yes = useRef<HTMLButtonElement>(null);
  // The question takes the focus when it opens (it is above the table the click came from), once.
  useEffect(() => yes.current?.focus(), [props.pending]);
  return (
    <div class="card confirm" role="alertdialog" aria-labelledby="confirm-h" aria-describedby="confirm-d" data-testid="confirm">
      <h3 id="confirm-h">
        {action === 'revoke' ? 'Revoke' : 'Rotate the secret of'} the {what} {row.name}?
      </h3>
      <p id="confirm-d">
        {action === 'revoke'
          ? `Its ${what === 'client' ? 'tokens' : 'key'} stop working at once, for every caller using it. This cannot be undone.`
          : `A new secret is made; the old one keeps working for the gateway's grace period only: whoever uses ${row.name} needs the new one before then.`}
        {own && ` ${row.name} acts for other tenants (gateway:delegate): it is the orchestrator's kind of client, and workflows calling through it stop until it has a working credential.`}
      </p>
      <div class="actions">
        <button type="button" class={action === 'revoke' ? 'danger' : undefined} onClick={props.onYes} ref={yes}>
          {action === 'revoke' ? `Revoke ${row.name}` : `Rotate ${row.name}`}
        </button>
        <button type="button" class="secondary" onClick={props.onNo}>
          Keep it
        </button>
      </div>
    </div>
  );
}

export function ClientsView() {
  const current = useSignal(session);
  if (current?.info.platform !== true)
    return (
      <>
        <h1>Clients and API keys</h1>
        <p class="notice" role="status">
          Managing clients and API keys needs the gateway:admin scope. Ask a platform admin.
        </p>
      </>
    );
  return <ClientsAdmin />;
}

/** What the create forms ask: a name, a tenant and scopes. */
interface NewCredential {
  name: string;
  tenant: string;
  scopes: string[];
}

/** The create form of clients and of API keys (ids `<prefix>-name`, `<prefix>-tenant`, `<prefix>-scopes`). */
function CreateForm(props: { prefix: string; label: string; button: string; defaultScopes: string; onCreate: (input: NewCredential, form: HTMLFormElement) => void }) {
  const submit = (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    props.onCreate({ name: String(data.get('name')), tenant: String(data.get('tenant')), scopes: scopesOf(String(data.get('scopes'))) }, form);
  };
  return (
    <form class="row create" aria-label={props.label} onSubmit={submit}>
      <div class="field">
        <label for={`${props.prefix}-name`}>Name</label>
        <input id={`${props.prefix}-name`} name="name" required />
      </div>
      <div class="field">
        <label for={`${props.prefix}-tenant`}>Tenant</label>
        <input id={`${props.prefix}-tenant`} name="tenant" required />
      </div>
      <div class="field">
        <label for={`${props.prefix}-scopes`}>Scopes</label>
        <input id={`${props.prefix}-scopes`} name="scopes" value={props.defaultScopes} />
      </div>
      <button type="submit">{props.button}</button>
    </form>
  );
}

/** A row of the clients or API keys table. */
interface CredentialRow {
  id: string;
  name: string;
  tenant: string;
  scopes: string[];
  status: string;
  expiresAt?: string | undefined;
}

/** The clients table and the API keys table: each active row rotates and revokes. */
function CredentialTable(props: {
  testId: string;
  caption: string;
  heading: string;
  /** The row's `data-…` attribute naming it (`data-client`, `data-key`). */
  rowAttribute: string;
  rows: CredentialRow[] | undefined;
  rotateLabel: (name: string) => string;
  onRotate: (row: CredentialRow) => void;
  onRevoke: (row: CredentialRow) => void;
}) {
  return (
    <table data-testid={props.testId}>
      <caption>{props.caption}</caption>
      <ColumnHeads labels={[props.heading, 'Tenant', 'Scopes', 'Status', 'Actions']} />
      <tbody>
        {props.rows?.map((r) => (
          <tr key={r.id} {...{ [props.rowAttribute]: r.name }}>
            <th scope="row" data-label={props.heading}>
              {r.name}
              <br />
              <small class="id">{r.id}</small>
            </th>
            <td data-label="Tenant">{r.tenant}</td>
            <td data-label="Scopes">{r.scopes.join(' ')}</td>
            <td data-label="Status">
              {r.status}
              {r.expiresAt !== undefined && <small> until {formatTime(r.expiresAt)}</small>}
            </td>
            <td data-label="Actions">
              {r.status === 'active' && (
                <span class="actions">
                  <button type="button" aria-label={props.rotateLabel(r.name)} onClick={() => props.onRotate(r)}>
                    Rotate
                  </button>
                  <button type="button" class="danger" aria-label={`Revoke ${r.name}`} onClick={() => props.onRevoke(r)}>
                    Revoke
                  </button>
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ClientsAdmin() {
  const clients = useData<ClientPage>('/v1/clients?pageSize=200');
  const keys = useData<ApiKeyPage>('/v1/api-keys?pageSize=200');
  const [secret, setSecret] = useState<{ what: string; id: string; secret: string } | undefined>(undefined);
  const [error, setError] = useState('');
  const [pending, setPending] = useState<Pending | undefined>(undefined);
  const ask = (action: Pending['action'], what: Pending['what'], row: CredentialRow, run: () => Promise<void>) => setPending({ action, what, row, run });

  const act = async (work: () => Promise<void>) => {
    setError('');
    try {
      await work();
    } catch (err) {
      setError((err as Error).message);
    }
    clients.reload();
    keys.reload();
  };
  const clientPath = (row: CredentialRow, action: string) => `/v1/clients/${encodeURIComponent(row.id)}/${action}`;
  const keyPath = (row: CredentialRow, action: string) => `/v1/api-keys/${encodeURIComponent(row.id)}/${action}`;

  return (
    <>
      <h1>Clients and API keys</h1>
      <ErrorAlert message={error} />
      {secret !== undefined && <Secret {...secret} onDone={() => setSecret(undefined)} />}
      {pending !== undefined && (
        <Confirm
          pending={pending}
          onNo={() => setPending(undefined)}
          onYes={() => {
            setPending(undefined);
            void act(pending.run);
          }}
        />
      )}
      <h2>OAuth clients</h2>
      <CreateForm
        prefix="client"
        label="Create a client"
        button="Create client"
        defaultScopes="a2a:message:send a2a:tasks:read a2a:tasks:cancel"
        onCreate={(input, form) =>
          void act(async () => {
            const made = await apiPost<IssuedClientView>('/v1/clients', { ...input, authMethod: 'client_secret_basic' });
            setSecret({ what: 'Client', id: made.client_id, secret: made.client_secret ?? '' });
            form.reset();
          })
        }
      />
      <CredentialTable
        testId="clients"
        caption={clients.data === undefined ? 'Loading the clients…' : plural(clients.data.clients.length, 'client')}
        heading="Client"
        rowAttribute="data-client"
        rows={clients.data?.clients.map((c) => ({ id: c.client_id, name: c.name, tenant: c.tenant, scopes: c.scopes, status: c.status }))}
        rotateLabel={(name) => `Rotate the secret of ${name}`}
        onRotate={(row) =>
          ask('rotate', 'client', row, async () => {
            const rotated = await apiPost<IssuedClientView>(clientPath(row, 'rotate-secret'));
            setSecret({ what: 'Client', id: rotated.client_id, secret: rotated.client_secret ?? '' });
          })
        }
        onRevoke={(row) => ask('revoke', 'client', row, async () => void (await apiPost(clientPath(row, 'revoke'))))}
      />
      <h2>API keys</h2>
      <CreateForm
        prefix="key"
        label="Create an API key"
        button="Create API key"
        defaultScopes="a2a:message:send a2a:tasks:read"
        onCreate={(input, form) =>
          void act(async () => {
            const made = await apiPost<IssuedApiKeyView>('/v1/api-keys', input);
            setSecret({ what: 'API key', id: made.id, secret: made.key ?? '' });
            form.reset();
          })
        }
      />
      <CredentialTable
        testId="api-keys"
        caption={keys.data === undefined ? 'Loading the API keys…' : plural(keys.data.apiKeys.length, 'API key')}
        heading="Key"
        rowAttribute="data-key"
        rows={keys.data?.apiKeys.map((k) => ({ id: k.id, name: k.name, tenant: k.tenant, scopes: k.scopes, status: k.status, expiresAt: k.expiresAt }))}
        rotateLabel={(name) => `Rotate ${name}`}
        onRotate={(row) =>
          ask('rotate', 'API key', row, async () => {
            const rotated = await apiPost<IssuedApiKeyView>(keyPath(row, 'rotate'));
            setSecret({ what: 'API key', id: rotated.id, secret: rotated.key ?? '' });
          })
        }
        onRevoke={(row) => ask('revoke', 'API key', row, async () => void (await apiPost(keyPath(row, 'revoke'))))}
      />
    </>
  );
}
