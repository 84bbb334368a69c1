import { useState } from 'preact/hooks';
import { authHeaders, messageOf, signIn, signOutReason, type Credential, type SessionInfo } from '../session.js';
import { useSignal } from '../signal.js';
import { ErrorAlert } from '../error-alert.js';

/** Checks a credential against `/v1/console/session` and signs in with it. */
async function establish(credential: Credential): Promise<void> {
  const res = await fetch('/v1/console/session', { headers: { accept: 'application/json', ...authHeaders(credential) } });
  const body: unknown = await res.json().catch(() => undefined);
  if (res.status === 403) throw new Error(`${messageOf(body, 'forbidden')}: the console needs console:read (one tenant) or gateway:admin (every tenant).`);
  if (!res.ok) throw new Error(messageOf(body, `sign-in failed (${res.status})`));
  signIn({ credential, info: body as SessionInfo });
}

/** Exchanges a client's id and secret for a token at the gateway's token endpoint (RFC 6749 §4.4). */
async function tokenFor(clientId: string, clientSecret: string): Promise<Credential> {
  // RFC 6749 §2.3.1: the id and secret are form-encoded before the Basic encoding.
  const basic = btoa(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`);
  const res = await fetch('/oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}`, accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
  });
  const body = (await res.json().catch(() => undefined)) as { access_token?: string; expires_in?: number } | undefined;
  if (!res.ok || typeof body?.access_token !== 'string') throw new Error(messageOf(body, `the token endpoint answered ${res.status}`));
  return { kind: 'token', token: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 300) * 1000 };
}

export function SignIn() {
  const reason = useSignal(signOutReason);
  const [mode, setMode] = useState<'client' | 'api-key' | 'token'>('client');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError('');
    try {
      const credential: Credential =
        mode === 'client'
          ? await tokenFor(String(form.get('clientId') ?? '').trim(), String(form.get('clientSecret') ?? ''))
          : mode === 'api-key'
            ? { kind: 'api-key', key: String(form.get('apiKey') ?? '').trim() }
            : // A pasted token's expiry comes from the session answer (its exp claim).
              { kind: 'token', token: String(form.get('token') ?? '').trim(), expiresAt: Number.POSITIVE_INFINITY };
      await establish(credential);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in" id="main">
      <h1>agentmesh console</h1>
      {reason !== '' && (
        <p class="notice" role="status">
          {reason}
        </p>
      )}
      <form onSubmit={submit} aria-label="Sign in">
        <fieldset class="modes">
          <legend>Sign in with</legend>
          <label>
            <input type="radio" name="mode" value="client" checked={mode === 'client'} onChange={() => setMode('client')} /> client id and secret
          </label>
          <label>
            <input type="radio" name="mode" value="api-key" checked={mode === 'api-key'} onChange={() => setMode('api-key')} /> API key
          </label>
          <label>
            <input type="radio" name="mode" value="token" checked={mode === 'token'} onChange={() => setMode('token')} /> access token
          </label>
        </fieldset>
        {mode === 'client' ? (
          <>
            <label for="clientId">Client id</label>
            <input id="clientId" name="clientId" autocomplete="username" required />
            <label for="clientSecret">Client secret</label>
            <input id="clientSecret" name="clientSecret" type="password" autocomplete="current-password" required />
          </>
        ) : mode === 'api-key' ? (
          <>
            <label for="apiKey">API key</label>
            <input id="apiKey" name="apiKey" type="password" autocomplete="off" required />
          </>
        ) : (
          <>
            <label for="token">Access token (from `agentmesh token`, or the gateway's admin token)</label>
            <input id="token" name="token" type="password" autocomplete="off" required />
          </>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <ErrorAlert message={error} />
      </form>
      <p class="hint">The credentials stay in this tab's memory: reloading the page signs out.</p>
    </main>
  );
}
