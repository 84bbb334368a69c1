/**
 * Rotating GATEWAY_SECRET and AGENTMESH_SECRET on one database,
 * as an operator does it: replicas with the new secret and the previous one
 * beside it, `agentmesh secrets rotate`, then the previous dropped. Shared by
 * the SQLite test (test/integration) and the PostgreSQL one (test/services).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { buildHttpServer, createSsrfGuard } from '../../../src/http/index.js';
import { createLogger, createMetrics } from '../../../src/observability/index.js';
import { createIdentity } from '../../../src/gateway/identity/index.js';
import { SealedPushStore, pushSealingKeys } from '../../../src/runtime/push/index.js';
import { createRuntimeStores, deriveSealingKey, type Database } from '../../../src/storage/index.js';
import { cli } from '../cli/cli-harness.js';
import { ADMIN_TOKEN, ISSUER, basic, createClient, requestToken, whoami } from './identity-fixture.js';

/** The database under test, and how the CLI reaches the same one. */
export interface RotationBackend {
  database: Database;
  /** DATABASE_URL for PostgreSQL; nothing for SQLite (the file is named by `cliArgs`). */
  cliEnv: Record<string, string>;
  /** `--data-dir <dir>` for SQLite. */
  cliArgs: string[];
}

const GATEWAY_OLD = 'gateway-secret-old-0123456789abcdefghij';
const GATEWAY_NEW = 'gateway-secret-new-0123456789abcdefghij';
const RUNTIME_OLD = 'runtime-secret-old-0123456789abcdefghij';
const RUNTIME_NEW = 'runtime-secret-new-0123456789abcdefghij';
const WEBHOOK_TOKEN = 'webhook-token-5c2e';

/** What `secrets rotate` prints to name a secret: 8 hex of SHA-256 over a label and a key derived from it. */
function fingerprint(secret: string): string {
  const key = deriveSealingKey(secret, 'agentmesh/secret-fingerprint', 'secret fingerprint v1');
  return createHash('sha256').update('agentmesh secret fingerprint v1\n').update(key).digest('hex').slice(0, 8);
}

/** An identity (the gateway's OAuth server) on `database` with these secrets, and its routes on an app. */
export async function startGateway(database: Database, secret: string, previous?: string) {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(s) } as never });
  const guard = createSsrfGuard({ allowHosts: ['127.0.0.1'] });
  const identity = await createIdentity({
    database,
    logger,
    metrics: createMetrics({ defaultMetrics: false }),
    guard,
    config: { issuer: ISSUER, adminToken: ADMIN_TOKEN, signingKeyEncryptionSecret: secret, ...(previous && { previousSigningKeyEncryptionSecret: previous }), syncIntervalMs: 60_000 },
  }).catch(async (err: unknown) => {
    await guard.close();
    throw err;
  });
  const app = buildHttpServer({ name: 'gateway', version: '0.0.0', logger, metrics: createMetrics({ defaultMetrics: false }) });
  await identity.registerRoutes(app);
  app.get('/whoami', async (request) => ({ principal: (await identity.authenticate(request)) ?? null }));
  await app.ready();
  return {
    app,
    logs: () => lines.join(''),
    async close() {
      await app.close();
      await identity.close();
      await guard.close();
    },
  };
}

export type Gateway = Awaited<ReturnType<typeof startGateway>>;

/** The token endpoint's status for a client_secret_basic request. */
export async function tokenStatus(gateway: Gateway, clientId: string, secret: string): Promise<number> {
  return (await requestToken(gateway.app, { grant_type: 'client_credentials' }, { authorization: basic(clientId, secret) })).status;
}

/** Runs the whole rotation on `backend`, asserting each step. */
export async function secretRotationScenario(backend: RotationBackend): Promise<void> {
  const { database } = backend;
  const stores = createRuntimeStores(database);
  await stores.tasks.create({ id: 't1', agent: 'tester', tenant: 'acme', contextId: 'c', state: 'TASK_STATE_WORKING', skill: 'echo', messageId: 'm1', snapshot: '{}', owner: null, idempotent: false, terminal: false, events: [], now: 1_000 });
  const config = JSON.stringify({ id: 'hook', taskId: 't1', url: 'https://hooks.example.com/x', token: WEBHOOK_TOKEN });
  await new SealedPushStore(stores.push, pushSealingKeys(RUNTIME_OLD)).putConfig({ taskId: 't1', id: 'hook', tenant: 'acme', config, protocol: '1.0', createdAt: 1_000 });

  // Before: a gateway on the old secret issues a client, an API key and a token.
  const before = await startGateway(database, GATEWAY_OLD);
  const client = await createClient(before.app, { name: 'old client', tenant: 'acme', scopes: ['a2a:tasks:read'], authMethod: 'client_secret_basic' });
  const keyRes = await before.app.inject({ method: 'POST', url: '/v1/api-keys', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { name: 'old key', tenant: 'acme', scopes: ['a2a:tasks:read'] } });
  assert.equal(keyRes.statusCode, 201, keyRes.body);
  const apiKey = keyRes.json().key as string;
  const oldToken = (await requestToken(before.app, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, client.client_secret!) })).body.access_token as string;
  await before.close();

  // The new secret alone opens nothing, and the error says what to set.
  await assert.rejects(startGateway(database, GATEWAY_NEW), { code: 'AM_ERR_CONFIG_INVALID', message: /cannot be decrypted.*set GATEWAY_SECRET_PREVIOUS to the old secret/ });

  // During: the new secret with the previous beside it serves every old credential.
  const during = await startGateway(database, GATEWAY_NEW, GATEWAY_OLD);
  assert.equal((await whoami(during.app, { authorization: `Bearer ${oldToken}` })).status, 200, 'a token signed by a key sealed under the old secret verifies');
  assert.equal(await tokenStatus(during, client.client_id, client.client_secret!), 200, 'a client secret hashed before the rotation still verifies');
  assert.equal((await whoami(during.app, { 'x-api-key': apiKey })).status, 200, 'an API key hashed before the rotation still verifies');
  assert.match(during.logs(), /still sealed under GATEWAY_SECRET_PREVIOUS/);
  const newClient = await createClient(during.app, { name: 'new client', tenant: 'acme', scopes: ['a2a:tasks:read'], authMethod: 'client_secret_basic' });
  const during2 = new SealedPushStore(stores.push, pushSealingKeys(RUNTIME_NEW, RUNTIME_OLD));
  assert.equal(JSON.parse((await during2.getConfig('t1', 'hook'))!.config).token, WEBHOOK_TOKEN, 'a push config sealed under the old runtime secret opens');

  const env = { ...backend.cliEnv, GATEWAY_SECRET: GATEWAY_NEW, GATEWAY_SECRET_PREVIOUS: GATEWAY_OLD, AGENTMESH_SECRET: RUNTIME_NEW, AGENTMESH_SECRET_PREVIOUS: RUNTIME_OLD };
  const check = await cli(['secrets', 'rotate', '--check', '--json', ...backend.cliArgs], { env });
  assert.equal(check.code, 1, check.stderr);
  const checked = JSON.parse(check.stdout);
  assert.deepEqual(
    Object.fromEntries(Object.entries(checked.counts).map(([kind, c]: [string, any]) => [kind, c.underPrevious])),
    { 'gateway signing keys': 1, 'gateway credential pepper': 1, 'push configs': 1 },
  );
  assert.equal(checked.remaining, 3);
  assert.deepEqual(
    Object.fromEntries(Object.entries(checked.counts).map(([kind, c]: [string, any]) => [kind, c.underCurrent])),
    { 'gateway signing keys': 0, 'gateway credential pepper': 0, 'push configs': 0 },
    '--check also counts what is already under the current secret',
  );
  assert.match(check.stderr, new RegExp(`^GATEWAY_SECRET: would re-seal under ${fingerprint(GATEWAY_NEW)} what only ${fingerprint(GATEWAY_OLD)} \\(GATEWAY_SECRET_PREVIOUS\\) opens: 1 gateway signing keys, 1 gateway credential pepper$`, 'm'));

  // A secret neither of which sealed the rows: the run fails and changes nothing.
  const wrong = await cli(['secrets', 'rotate', ...backend.cliArgs], { env: { ...backend.cliEnv, GATEWAY_SECRET: GATEWAY_NEW, GATEWAY_SECRET_PREVIOUS: 'some-other-secret-0123456789abcdefghij' } });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /cannot be decrypted/);

  const rotated = await cli(['secrets', 'rotate', ...backend.cliArgs], { env });
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.match(rotated.stdout, /^gateway signing keys: 1 checked, 0 under the current secret, 1 under the previous secret, 1 re-sealed$/m);
  assert.match(rotated.stdout, /^push configs: 1 checked, 0 under the current secret, 1 under the previous secret, 1 re-sealed$/m);
  assert.match(rotated.stdout, /nothing is sealed under GATEWAY_SECRET_PREVIOUS and AGENTMESH_SECRET_PREVIOUS any more/);
  // Before re-sealing, it names the secrets (by fingerprint, never by value) and what it will change.
  assert.match(rotated.stderr, new RegExp(`^GATEWAY_SECRET: re-sealing under ${fingerprint(GATEWAY_NEW)} what only ${fingerprint(GATEWAY_OLD)} \\(GATEWAY_SECRET_PREVIOUS\\) opens: 1 gateway signing keys, 1 gateway credential pepper$`, 'm'));
  assert.match(rotated.stderr, new RegExp(`^AGENTMESH_SECRET: re-sealing under ${fingerprint(RUNTIME_NEW)} what only ${fingerprint(RUNTIME_OLD)} \\(AGENTMESH_SECRET_PREVIOUS\\) opens: 1 push configs$`, 'm'));
  for (const secret of [GATEWAY_NEW, GATEWAY_OLD, RUNTIME_NEW, RUNTIME_OLD]) assert.ok(!(rotated.stdout + rotated.stderr).includes(secret), 'no secret is printed');
  const again = await cli(['secrets', 'rotate', '--check', ...backend.cliArgs], { env });
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.match(again.stdout, /^gateway signing keys: 1 checked, 1 under the current secret, 0 under the previous secret$/m);
  assert.match(again.stdout, /^push configs: 1 checked, 1 under the current secret, 0 under the previous secret$/m);
  // The replica that had both secrets serves on, unaffected by the re-sealing.
  assert.equal(await tokenStatus(during, client.client_id, client.client_secret!), 200);
  await during.close();

  // After: the previous secret dropped, everything still opens and verifies.
  const after = await startGateway(database, GATEWAY_NEW);
  try {
    assert.equal(await tokenStatus(after, client.client_id, client.client_secret!), 200);
    assert.equal(await tokenStatus(after, newClient.client_id, newClient.client_secret!), 200);
    assert.equal((await whoami(after.app, { 'x-api-key': apiKey })).status, 200);
    assert.equal((await whoami(after.app, { authorization: `Bearer ${oldToken}` })).status, 200);
    assert.equal(await tokenStatus(after, client.client_id, 'amcs_' + 'x'.repeat(43)), 401, 'a wrong secret is still refused');
  } finally {
    await after.close();
  }
  const afterPush = new SealedPushStore(stores.push, pushSealingKeys(RUNTIME_NEW));
  assert.equal(JSON.parse((await afterPush.getConfig('t1', 'hook'))!.config).token, WEBHOOK_TOKEN, 'the push config opens under the new runtime secret alone');
}
