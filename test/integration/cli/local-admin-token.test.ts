import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localAdminToken } from '../../../src/cli/role-apis/local-admin-token.js';
import { ADMIN_TOKEN, startGateway } from '../../helpers/gateway-fixture.js';
import { startRegistry } from '../../helpers/registry-fixture.js';
import { cli } from './cli-harness.js';
import { closeInTurn, directoryRemoval } from '../../helpers/close-in-turn.js';

/*
 * Beside a local `agentmesh up`, the admin commands find
 * the mesh's admin token in its data dir, and only for a gateway on this
 * machine; without one, the refusal names the file.
 */
describe('admin commands beside a local mesh use its admin token', () => {
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let gw: Awaited<ReturnType<typeof startGateway>>;
  let dataDir: string;
  before(async () => {
    registry = await startRegistry({});
    gw = await startGateway(registry.url);
    dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-local-admin-'));
    writeFileSync(join(dataDir, 'gateway-admin-token'), `${ADMIN_TOKEN}\n`, { mode: 0o600 });
  });
  after(() => closeInTurn(gw, registry, directoryRemoval(dataDir)));

  test('credits and clients work with no token given, reading <data dir>/gateway-admin-token', async () => {
    const topUp = await cli(['credits', 'topup', 'acme', '5', '--reference', 'local-admin-1', '--gateway', gw.url, '--json'], { env: { AGENTMESH_DATA_DIR: dataDir } });
    assert.equal(topUp.code, 0, topUp.stderr);
    const balance = await cli(['credits', 'balance', 'acme', '--gateway', gw.url, '--json'], { env: { AGENTMESH_DATA_DIR: dataDir } });
    assert.equal(balance.code, 0, balance.stderr);
    assert.equal((JSON.parse(balance.stdout) as { availableMilliCredits: number }).availableMilliCredits, 5000);
    const clients = await cli(['clients', 'list', '--gateway', gw.url, '--json'], { env: { AGENTMESH_DATA_DIR: dataDir } });
    assert.equal(clients.code, 0, clients.stderr);
  });

  test('without the file, the 401 names the options and the file', async () => {
    const refused = await cli(['credits', 'balance', 'acme', '--gateway', gw.url], { env: { AGENTMESH_DATA_DIR: join(dataDir, 'nothing-here') } });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /GATEWAY_ADMIN_TOKEN/);
    assert.match(refused.stderr, /\.agentmesh\/gateway-admin-token/);
  });

  test('the file is never read for a gateway on another host', () => {
    const env = { AGENTMESH_DATA_DIR: dataDir };
    assert.equal(localAdminToken(env, 'http://127.0.0.1:4200'), ADMIN_TOKEN);
    assert.equal(localAdminToken(env, 'http://localhost:4200'), ADMIN_TOKEN);
    assert.equal(localAdminToken(env, 'http://[::1]:4200'), ADMIN_TOKEN);
    assert.equal(localAdminToken(env, 'https://gateway.example.com'), undefined);
    assert.equal(localAdminToken(env, 'http://10.0.0.5:4200'), undefined);
    assert.equal(localAdminToken(env, 'not a url'), undefined);
  });
});
