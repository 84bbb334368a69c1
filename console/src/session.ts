/**
 * The signed-in caller, in memory only: a page reload signs out. Nothing is
 * written to localStorage, sessionStorage or a cookie, so a script that got
 * into the page later could not find a stored token, and closing the tab
 * ends the session.
 */
import { signal } from './signal.js';
import type { ConsoleSession } from '../../src/contracts/console/index.js';

/** How the console authenticates its calls. */
export type Credential =
  /** `issuer`: the OpenID Connect issuer the token came from (the console offers to sign out there too). */
  | { kind: 'token'; token: string; expiresAt: number; issuer?: string }
  | { kind: 'api-key'; key: string };

/** What `/v1/console/session` answers. */
/** Who the console is signed in as (`GET /v1/console/session`). */
export type SessionInfo = ConsoleSession;

export interface Session {
  credential: Credential;
  info: SessionInfo;
}

/** The current session, or null when signed out. */
export const session = signal<Session | null>(null);
/** Why the last session ended, shown on the sign-in page ("your session expired"). */
export const signOutReason = signal<string>('');
/** The OpenID Connect issuer of the session that just ended: signing out of the console leaves its session there open. */
export const signedOutOf = signal<string>('');

let expiryTimer: ReturnType<typeof setTimeout> | undefined;

/** The headers that authenticate a call. */
export function authHeaders(credential: Credential): Record<string, string> {
  return credential.kind === 'token' ? { authorization: `Bearer ${credential.token}` } : { 'x-api-key': credential.key };
}

export function signIn(next: Session): void {
  clearTimeout(expiryTimer);
  signOutReason.set('');
  signedOutOf.set('');
  session.set(next);
  // The earlier of the token endpoint's expires_in and the credential's own expiry (exp claim, API key expiry).
  const expiresAt = Math.min(next.credential.kind === 'token' ? next.credential.expiresAt : Number.POSITIVE_INFINITY, next.info.expiresAt !== undefined ? next.info.expiresAt * 1000 : Number.POSITIVE_INFINITY);
  if (Number.isFinite(expiresAt)) expiryTimer = setTimeout(() => signOut('Your session expired: sign in again.'), Math.min(2 ** 31 - 1, Math.max(0, expiresAt - Date.now())));
}

export function signOut(reason = ''): void {
  clearTimeout(expiryTimer);
  const credential = session.get()?.credential;
  signedOutOf.set(credential?.kind === 'token' ? (credential.issuer ?? '') : '');
  session.set(null);
  signOutReason.set(reason);
  if (location.hash !== '' && location.hash !== '#/') location.hash = '#/';
}

/** Error of a console API call, with the gateway's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The message of an agentmesh error body (A2A/Google style or OAuth), else the status line. */
export function messageOf(body: unknown, fallback: string): string {
  if (typeof body === 'object' && body !== null) {
    const b = body as { error?: unknown; error_description?: unknown; message?: unknown };
    if (typeof b.error_description === 'string') return b.error_description;
    if (typeof b.error === 'object' && b.error !== null && typeof (b.error as { message?: unknown }).message === 'string') return (b.error as { message: string }).message;
    if (typeof b.message === 'string') return b.message;
  }
  return fallback;
}

/** GET a console API with the session's credential; a 401 ends the session. */
export function api<T>(path: string): Promise<T> {
  return call<T>(path, {});
}

/** POST JSON to a console or management API with the session's credential; a 401 ends the session. */
export function apiPost<T>(path: string, body?: unknown): Promise<T> {
  return call<T>(path, { method: 'POST', ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
}

/** Sends a call with the session's credential and reads its JSON answer: a 401 ends the session, another failure is an ApiError. */
async function call<T>(path: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<T> {
  const current = session.get();
  if (current === null) throw new ApiError(401, 'signed out');
  const res = await fetch(path, { ...init, headers: { accept: 'application/json', ...init.headers, ...authHeaders(current.credential) } });
  const answer: unknown = await res.json().catch(() => undefined);
  if (res.status === 401) {
    signOut('Your session expired or was revoked: sign in again.');
    throw new ApiError(401, messageOf(answer, 'unauthenticated'));
  }
  if (!res.ok) throw new ApiError(res.status, messageOf(answer, `${res.status} ${res.statusText}`));
  return answer as T;
}
