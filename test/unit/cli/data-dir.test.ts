import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDataDir, prepareDataDir } from '../../../src/cli/config/data-dir.js';
import { gatewayConfigFromEnv } from '../../../src/cli/config/gateway-config-from-env.js';
import { registryConfigFromEnv } from '../../../src/cli/config/registry-config-from-env.js';
import { runtimeConfigFromEnv } from '../../../src/cli/config/runtime-config-from-env.js';
import { ErrorCodes } from '../../../src/protocol/errors.js';

function scratch(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-data-dir-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'notes.md'), 'x');
  return dir;
}

describe('the data dir the CLI is given', () => {
  test('a file given as the data dir is refused in one line naming it, the option and the variable', (t) => {
    const file = join(scratch(t), 'notes.md');
    assert.throws(() => checkDataDir(file), { code: ErrorCodes.CLI_USAGE, message: `the data dir ${file} (--data-dir, env AGENTMESH_DATA_DIR) is a file, not a folder; give a folder agentmesh may keep its state in` });
  });

  test('a data dir inside a file is refused naming the file in the way', (t) => {
    const dir = scratch(t);
    assert.throws(() => checkDataDir(join(dir, 'notes.md', 'mesh')), { code: ErrorCodes.CLI_USAGE, message: new RegExp(`lies inside ${join(dir, 'notes.md')}, which is a file;`) });
  });

  test('checking a data dir that does not exist yet creates nothing', (t) => {
    const missing = join(scratch(t), 'later', 'mesh');
    checkDataDir(missing);
    assert.equal(existsSync(join(missing, '..')), false);
  });

  test('up makes a missing data dir private, and says why it cannot when it cannot', (t) => {
    const dir = scratch(t);
    prepareDataDir(join(dir, 'state', 'mesh'));
    assert.equal(statSync(join(dir, 'state', 'mesh')).mode & 0o777, 0o700);
    assert.throws(() => prepareDataDir(join(dir, 'notes.md')), { code: ErrorCodes.CLI_USAGE, message: /is a file, not a folder/ });
    if (existsSync('/proc/self')) assert.throws(() => prepareDataDir('/proc/agentmesh-never'), { code: ErrorCodes.CLI_USAGE, message: /the data dir \/proc\/agentmesh-never .* cannot be made: ENOENT/ });
  });

  for (const [role, read] of Object.entries({ runtime: runtimeConfigFromEnv, registry: registryConfigFromEnv, gateway: gatewayConfigFromEnv })) {
    test(`${role}: --data-dir or AGENTMESH_DATA_DIR naming a file is refused before the role starts`, (t) => {
      const file = join(scratch(t), 'notes.md');
      assert.throws(() => read({}, { dataDir: file }), { code: ErrorCodes.CLI_USAGE, message: /is a file, not a folder/ });
      assert.throws(() => read({ AGENTMESH_DATA_DIR: file }, {}), { code: ErrorCodes.CLI_USAGE, message: /is a file, not a folder/ });
    });
  }
});
