/**
 * Sign-in through an external OpenID Connect issuer: the authorization code
 * flow with PKCE (RFC 7636, S256), `state` and `nonce`, as a public client
 * (OAuth 2.0 for Browser-Based Apps). The protocol checks are oauth4webapi's
 * (discovery, the callback's state and `iss`, the token response, the ID
 * token's claims and nonce); this file only wires them to the page.
 *
 * The access token stays in memory like every other credential. The one
 * thing that must outlive the redirect is the pending sign-in (code
 * verifier, state, nonce, oidc-pending.ts): it sits in this tab's
 * sessionStorage from the click until the page comes back, and is removed
 * before the answer is even checked, so whatever happens next it is gone.
 *
 * Loaded on first use (`await import('./oidc.js')`): a console without an
 * issuer configured never downloads it.
 */
import * as oauth from 'oauth4webapi';
import { keepPending, takePending, type PendingSignIn } from './oidc-pending.js';
import type { Credential } from './session.js';

/** What `GET /v1/console/config` says of the issuer. */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  scopes: string[];
  resource?: string;
  name: string;
}

/** Where the issuer sends the browser back: the console itself (its query carries the answer). */
export function redirectUri(): string {
  return `${location.origin}/console/`;
}

/** oauth4webapi refuses plain http; a loopback issuer (tests, a local IdP) may use it, as RFC 8252 §8.3 allows. */
function httpOptions(issuer: URL) {
  const loopback = issuer.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(issuer.hostname);
  return loopback ? { [oauth.allowInsecureRequests]: true } : {};
}

/** The issuer's metadata (`/.well-known/openid-configuration`), checked against its identifier. */
async function discover(settings: OidcSettings): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(settings.issuer);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...httpOptions(issuer) }));
  // The page's CSP lets it reach the issuer's origin only (connect-src): a token endpoint elsewhere would be blocked.
  if (as.token_endpoint === undefined || new URL(as.token_endpoint).origin !== issuer.origin) {
    throw new Error(`the issuer's token endpoint (${as.token_endpoint ?? 'none'}) is not on its own origin (${issuer.origin}), which is the only one this page may call`);
  }
  if (as.authorization_endpoint === undefined) throw new Error('the issuer publishes no authorization endpoint');
  return as;
}

/** Sends the browser to the issuer's authorization endpoint; the answer comes back to {@link finishSignIn}. */
export async function startSignIn(settings: OidcSettings): Promise<void> {
  const as = await discover(settings);
  const pending: PendingSignIn = { issuer: settings.issuer, state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(), verifier: oauth.generateRandomCodeVerifier() };
  const url = new URL(as.authorization_endpoint!);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', settings.clientId);
  url.searchParams.set('redirect_uri', redirectUri());
  url.searchParams.set('scope', settings.scopes.join(' '));
  url.searchParams.set('state', pending.state);
  url.searchParams.set('nonce', pending.nonce);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(pending.verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  if (settings.resource !== undefined) url.searchParams.set('resource', settings.resource);
  keepPending(pending);
  location.assign(url.href);
}

/**
 * Completes the sign-in the issuer sent the browser back from: checks the
 * answer against the pending state, exchanges the code (with the PKCE
 * verifier) at the token endpoint, checks the ID token's nonce, and returns
 * the access token as a credential. The answer is wiped from the address bar
 * first, so a reload or a shared link cannot replay it.
 */
export async function finishSignIn(settings: OidcSettings, callbackUrl: string): Promise<Credential> {
  try {
    return await exchange(settings, callbackUrl);
  } catch (err) {
    // An OAuth error answer (the person cancelled, the code was used): say what the issuer said.
    if (err instanceof oauth.AuthorizationResponseError || err instanceof oauth.ResponseBodyError) {
      throw new Error(`the issuer answered ${err.error}${err.error_description !== undefined ? ` (${err.error_description})` : ''}`, { cause: err });
    }
    throw err;
  }
}

async function exchange(settings: OidcSettings, callbackUrl: string): Promise<Credential> {
  const pending = takePending();
  history.replaceState(null, '', `${location.pathname}${location.hash}`);
  if (pending === undefined) throw new Error('this tab started no sign-in that this answer could finish: sign in again');
  if (pending.issuer !== settings.issuer) throw new Error('the sign-in was started with another issuer: sign in again');
  const as = await discover(settings);
  const client: oauth.Client = { client_id: settings.clientId };
  // Refuses a state other than ours, an `iss` other than the issuer's (RFC 9207), and an error answer.
  const params = oauth.validateAuthResponse(as, client, new URL(callbackUrl), pending.state);
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri(), pending.verifier, {
    ...(settings.resource !== undefined && { additionalParameters: { resource: settings.resource } }),
    ...httpOptions(new URL(settings.issuer)),
  });
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: pending.nonce, requireIdToken: true });
  if (tokens.token_type.toLowerCase() !== 'bearer') throw new Error(`the issuer answered a ${tokens.token_type} token, not a bearer token`);
  // Without expires_in the token's own exp (the session answer's expiresAt) ends the session.
  return { kind: 'token', token: tokens.access_token, expiresAt: tokens.expires_in === undefined ? Number.POSITIVE_INFINITY : Date.now() + tokens.expires_in * 1000, issuer: settings.issuer };
}

/**
 * Ends the person's session at the issuer too (OpenID Connect RP-Initiated
 * Logout 1.0): the console's own sign-out only forgets the token, and the
 * next "Sign in with" would pass through the issuer's session without a
 * password. Sent with the client id and no ID token (the console keeps none
 * past sign-out), so the issuer asks the person to confirm; it sends the
 * browser back to the console when that URI is registered with it.
 */
export async function endIssuerSession(settings: OidcSettings): Promise<void> {
  const as = await discover(settings);
  if (as.end_session_endpoint === undefined) throw new Error(`${settings.name} publishes no end-session endpoint: sign out on its own pages`);
  const url = new URL(as.end_session_endpoint);
  url.searchParams.set('client_id', settings.clientId);
  url.searchParams.set('post_logout_redirect_uri', redirectUri());
  location.assign(url.href);
}
