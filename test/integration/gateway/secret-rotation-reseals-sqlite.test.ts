/** On SQLite: GATEWAY_SECRET and AGENTMESH_SECRET rotate without voiding keys, hashes or push configs. */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resealGatewaySecrets } from '../../../src/gateway/index.js';
import { createDatabase } from '../../../src/storage/index.js';
import { cli } from '../cli/cli-harness.js';
import { createClient } from './identity-fixture.js';
import { secretRotationScenario, startGateway, tokenStatus } from './secret-rotation-scenario.js';

/** A data dir with the SQLite database of the roles in it (mesh.db), both removed after the test. */
async function sqliteDataDir(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-rotation-'));
  const database = await createDatabase({ sqlitePath: join(dir, 'mesh.db') });
  t.after(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, database };
}

test('a secret rotation re-seals every key, pepper and push config on SQLite, and the old secret can go', async (t) => {
  const { dir, database } = await sqliteDataDir(t);
  await secretRotationScenario({ database, cliEnv: {}, cliArgs: ['--data-dir', dir] });
});

test('a database whose pepper was never stored adopts the one its hashes were made with, even mid-rotation', async (t) => {
  const { database } = await sqliteDataDir(t);
  const old = 'gateway-secret-old-0123456789abcdefghij';
  const next = 'gateway-secret-new-0123456789abcdefghij';
  const before = await startGateway(database, old);
  const client = await createClient(before.app, { name: 'c', tenant: 'acme', scopes: ['a2a:tasks:read'], authMethod: 'client_secret_basic' });
  await before.close();
  // As the versions that derived the pepper from GATEWAY_SECRET on every start left the database.
  await database.db.updateTable('identity_state').set({ credential_pepper: null }).execute();

  // A start with a wrong secret fails, and stores nothing a later start would trust.
  await assert.rejects(startGateway(database, next), { code: 'AM_ERR_CONFIG_INVALID', message: /signing key .* cannot be decrypted.*set GATEWAY_SECRET_PREVIOUS/ });
  const row = await database.db.selectFrom('identity_state').select('credential_pepper').executeTakeFirstOrThrow();
  assert.equal(row.credential_pepper, null);

  const during = await startGateway(database, next, old);
  try {
    assert.equal(await tokenStatus(during, client.client_id, client.client_secret!), 200, "the pepper derived from the secret that sealed the keys (the previous one) is adopted");
  } finally {
    await during.close();
  }
  const stored = await database.db.selectFrom('identity_state').select('credential_pepper').executeTakeFirstOrThrow();
  assert.match(stored.credential_pepper ?? '', /^v1\./, 'and stored sealed');
  const resealed = await resealGatewaySecrets({ database, secret: next, previousSecret: old });
  assert.deepEqual(resealed.credentialPepper, { checked: 1, underCurrent: 1, underPrevious: 0, resealed: 0 }, 'the adopted pepper is sealed under the new secret');
  assert.deepEqual(resealed.signingKeys, { checked: 1, underCurrent: 0, underPrevious: 1, resealed: 1 });
  const after = await startGateway(database, next);
  try {
    assert.equal(await tokenStatus(after, client.client_id, client.client_secret!), 200, 'the previous secret is not needed any more');
  } finally {
    await after.close();
  }
});

test('with a database URL set, `secrets rotate` never takes the new secret from the data dir\'s generated file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-rotation-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // What a local `agentmesh up` left in ./.agentmesh: a secret no production replica has.
  writeFileSync(join(dir, 'gateway-secret'), 'generated-local-secret-0123456789abcdefghij\n');
  writeFileSync(join(dir, 'runtime-secret'), 'generated-local-secret-0123456789abcdefghij\n');
  // Port 1: nothing listens, so a run that got as far as the database fails differently.
  const url = 'postgres://agentmesh@127.0.0.1:1/agentmesh';
  for (const [variable, name] of [['DATABASE_URL', 'GATEWAY_SECRET'], ['DATABASE_MIGRATION_URL', 'GATEWAY_SECRET'], ['DATABASE_URL', 'AGENTMESH_SECRET']] as const) {
    for (const check of [[], ['--check']]) {
      const result = await cli(['secrets', 'rotate', ...check, '--data-dir', dir], { env: { [variable]: url, [`${name}_PREVIOUS`]: 'the-old-secret-0123456789abcdefghij' } });
      assert.equal(result.code, 2, `${variable} ${name} ${check.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`${name} is unset: with ${variable} set, give the new secret as ${name} or ${name}_FILE`));
      assert.equal(result.stdout, '');
    }
  }
});

test('without a database URL, `secrets rotate` takes the new secret from the data dir, as the roles do on SQLite', async (t) => {
  const { dir, database } = await sqliteDataDir(t);
  const local = 'generated-local-secret-0123456789abcdefghij';
  writeFileSync(join(dir, 'gateway-secret'), `${local}\n`);
  const old = 'gateway-secret-old-0123456789abcdefghij';
  await (await startGateway(database, old)).close();
  const result = await cli(['secrets', 'rotate', '--data-dir', dir], { env: { GATEWAY_SECRET_PREVIOUS: old } });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^gateway signing keys: 1 checked, 0 under the current secret, 1 under the previous secret, 1 re-sealed$/m);
  const after = await startGateway(database, local);
  await after.close();
});
