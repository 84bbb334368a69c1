import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/program.js';
import { withSecretFiles } from '../../../src/cli/config/secret-files.js';

describe('<NAME>_FILE: secrets read from files (Compose and Kubernetes secrets)', () => {
  test('reads the file into the variable, without its trailing newline', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'secret-files-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'gateway_secret'), 's3cret-with-32-characters-or-more\n');
    writeFileSync(join(dir, 'database_url'), 'postgres://agentmesh:pw@db/agentmesh');
    const env = withSecretFiles({ GATEWAY_SECRET_FILE: join(dir, 'gateway_secret'), DATABASE_URL_FILE: join(dir, 'database_url'), HOST: '0.0.0.0' });
    assert.equal(env['GATEWAY_SECRET'], 's3cret-with-32-characters-or-more');
    assert.equal(env['DATABASE_URL'], 'postgres://agentmesh:pw@db/agentmesh');
    assert.equal(env['HOST'], '0.0.0.0');
  });

  test('leaves the environment as it is when no _FILE is set, and ignores _FILE of variables that are not secrets', () => {
    const env = { GATEWAY_SECRET: 'x', WORKFLOWS_FILE: '/nowhere' };
    assert.equal(withSecretFiles(env), env);
  });

  test('refuses a variable set both ways, and an unreadable file, naming the variable', () => {
    assert.throws(() => withSecretFiles({ REGISTRY_TOKEN: 'a', REGISTRY_TOKEN_FILE: '/run/secrets/registry_token' }), /set REGISTRY_TOKEN or REGISTRY_TOKEN_FILE, not both/);
    assert.throws(() => withSecretFiles({ AGENTMESH_SECRET_FILE: '/nonexistent/agentmesh_secret' }), /AGENTMESH_SECRET_FILE names a file that cannot be read \(\/nonexistent\/agentmesh_secret\)/);
  });

  test('the CLI reports a missing secret file as an error before running the command', async () => {
    let err = '';
    const code = await runCli(['serve', 'registry', '--port', '0'], { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) }, env: { REGISTRY_TOKEN_FILE: '/nonexistent/registry_token' } });
    assert.notEqual(code, 0);
    assert.match(err, /REGISTRY_TOKEN_FILE names a file that cannot be read/);
  });
});
