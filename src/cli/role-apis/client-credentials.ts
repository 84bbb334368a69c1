/**
 * One way for every agent-facing command (`send`, `tasks`, `workflow`) to
 * authenticate when no token is given: the client credentials of
 * $AGENTMESH_CLIENT_ID / $AGENTMESH_CLIENT_SECRET, exchanged at the token URL
 * the agent's card names (its OAuth 2.0 client-credentials scheme, A2A §7.3),
 * cached per token URL and client until a minute before the token expires.
 *
 * The cache holds short-lived access tokens, never the secret, in one file per
 * token URL and client (mode 0600, in a 0700 folder): `$AGENTMESH_CACHE_DIR`,
 * else `$XDG_CACHE_HOME/agentmesh`, else `~/.cache/agentmesh`.
 * `AGENTMESH_TOKEN_CACHE=0` turns it off. It is read and written through
 * private-files.ts, like the code cache: a token someone else planted would
 * make this user's calls under that someone's identity (where they can read
 * the tasks), and a symlink planted at the file's name would carry the token
 * elsewhere; a folder others can write is not used at all.
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AgentCard } from '@a2a-js/sdk';
import { cliCacheDir } from '../launch/cache-dir.js';
import type { CliIO } from '../io/cli-io.js';
import { GatewayClient } from './gateway-client.js';
import { isPrivateDir, readPrivateFile, writePrivateFile } from '../launch/private-files.js';

/** A token is fetched again when it has less than this left. */
const REFRESH_BEFORE_EXPIRY_MS = 60_000;

/** Gives a bearer token for the agent whose card is `card`, or undefined when the card asks for none this can get. */
export type TokenProvider = (card: AgentCard, signal?: AbortSignal) => Promise<string | undefined>;

/** What {@link clientCredentialsProvider} returns: the provider and a way to drop a token the agent refused. */
export interface ClientCredentials {
  readonly provide: TokenProvider;
  /** Forgets the cached token of the last `provide` (the agent answered 401 with it). */
  forgetLast(): void;
}

/**
 * The client-credentials provider of the environment, or undefined when
 * AGENTMESH_CLIENT_ID or AGENTMESH_CLIENT_SECRET is unset.
 *
 * @example
 * const credentials = clientCredentialsProvider(ctx.io);
 * const token = await credentials?.provide(card);
 */
export function clientCredentialsProvider(io: CliIO, now: () => number = Date.now): ClientCredentials | undefined {
  const clientId = io.env['AGENTMESH_CLIENT_ID'];
  const clientSecret = io.env['AGENTMESH_CLIENT_SECRET'];
  if (!clientId || !clientSecret) return undefined;
  const cacheDir = io.env['AGENTMESH_TOKEN_CACHE'] === '0' ? undefined : cliCacheDir(io.env);
  let last: string | undefined;
  return {
    async provide(card, signal) {
      const tokenUrl = clientCredentialsTokenUrl(card);
      if (tokenUrl === undefined) return undefined;
      const file = cacheDir === undefined ? undefined : join(cacheDir, `${createHash('sha256').update(`${tokenUrl}\n${clientId}`).digest('hex').slice(0, 32)}.json`);
      last = file;
      const cached = file === undefined ? undefined : readCached(file);
      if (cached !== undefined && cached.expiresAt - now() > REFRESH_BEFORE_EXPIRY_MS) return cached.token;
      const url = new URL(tokenUrl);
      const gateway = new GatewayClient({ url: url.origin, fetchImpl: io.fetchImpl, signal: signal ?? AbortSignal.timeout(30_000) });
      const response = await gateway.token({ clientId, clientSecret, path: `${url.pathname}${url.search}` });
      if (file !== undefined) writeCached(file, { token: response.access_token, expiresAt: now() + (Number(response.expires_in) || 0) * 1000 });
      return response.access_token;
    },
    forgetLast() {
      // Only in a private folder: a shared one's files are not this cache's to delete.
      if (last !== undefined && isPrivateDir(dirname(last))) rmSync(last, { force: true });
    },
  };
}

/** The token URL of the card's OAuth 2.0 client-credentials scheme, if it has one. */
export function clientCredentialsTokenUrl(card: AgentCard): string | undefined {
  for (const scheme of Object.values(card.securitySchemes ?? {})) {
    const oauth = scheme.scheme?.$case === 'oauth2SecurityScheme' ? scheme.scheme.value : undefined;
    const flow = oauth?.flows?.flow;
    if (flow?.$case === 'clientCredentials' && /^https?:\/\//.test(flow.value.tokenUrl)) return flow.value.tokenUrl;
  }
  return undefined;
}

function readCached(file: string): { token: string; expiresAt: number } | undefined {
  try {
    const bytes = readPrivateFile(file);
    if (bytes === undefined) return undefined;
    const value = JSON.parse(bytes.toString('utf8')) as { token?: unknown; expiresAt?: unknown };
    return typeof value.token === 'string' && typeof value.expiresAt === 'number' ? { token: value.token, expiresAt: value.expiresAt } : undefined;
  } catch {
    // Absent or unreadable: fetch a new one.
    return undefined;
  }
}

function writeCached(file: string, value: { token: string; expiresAt: number }): void {
  try {
    writePrivateFile(file, Buffer.from(JSON.stringify(value), 'utf8'));
  } catch {
    // A cache that cannot be written costs one token request per command, nothing more.
  }
}
