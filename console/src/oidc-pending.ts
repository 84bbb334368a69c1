/**
 * The one thing the console keeps outside memory: an OpenID Connect sign-in
 * in progress (PKCE code verifier, state, nonce), in this tab's
 * sessionStorage from the click until the issuer sends the browser back
 * (ADR 0020). Apart from oidc.ts so the sign-in page can drop it without
 * loading the OAuth code.
 */

/** What waits across the redirect, and only that. */
export interface PendingSignIn {
  issuer: string;
  state: string;
  nonce: string;
  verifier: string;
}

const PENDING_KEY = 'agentmesh.console.oidc';

export function keepPending(pending: PendingSignIn): void {
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
}

/** Takes the pending sign-in out of sessionStorage: it is gone afterwards, whatever comes next. */
export function takePending(): PendingSignIn | undefined {
  const raw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (raw === null) return undefined;
  try {
    const pending = JSON.parse(raw) as Partial<PendingSignIn>;
    return typeof pending.issuer === 'string' && typeof pending.state === 'string' && typeof pending.nonce === 'string' && typeof pending.verifier === 'string' ? (pending as PendingSignIn) : undefined;
  } catch {
    return undefined;
  }
}
