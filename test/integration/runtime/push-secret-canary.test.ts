/**
 * The database's canary and a rotation of AGENTMESH_SECRET, on the embedded
 * SQLite store (docs/adr/0027-push-backoff-per-origin.md): a runtime given
 * the retired secret as AGENTMESH_SECRET_PREVIOUS, or `secrets rotate`,
 * moves the canary to the new secret, so the new secret alone then starts
 * and the retired one alone is refused, naming AGENTMESH_SECRET.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, type RuntimeConfigInput } from '../../../src/runtime/index.js';
import { resealPushConfigs } from '../../../src/runtime/push/index.js';
import { createDatabase } from '../../../src/storage/index.js';
import { testAgent } from '../../helpers/runtime-fixture.js';

const OLD = 'the-old-agentmesh-secret-0123456789abcdef';
const NEW = 'the-new-agentmesh-secret-0123456789abcdef';

describe('the secret canary through a rotation', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-canary-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  /** Starts and stops a runtime on the data dir's database with these secrets. */
  const startStop = async (config: RuntimeConfigInput): Promise<void> => {
    const runtime = await createRuntime({ agents: [testAgent], config: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', ...config } });
    await runtime.close();
  };
  const refused = (err: Error): boolean => /AGENTMESH_SECRET mismatch/.test(err.message);

  test('a runtime with the new secret and the previous one moves the canary to the new secret', async () => {
    await startStop({ storageSecret: OLD });
    await assert.rejects(startStop({ storageSecret: NEW }), refused, 'the new secret alone does not open the old canary');
    await startStop({ storageSecret: NEW, previousStorageSecret: OLD });
    await startStop({ storageSecret: NEW });
    await assert.rejects(startStop({ storageSecret: OLD }), refused, 'a replica left on the retired secret learns it is stale');
  });

  test('`secrets rotate` (resealPushConfigs) moves the canary too; its dry run does not', async () => {
    await startStop({ storageSecret: OLD });
    const database = await createDatabase({ sqlitePath: join(dataDir, 'mesh.db') });
    try {
      await resealPushConfigs({ database, secret: NEW, previousSecret: OLD, dryRun: true });
      await assert.rejects(startStop({ storageSecret: NEW }), refused);
      await resealPushConfigs({ database, secret: NEW, previousSecret: OLD });
    } finally {
      await database.close();
    }
    await startStop({ storageSecret: NEW });
  });
});
