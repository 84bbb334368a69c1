import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cliTlsFromEnv } from '../../../src/cli/client/cli-tls.js';
import { TS_CHILD_ARGV } from '../../helpers/typescript-child.js';

const run = promisify(execFile);
const cliIndex = fileURLToPath(new URL('../../../src/cli/index.ts', import.meta.url));

describe('the CLI TLS from the environment', () => {
  test('is off without TLS variables, and its loader names the variable at fault', () => {
    assert.equal(cliTlsFromEnv({}), undefined);
    assert.equal(cliTlsFromEnv({ TLS_CLIENT_CERT_FILE: '' }), undefined);
    const half = cliTlsFromEnv({ TLS_CLIENT_CERT_FILE: '/etc/x.crt' });
    assert.throws(() => half!(), (err: { code?: string; message: string }) => err.code === 'AM_ERR_CLI_USAGE' && /set both TLS_CLIENT_CERT_FILE and TLS_CLIENT_KEY_FILE/.test(err.message));
    const missing = cliTlsFromEnv({ TLS_CA_FILE: '/nonexistent/ca.crt' });
    assert.throws(() => missing!(), /TLS_CA_FILE names a file that cannot be read \(\/nonexistent\/ca\.crt\): ENOENT/);
  });

  test('a command that calls only http:// URLs loads neither node:https nor node:tls, with the TLS variables set', async () => {
    const script = `
      const { runCli } = await import(${JSON.stringify(cliIndex)});
      const env = { AGENTMESH_CLIENT_ID: 'a', AGENTMESH_CLIENT_SECRET: 'b', TLS_CLIENT_CERT_FILE: '/nonexistent', TLS_CLIENT_KEY_FILE: '/nonexistent', TLS_CA_FILE: '/nonexistent' };
      const code = await runCli(['token', '--gateway', 'http://127.0.0.1:9'], { stdout: { write: () => true }, stderr: { write: () => true }, env });
      process.stdout.write(JSON.stringify({ code, tls: process.moduleLoadList.filter((m) => /\\b(tls|https|_tls_wrap)\\b/.test(m)) }));
    `;
    const { stdout } = await run(process.execPath, [...TS_CHILD_ARGV, '--input-type=module', '-e', script]);
    const { code, tls } = JSON.parse(stdout) as { code: number; tls: string[] };
    assert.equal(code, 1, 'the call failed on the network (nothing listens on port 9), not on the TLS files');
    assert.deepEqual(tls, []);
  });
});
