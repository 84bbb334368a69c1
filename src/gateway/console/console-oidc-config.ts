/**
 * The console's sign-in through an external OpenID Connect issuer
 * (authorization code + PKCE, ADR 0020): which configured external issuer,
 * the console's public client id there, and what to ask for. The gateway
 * only tells the page (`GET /v1/console/config`) and lets the page reach the
 * issuer's origin (its CSP); the page runs the flow and the gateway accepts
 * the resulting access token as it accepts any token of that issuer.
 */
import { z } from 'zod';

/** Hosts a plain-http issuer may be on (RFC 8252 §8.3: loopback only); anywhere else it must be https. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether `url` is https, or http on a loopback host. */
export function isSecureOrLoopback(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || (parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname));
  } catch {
    return false;
  }
}

export const consoleOidcSchema = z
  .object({
    /** The issuer (exactly as its `iss`), one of `externalIssuers`: its tokens must be accepted. */
    issuer: z.string().url().refine(isSecureOrLoopback, { message: 'must be https (plain http only on localhost, 127.0.0.1 or [::1])' }),
    /** The console's client id at the issuer: a public client (no secret) allowed the redirect URI `<publicUrl>/console/`. */
    clientId: z.string().min(1).max(200),
    /** Scopes asked for; `openid` is added when missing (the nonce travels in the ID token). */
    scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope is printable ASCII without spaces, " or \\')).default(['openid', 'console:read']),
    /** RFC 8707 resource indicator sent with the authorization and token requests, for issuers that need one to mint a JWT access token for the gateway. Default none. */
    resource: z.string().url().optional(),
    /** What the button says: "Sign in with <name>". Default the issuer's host. */
    name: z.string().min(1).max(80).optional(),
  })
  .strict();

/** The parsed console OIDC settings. */
export type ConsoleOidcConfig = z.output<typeof consoleOidcSchema>;

/** What the page is told: the settings, `openid` among the scopes, and the button's name. */
export interface ConsoleOidcSettings {
  issuer: string;
  clientId: string;
  scopes: string[];
  resource?: string;
  name: string;
}

/** The settings as the page gets them. */
export function consoleOidcSettings(config: ConsoleOidcConfig): ConsoleOidcSettings {
  return {
    issuer: config.issuer,
    clientId: config.clientId,
    scopes: config.scopes.includes('openid') ? [...config.scopes] : ['openid', ...config.scopes],
    ...(config.resource !== undefined && { resource: config.resource }),
    name: config.name ?? new URL(config.issuer).host,
  };
}
