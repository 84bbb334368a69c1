/**
 * A gateway-shaped app for identity tests: buildHttpServer + the identity
 * routes on a SQLite file in a temporary directory, a fake clock, logs
 * captured at trace level, and `GET /whoami` answering the principal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildHttpServer, createSsrfGuard, type SsrfGuard } from '../../../src/http/index.js';
import { createLogger, createMetrics, type Metrics } from '../../../src/observability/index.js';
import { createDatabase, type Database } from '../../../src/storage/index.js';
import { createIdentity, type Identity, type IdentityConfigInput } from '../../../src/gateway/identity/index.js';

export const ISSUER = 'https://gateway.test';
export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
/** 2026-03-01T00:00:00Z */
export const T0 = Date.UTC(2026, 2, 1);

/** A clock tests move by hand. */
export class FakeClock {
  now: number;
  constructor(start = T0) {
    this.now = start;
  }
  readonly read = (): number => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}

export interface IdentityFixture {
  identity: Identity;
  app: FastifyInstance;
  database: Database;
  metrics: Metrics;
  clock: FakeClock;
  dataDir: string;
  /** Every log line written so far, as text. */
  logs(): string;
  close(): Promise<void>;
}

export interface FixtureOptions {
  config?: Partial<IdentityConfigInput>;
  clock?: FakeClock;
  /** Share a data dir (and so the SQLite file and the secret file) with another fixture. */
  dataDir?: string;
  guard?: SsrfGuard;
  /** A PostgreSQL URL to store on instead of the data dir's SQLite file. */
  databaseUrl?: string;
}

/** Starts an identity on `<dataDir>/mesh.db` (a fresh temporary dir unless given). */
export async function startIdentity(options: FixtureOptions = {}): Promise<IdentityFixture> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'agentmesh-identity-'));
  const lines: string[] = [];
  const logger = createLogger({ level: 'trace', destination: { write: (s: string) => void lines.push(s) } as never });
  const metrics = createMetrics({ defaultMetrics: false });
  const database = await createDatabase(options.databaseUrl !== undefined ? { url: options.databaseUrl } : { sqlitePath: join(dataDir, 'mesh.db') });
  const guard = options.guard ?? createSsrfGuard({ allowHosts: ['127.0.0.1'] });
  const clock = options.clock ?? new FakeClock();
  const identity = await createIdentity({
    database,
    logger,
    metrics,
    guard,
    clock: clock.read,
    config: { issuer: ISSUER, secretFile: join(dataDir, 'identity-secret'), adminToken: ADMIN_TOKEN, syncIntervalMs: 60_000, ...options.config },
  });
  const app = buildHttpServer({ name: 'gateway', version: '0.0.0', logger, metrics });
  await identity.registerRoutes(app);
  app.get('/whoami', async (request) => ({ principal: (await identity.authenticate(request)) ?? null }));
  await app.ready();
  return {
    identity,
    app,
    database,
    metrics,
    clock,
    dataDir,
    logs: () => lines.join(''),
    async close() {
      await app.close();
      await identity.close();
      if (options.guard === undefined) await guard.close();
      await database.close();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Form-encodes `params`. */
export const form = (params: Record<string, string>): string => new URLSearchParams(params).toString();

/** `Authorization: Basic` for a client (RFC 6749 §2.3.1: each part form-urlencoded first). */
export const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** Registers a client through the management API; returns the 201 body. */
export async function createClient(app: FastifyInstance, body: Record<string, unknown>): Promise<{ client_id: string; client_secret?: string } & Record<string, any>> {
  const res = await app.inject({ method: 'POST', url: '/v1/clients', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: body });
  if (res.statusCode !== 201) throw new Error(`client creation answered ${res.statusCode}: ${res.body}`);
  return res.json();
}

/** Asks the token endpoint (client_secret_basic unless `params` says otherwise); returns status and body. */
export async function requestToken(app: FastifyInstance, params: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Record<string, unknown> }> {
  const res = await app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: form(params) });
  return { status: res.statusCode, body: res.body === '' ? undefined : res.json(), headers: res.headers };
}

/** A token for a fresh client_secret_basic client of `tenant` with `scopes`. */
export async function tokenFor(app: FastifyInstance, tenant = 'acme', scopes = ['a2a:message:send', 'a2a:tasks:read'], extra: Record<string, unknown> = {}): Promise<{ token: string; clientId: string; secret: string }> {
  const client = await createClient(app, { name: 'test client', tenant, scopes, authMethod: 'client_secret_basic', ...extra });
  const res = await requestToken(app, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, client.client_secret!) });
  if (res.status !== 200) throw new Error(`token request answered ${res.status}: ${JSON.stringify(res.body)}`);
  return { token: res.body.access_token, clientId: client.client_id, secret: client.client_secret! };
}

/** `GET /whoami` with `headers`: the principal, or the error body. */
export async function whoami(app: FastifyInstance, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  const res = await app.inject({ method: 'GET', url: '/whoami', headers });
  return { status: res.statusCode, body: res.json() };
}

/** The `reason` detail of a refused call's ErrorInfo. */
export function reasonOf(body: any): string | undefined {
  return body?.error?.details?.find((d: any) => d.reason === 'AM_ERR_AUTH_UNAUTHENTICATED')?.metadata?.reason;
}
