/**
 * OAuth clients and API keys: list, create, rotate, revoke, through the
 * gateway's management API (`/v1/clients`, `/v1/api-keys`, scope
 * `gateway:admin`). A secret is shown once, right after creation or
 * rotation, and never kept by the page.
 */
import { useState } from 'preact/hooks';
import { apiPost, session } from '../session.js';
import { useSignal } from '../signal.js';
import { useData } from '../use-data.js';
import { ErrorAlert } from '../error-alert.js';

interface Client {
  client_id: string;
  name: string;
  tenant: string;
  scopes: string[];
  status: string;
  createdAt: string;
  client_secret?: string;
}
interface ApiKey {
  id: string;
  name: string;
  tenant: string;
  scopes: string[];
  status: string;
  createdAt: string;
  expiresAt?: string;
  key?: string;
}

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

function ClientsAdmin() {
  const clients = useData<{ clients: Client[] }>('/v1/clients?pageSize=200');
  const keys = useData<{ apiKeys: ApiKey[] }>('/v1/api-keys?pageSize=200');
  const [secret, setSecret] = useState<{ what: string; id: string; secret: string } | undefined>(undefined);
  const [error, setError] = useState('');

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

  const createClient = (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    void act(async () => {
      const made = await apiPost<Client>('/v1/clients', { name: String(data.get('name')), tenant: String(data.get('tenant')), scopes: scopesOf(String(data.get('scopes'))), authMethod: 'client_secret_basic' });
      setSecret({ what: 'Client', id: made.client_id, secret: made.client_secret ?? '' });
      form.reset();
    });
  };

  const createKey = (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    void act(async () => {
      const made = await apiPost<ApiKey>('/v1/api-keys', { name: String(data.get('name')), tenant: String(data.get('tenant')), scopes: scopesOf(String(data.get('scopes'))) });
      setSecret({ what: 'API key', id: made.id, secret: made.key ?? '' });
      form.reset();
    });
  };

  return (
    <>
      <h1>Clients and API keys</h1>
      <ErrorAlert message={error} />
      {secret !== undefined && <Secret {...secret} onDone={() => setSecret(undefined)} />}
      <h2>OAuth clients</h2>
      <form class="row create" aria-label="Create a client" onSubmit={createClient}>
        <div class="field">
          <label for="client-name">Name</label>
          <input id="client-name" name="name" required />
        </div>
        <div class="field">
          <label for="client-tenant">Tenant</label>
          <input id="client-tenant" name="tenant" required />
        </div>
        <div class="field">
          <label for="client-scopes">Scopes</label>
          <input id="client-scopes" name="scopes" value="a2a:message:send a2a:tasks:read a2a:tasks:cancel" />
        </div>
        <button type="submit">Create client</button>
      </form>
      <table data-testid="clients">
        <caption>{clients.data?.clients.length ?? 0} clients</caption>
        <thead>
          <tr>
            <th scope="col">Client</th>
            <th scope="col">Tenant</th>
            <th scope="col">Scopes</th>
            <th scope="col">Status</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {clients.data?.clients.map((c) => (
            <tr key={c.client_id} data-client={c.name}>
              <th scope="row">
                {c.name}
                <br />
                <small>{c.client_id}</small>
              </th>
              <td>{c.tenant}</td>
              <td>{c.scopes.join(' ')}</td>
              <td>{c.status}</td>
              <td>
                {c.status === 'active' && (
                  <span class="actions">
                    <button type="button" aria-label={`Rotate the secret of ${c.name}`} onClick={() => void act(async () => {
                      const rotated = await apiPost<Client>(`/v1/clients/${encodeURIComponent(c.client_id)}/rotate-secret`);
                      setSecret({ what: 'Client', id: rotated.client_id, secret: rotated.client_secret ?? '' });
                    })}>
                      Rotate
                    </button>
                    <button type="button" class="danger" aria-label={`Revoke ${c.name}`} onClick={() => void act(async () => void (await apiPost(`/v1/clients/${encodeURIComponent(c.client_id)}/revoke`)))}>
                      Revoke
                    </button>
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>API keys</h2>
      <form class="row create" aria-label="Create an API key" onSubmit={createKey}>
        <div class="field">
          <label for="key-name">Name</label>
          <input id="key-name" name="name" required />
        </div>
        <div class="field">
          <label for="key-tenant">Tenant</label>
          <input id="key-tenant" name="tenant" required />
        </div>
        <div class="field">
          <label for="key-scopes">Scopes</label>
          <input id="key-scopes" name="scopes" value="a2a:message:send a2a:tasks:read" />
        </div>
        <button type="submit">Create API key</button>
      </form>
      <table data-testid="api-keys">
        <caption>{keys.data?.apiKeys.length ?? 0} API keys</caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Tenant</th>
            <th scope="col">Scopes</th>
            <th scope="col">Status</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {keys.data?.apiKeys.map((k) => (
            <tr key={k.id} data-key={k.name}>
              <th scope="row">
                {k.name}
                <br />
                <small>{k.id}</small>
              </th>
              <td>{k.tenant}</td>
              <td>{k.scopes.join(' ')}</td>
              <td>
                {k.status}
                {k.expiresAt !== undefined && <small> until {k.expiresAt}</small>}
              </td>
              <td>
                {k.status === 'active' && (
                  <span class="actions">
                    <button type="button" aria-label={`Rotate ${k.name}`} onClick={() => void act(async () => {
                      const rotated = await apiPost<ApiKey>(`/v1/api-keys/${encodeURIComponent(k.id)}/rotate`);
                      setSecret({ what: 'API key', id: rotated.id, secret: rotated.key ?? '' });
                    })}>
                      Rotate
                    </button>
                    <button type="button" class="danger" aria-label={`Revoke ${k.name}`} onClick={() => void act(async () => void (await apiPost(`/v1/api-keys/${encodeURIComponent(k.id)}/revoke`)))}>
                      Revoke
                    </button>
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
