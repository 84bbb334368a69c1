/** `agentmesh clients|keys|token` against a real gateway server (identity routes on port 0). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { exportJWK, generateKeyPair } from 'jose';
import { clientsCommand } from '../../../src/cli/commands/clients/clients.js';
import { keysCommand } from '../../../src/cli/commands/keys/keys.js';
import { tokenCommand } from '../../../src/cli/commands/token.js';
import { runCommand } from '../cli/cli-harness.js';
import { ADMIN_TOKEN, startIdentity, type IdentityFixture } from './identity-fixture.js';
import { closeInTurn, directoryRemoval } from '../../helpers/close-in-turn.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the identity commands the way `runCli` does (they are registered in program.ts by the lead). */
function agentmesh(argv: string[], env: Record<string, string | undefined>): Promise<Run> {
  return runCommand((ctx) => new Command('agentmesh').addCommand(clientsCommand(ctx)).addCommand(keysCommand(ctx)).addCommand(tokenCommand(ctx)), argv, env);
}

const field = (text: string, label: string): string => new RegExp(`^${label} +(\\S+)$`, 'm').exec(text)?.[1] ?? assert.fail(`no ${label} line in:\n${text}`);

describe('agentmesh clients, keys and token against a real gateway', () => {
  let f: IdentityFixture;
  let env: Record<string, string>;
  let dir: string;
  before(async () => {
    f = await startIdentity();
    await f.app.listen({ port: 0, host: '127.0.0.1' });
    const address = f.app.server.address() as { port: number };
    env = { AGENTMESH_GATEWAY: `http://127.0.0.1:${address.port}`, GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN };
    dir = mkdtempSync(join(tmpdir(), 'agentmesh-identity-cli-'));
  });
  after(() => closeInTurn(f, directoryRemoval(dir)));

  test('clients create prints the id and the secret once; token fetches a token with them', async () => {
    const created = await agentmesh(['clients', 'create', '--name', 'router', '--tenant', 'acme', '--scope', 'a2a:message:send', '--scope', 'a2a:tasks:read,a2a:tasks:cancel', '--rpm', '600', '--burst', '50'], env);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^client created\n/);
    const clientId = field(created.stdout, 'client_id');
    const secret = field(created.stdout, 'secret');
    assert.match(clientId, /^amc_/);
    assert.match(created.stdout, /^scopes +a2a:message:send a2a:tasks:read a2a:tasks:cancel$/m);
    assert.match(created.stdout, /^rate limit +600\/min, burst 50$/m);
    assert.match(created.stderr, /store it now: the gateway keeps only a hash/);

    const token = await agentmesh(['token', '--client-id', clientId, '--client-secret', secret, '--scope', 'a2a:tasks:read'], env);
    assert.equal(token.code, 0, token.stderr);
    const jwt = token.stdout.trim();
    assert.match(jwt, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const who = await f.app.inject({ method: 'GET', url: '/whoami', headers: { authorization: `Bearer ${jwt}` } });
    assert.deepEqual(who.json().principal.scopes, ['a2a:tasks:read']);

    const viaEnv = await agentmesh(['token', '--json', '--auth-method', 'basic'], { ...env, AGENTMESH_CLIENT_ID: clientId, AGENTMESH_CLIENT_SECRET: secret });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    const response = JSON.parse(viaEnv.stdout);
    assert.equal(response.token_type, 'Bearer');
    assert.equal(response.expires_in, 900);
  });

  test('clients create --json, list (table and filter), rotate with grace, revoke', async () => {
    const created = await agentmesh(['clients', 'create', '--name', 'poster', '--tenant', 'globex', '--scope', 'a2a:message:send', '--auth-method', 'client_secret_post', '--json'], env);
    assert.equal(created.code, 0, created.stderr);
    const client = JSON.parse(created.stdout);
    assert.match(client.client_secret, /^amcs_/);

    const list = await agentmesh(['clients', 'list', '--tenant', 'globex'], env);
    assert.equal(list.code, 0, list.stderr);
    const lines = list.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^CLIENT_ID +NAME +TENANT +AUTH +STATUS +SCOPES$/);
    assert.equal(lines.length, 2);
    assert.match(lines[1]!, new RegExp(`^${client.client_id} +poster +globex +client_secret_post +active +a2a:message:send$`));
    assert.ok(!list.stdout.includes(client.client_secret));

    const rotated = await agentmesh(['clients', 'rotate', client.client_id, '--grace', '120'], env);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, new RegExp(`^rotated the secret of ${client.client_id}\n`));
    const newSecret = field(rotated.stdout, 'secret');
    assert.notEqual(newSecret, client.client_secret);
    assert.match(rotated.stdout, /^old secret +valid until \S+$/m);
    for (const secret of [client.client_secret, newSecret]) {
      const run = await agentmesh(['token', '--client-id', client.client_id, '--client-secret', secret, '--auth-method', 'post'], env);
      assert.equal(run.code, 0, `${secret === newSecret ? 'new' : 'old'} secret: ${run.stderr}`);
    }

    const revoked = await agentmesh(['clients', 'revoke', client.client_id], env);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(revoked.stdout, `revoked ${client.client_id} (poster, tenant globex); its tokens no longer work\n`);
    const refused = await agentmesh(['token', '--client-id', client.client_id, '--client-secret', newSecret, '--auth-method', 'post'], env);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, 'error: token request refused: invalid_client: the client has been revoked (check --client-id and --client-secret)\n');
  });

  test('clients create registers a private_key_jwt client from a JWKS file', async () => {
    const { publicKey } = await generateKeyPair('ES256');
    const file = join(dir, 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] }));
    const created = await agentmesh(['clients', 'create', '--name', 'signer', '--tenant', 'acme', '--scope', 'a2a:message:send', '--auth-method', 'private_key_jwt', '--jwks', file, '--json'], env);
    assert.equal(created.code, 0, created.stderr);
    const client = JSON.parse(created.stdout);
    assert.equal(client.authMethod, 'private_key_jwt');
    assert.equal(client.client_secret, undefined);
  });

  test('keys create, list, rotate and revoke; the key works as X-API-Key until revoked', async () => {
    const created = await agentmesh(['keys', 'create', '--name', 'reporting', '--tenant', 'acme', '--scope', 'a2a:tasks:read', '--expires-in', '30d'], env);
    assert.equal(created.code, 0, created.stderr);
    const id = field(created.stdout, 'id');
    const key = field(created.stdout, 'key');
    assert.ok(key.startsWith(`${id}_`));
    assert.match(created.stderr, /store it now/);
    const who = async (k: string) => (await f.app.inject({ method: 'GET', url: '/whoami', headers: { 'x-api-key': k } })).statusCode;
    assert.equal(await who(key), 200);

    const list = await agentmesh(['keys', 'list', '--json'], env);
    const listed = JSON.parse(list.stdout).apiKeys.find((k: { id: string }) => k.id === id);
    assert.equal(listed.name, 'reporting');
    assert.equal(listed.key, undefined);
    assert.ok(!list.stdout.includes(key));

    const rotated = await agentmesh(['keys', 'rotate', id, '--grace', '0'], env);
    assert.equal(rotated.code, 0, rotated.stderr);
    const key2 = field(rotated.stdout, 'key');
    assert.equal(await who(key), 401);
    assert.equal(await who(key2), 200);

    const revoked = await agentmesh(['keys', 'revoke', id], env);
    assert.equal(revoked.stdout, `revoked ${id} (reporting, tenant acme)\n`);
    assert.equal(await who(key2), 401);
  });

  test('says what is wrong: no admin token, unknown client, refused input, missing flags, unreachable gateway', async () => {
    const noAdmin = await agentmesh(['clients', 'list'], { AGENTMESH_GATEWAY: env.AGENTMESH_GATEWAY });
    assert.equal(noAdmin.code, 1);
    assert.equal(noAdmin.stderr, 'error: this call needs a bearer token (or X-API-Key) with the gateway:admin scope (pass --admin-token or set GATEWAY_ADMIN_TOKEN; beside a local agentmesh up, its admin token is read from .agentmesh/gateway-admin-token)\n');
    const unknown = await agentmesh(['clients', 'revoke', 'amc_00000000000000000000'], env);
    assert.equal(unknown.stderr, `error: client amc_00000000000000000000 does not exist at ${env.AGENTMESH_GATEWAY}\n`);
    const bad = await agentmesh(['clients', 'create', '--name', 'x', '--tenant', 'not a tenant', '--scope', 'a'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: tenant must be 1-128 characters/);
    const noId = await agentmesh(['token'], env);
    assert.equal(noId.code, 2);
    assert.equal(noId.stderr, 'error: give --client-id (or set AGENTMESH_CLIENT_ID); agentmesh up keeps its demo client in .agentmesh/demo-client.json\n');
    const badDuration = await agentmesh(['keys', 'create', '--name', 'x', '--tenant', 'acme', '--expires-in', 'soon'], env);
    assert.equal(badDuration.code, 2);
    const down = await agentmesh(['clients', 'list', '--gateway', 'http://127.0.0.1:1'], env);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^error: cannot reach the gateway at http:\/\/127\.0\.0\.1:1: /);
  });
});
