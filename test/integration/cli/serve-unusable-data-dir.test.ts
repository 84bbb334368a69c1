/**
 * `agentmesh serve <role>` with a data dir that cannot be made (under /proc, a virtual file
 * system): one line naming the path, the flag and the variable, and a non-zero exit at once; and
 * the CLI's private files (its code cache, its tokens) under such a path are an error, not a
 * recursive mkdir that never returns.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cli } from './cli-harness.js';
import { TS_CHILD_ARGV } from '../../helpers/typescript-child.js';

const onLinux = existsSync('/proc/self');
const DATA_DIR = '/proc/self/agentmesh-never/data';

describe('a data dir the role cannot make', { skip: onLinux ? false : 'needs /proc' }, () => {
  for (const role of ['registry', 'gateway', 'agents']) {
    test(`serve ${role} answers one line naming the path, --data-dir and AGENTMESH_DATA_DIR, and exits 2`, async () => {
      for (const given of [{ argv: ['--data-dir', DATA_DIR], env: {} }, { argv: [], env: { AGENTMESH_DATA_DIR: DATA_DIR } }]) {
        const started = performance.now();
        const run = await cli(['serve', role, '--port', '0', '--host', '127.0.0.1', ...given.argv], { env: { AGENTMESH_DEV: '1', ...given.env } });
        assert.equal(run.code, 2, run.stderr);
        assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
        assert.match(run.stderr, new RegExp(`^error: the data dir ${DATA_DIR} \\(--data-dir, env AGENTMESH_DATA_DIR\\) cannot be used: ENOENT`));
        // A recursive mkdir there would spin forever; the bound only has to tell that from a start on a busy 2-core host.
        assert.ok(performance.now() - started < 30_000, 'refused, not stuck');
      }
    });
  }

  test('a private file under /proc is an error at once, not a mkdir that spins', () => {
    const privateFiles = fileURLToPath(new URL('../../../src/cli/launch/private-files.ts', import.meta.url));
    const script = `const { writePrivateFile } = await import(${JSON.stringify(privateFiles)}); try { writePrivateFile('/proc/self/agentmesh-never/x/f', new Uint8Array(1)); } catch (err) { console.log(err.code); }`;
    const run = spawnSync(process.execPath, [...TS_CHILD_ARGV, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(run.signal, null, 'it returned before the timeout');
    assert.equal(run.stdout.trim(), 'ENOENT', run.stderr);
  });
});
