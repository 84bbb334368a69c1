import { useEffect, useState } from 'preact/hooks';
import type { OidcSettings } from '../oidc.js';
import { takePending } from '../oidc-pending.js';
import { authHeaders, messageOf, signedOutOf, signIn, signOutReason, type Credential, type SessionInfo } from '../session.js';
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

/** One token request (RFC 6749 §4.4) with the client authenticated as `how` says. */
async function tokenRequest(clientId: string, clientSecret: string, how: 'post' | 'basic'): Promise<{ res: Response; body: { access_token?: string; expires_in?: number; error?: string; error_description?: string } | undefined }> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (how === 'post') {
    form.set('client_id', clientId);
    form.set('client_secret', clientSecret);
  } else {
    // RFC 6749 §2.3.1: the id and secret are form-encoded before the Basic encoding.
    headers['authorization'] = `Basic ${btoa(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`)}`;
  }
  const res = await fetch('/oauth/token', { method: 'POST', headers, body: form.toString() });
  return { res, body: (await res.json().catch(() => undefined)) as never };
}

/**
 * Exchanges a client's id and secret for a token at the gateway's token
 * endpoint. The secret goes in the body first (client_secret_post): a wrong
 * one is answered 401 without a `WWW-Authenticate: Basic` challenge (RFC 6749
 * §5.2 asks for it only when Basic was tried), which would make the browser
 * open its own login dialog over the page. A client registered for Basic is
 * told so only after its secret was checked: then Basic cannot fail on it.
 */
async function tokenFor(clientId: string, clientSecret: string): Promise<Credential> {
  let { res, body } = await tokenRequest(clientId, clientSecret, 'post');
  if (res.status === 401 && /registered for client_secret_basic/.test(body?.error_description ?? '')) ({ res, body } = await tokenRequest(clientId, clientSecret, 'basic'));
  if (!res.ok || typeof body?.access_token !== 'string') {
    const why = messageOf(body, `the token endpoint answered ${res.status}`);
    throw new Error(body?.error === 'invalid_client' ? `Sign-in failed: ${why}. Check the client id and secret.` : why);
  }
  return { kind: 'token', token: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 300) * 1000 };
}

/** Whether the page was loaded with an issuer's answer in its query (read once: finishing the sign-in clears it). */
const ANSWER_AT_LOAD = /[?&](code|state|error)=/.test(location.search);

/** What `GET /v1/console/config` says (unauthenticated): the OpenID Connect issuer, when the gateway has one. */
async function consoleConfig(): Promise<{ oidc: OidcSettings | null }> {
  const res = await fetch('/v1/console/config', { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`the console's settings could not be read (${res.status})`);
  return (await res.json()) as { oidc: OidcSettings | null };
}

/** The answer of an issuer in the address bar, if any: taken once, the first time the sign-in page mounts. */
let pendingAnswer = ANSWER_AT_LOAD ? location.href : undefined;

export function SignIn() {
  const reason = useSignal(signOutReason);
  const leftIssuer = useSignal(signedOutOf);
  const [mode, setMode] = useState<'client' | 'api-key' | 'token'>('client');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [oidc, setOidc] = useState<OidcSettings | null>(null);

  useEffect(() => {
    const answer = pendingAnswer;
    pendingAnswer = undefined;
    if (answer !== undefined) setBusy(true);
    // Back without an answer (the person left the issuer's pages): that sign-in is abandoned, and forgotten.
    else takePending();
    consoleConfig()
      .then(async (config) => {
        setOidc(config.oidc);
        if (answer === undefined) return;
        if (config.oidc === null) throw new Error('this gateway has no OpenID Connect issuer configured for the console');
        const { finishSignIn } = await import('../oidc.js');
        await establish(await finishSignIn(config.oidc, answer));
      })
      .catch((err: Error) => {
        if (answer !== undefined) {
          // Whatever failed before the answer was checked (no settings, no issuer), nothing is left behind.
          takePending();
          history.replaceState(null, '', `${location.pathname}${location.hash}`);
        }
        setError(answer === undefined ? err.message : `Sign-in through the issuer failed: ${err.message}`);
      })
      .finally(() => setBusy(false));
  }, []);

  /** Leaves for the issuer by `step` (the page navigates away on success); a failure is said as `failed` names it. */
  const toIssuer = async (step: 'startSignIn' | 'endIssuerSession', failed: string) => {
    if (oidc === null) return;
    setBusy(true);
    setError('');
    try {
      // Loaded on use: the issuer's flow is not code a client-credentials sign-in needs.
      await (await import('../oidc.js'))[step](oidc);
    } catch (err) {
      setError(`${failed} ${oidc.name} failed: ${err instanceof Error ? err.message : String(err)}`);
      setBusy(false);
    }
  };
  const signInWithIssuer = () => toIssuer('startSignIn', 'Sign-in through');
  const signOutOfIssuer = () => toIssuer('endIssuerSession', 'Signing out of');

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
      {oidc !== null && leftIssuer === oidc.issuer && (
        <p class="notice">
          You are still signed in at {oidc.name}.{' '}
          <button type="button" onClick={signOutOfIssuer} disabled={busy}>
            Sign out of {oidc.name} too
          </button>
        </p>
      )}
      {oidc !== null && (
        <section class="oidc" aria-label="Single sign-on">
          <button type="button" onClick={signInWithIssuer} disabled={busy}>
            Sign in with {oidc.name}
          </button>
          <p class="hint">or with a credential of the gateway:</p>
        </section>
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
