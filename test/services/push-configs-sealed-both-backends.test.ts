/**
 * On both backends: push configs are sealed at rest
 * by the runtime's SealedPushStore; rows stored in clear by an earlier
 * version still read and are sealed in place, each only if unchanged.
 */
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SealedPushStore } from '../../src/runtime/push/index.js';
import { deriveSealingKey, isSealedValue } from '../../src/storage/index.js';
import { databaseBackends, runtimeStoresPerTest } from '../helpers/database-backends.js';

const BACKENDS = await databaseBackends({ tmpPrefix: 'agentmesh-sealed-' });

const TOKEN = 'webhook-token-9b1c';
const CREDENTIALS = 'credentials-5e7f';
const key = deriveSealingKey('s'.repeat(32), 'agentmesh/runtime', 'push-config-encryption v1');
const configJson = (taskId: string, id: string) => JSON.stringify({ id, taskId, url: 'https://hooks.example.com/x', token: TOKEN, authentication: { scheme: 'Bearer', credentials: CREDENTIALS } });

for (const backend of BACKENDS) {
  describe(`sealed push configs: ${backend.name}`, { skip: backend.skip }, () => {
    const { stores } = runtimeStoresPerTest(backend);
    beforeEach(async () => {
      await stores().tasks.create({ id: 't1', agent: 'tester', tenant: 'acme', contextId: 'c', state: 'TASK_STATE_WORKING', skill: 'echo', messageId: 'm1', snapshot: '{}', owner: null, idempotent: false, terminal: false, events: [], now: 1_000 });
    });

    test('a config written through the sealing store holds no credential in its row, and reads back whole', async () => {
      const sealed = new SealedPushStore(stores().push, key);
      await sealed.putConfig({ taskId: 't1', id: 'a', tenant: 'acme', config: configJson('t1', 'a'), protocol: '1.0', createdAt: 1 });
      const raw = await stores().push.getConfig('t1', 'a');
      assert.ok(raw && isSealedValue(raw.config));
      assert.ok(!raw.config.includes(TOKEN) && !raw.config.includes(CREDENTIALS) && !raw.config.includes('hooks.example.com'));
      assert.equal((await sealed.getConfig('t1', 'a'))?.config, configJson('t1', 'a'));
      assert.deepEqual((await sealed.listConfigs('t1')).map((c) => c.config), [configJson('t1', 'a')]);
      assert.deepEqual(await stores().push.configsNotSealed(10), []);
    });

    test('rows stored in clear read as they are, and sealExisting seals them in place', async () => {
      for (const id of ['b', 'c']) await stores().push.putConfig({ taskId: 't1', id, tenant: 'acme', config: configJson('t1', id), protocol: '1.0', createdAt: 2 });
      const sealed = new SealedPushStore(stores().push, key);
      assert.equal((await sealed.getConfig('t1', 'b'))?.config, configJson('t1', 'b'));
      assert.deepEqual((await stores().push.configsNotSealed(10)).map((c) => c.id), ['b', 'c']);

      assert.equal(await sealed.sealExisting(), 2);
      assert.deepEqual(await stores().push.configsNotSealed(10), []);
      for (const id of ['b', 'c']) {
        const raw = await stores().push.getConfig('t1', id);
        assert.ok(raw && isSealedValue(raw.config) && !raw.config.includes(TOKEN));
        assert.equal((await sealed.getConfig('t1', id))?.config, configJson('t1', id));
      }
      assert.equal(await sealed.sealExisting(), 0, 'nothing left to seal');
    });

    test('replaceConfig changes a row only while it still holds what was read', async () => {
      await stores().push.putConfig({ taskId: 't1', id: 'd', tenant: 'acme', config: configJson('t1', 'd'), protocol: '1.0', createdAt: 3 });
      assert.equal(await stores().push.replaceConfig('t1', 'd', 'not what it holds', 'x'), false);
      assert.equal(await stores().push.replaceConfig('t1', 'd', configJson('t1', 'd'), '{"replaced":true}'), true);
      assert.equal((await stores().push.getConfig('t1', 'd'))?.config, '{"replaced":true}');
      assert.equal(await stores().push.replaceConfig('t1', 'gone', 'a', 'b'), false);
    });
  });
}
