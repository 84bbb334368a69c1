/**
 * Push notification configs (their webhook token and
 * `authentication.credentials`) were stored in clear. They are now sealed at
 * rest under the runtime's secret; the API still returns them, delivery
 * still authenticates, and rows written in clear by an earlier version still
 * read and are sealed at start.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { createRuntime, type Runtime, type RuntimeConfigInput } from '../../../src/runtime/index.js';
import { SealedPushStore } from '../../../src/runtime/push/index.js';
import { createDatabase, createRuntimeStores, deriveSealingKey, isSealedValue } from '../../../src/storage/index.js';
import { rpc, testAgent, userMessage } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';

const TOKEN = 'webhook-token-7f3a9c';
const CREDENTIALS = 'bearer-credentials-41d2e8';

/** Every config row exactly as the database holds it. */
function rawConfigs(dataDir: string): Array<{ task_id: string; id: string; config: string }> {
  const db = new BetterSqlite3(join(dataDir, 'mesh.db'), { readonly: true });
  try {
    return db.prepare('SELECT task_id, id, config FROM push_configs ORDER BY task_id, id').all() as Array<{ task_id: string; id: string; config: string }>;
  } finally {
    db.close();
  }
}

describe('push notification credentials are sealed at rest', () => {
  let dataDir: string;
  let server: Server;
  let origin: string;
  const received: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  /** Waits (as `what`) for a notification to `path`, and asserts it carried the config's credentials and token. */
  const deliveredWithCredentials = async (path: string, what: string): Promise<void> => {
    await until(what, async () => received.some((r) => r.path === path));
    const delivery = received.find((r) => r.path === path)!;
    assert.equal(delivery.headers.authorization, `Bearer ${CREDENTIALS}`);
    assert.equal(delivery.headers['x-a2a-notification-token'], TOKEN);
  };
  let runtime: Runtime | undefined;
  let url: string;

  const start = async (config: RuntimeConfigInput = {}) => {
    runtime = await createRuntime({ agents: [testAgent], config: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', dev: true, allowHosts: ['127.0.0.1'], ...config } });
    url = (await runtime.listen()).url;
  };
  const stop = async () => {
    await runtime?.close();
    runtime = undefined;
  };
  const waitTask = async (): Promise<string> => {
    const { body } = await rpc(url, 'SendMessage', { message: userMessage('x', { metadata: { skillId: 'wait' } }), configuration: { returnImmediately: true } });
    assert.ok(body.result?.task?.id, JSON.stringify(body));
    return body.result.task.id;
  };

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-sealed-push-'));
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the stored row holds no credential; the API returns it and delivery authenticates with it', async () => {
    await start();
    assert.equal(statSync(join(dataDir, 'runtime-secret')).mode & 0o777, 0o600, 'the generated secret is private');
    const taskId = await waitTask();
    const hook = `${origin}/hooks/sealed`;
    const created = await rpc(url, 'CreateTaskPushNotificationConfig', { taskId, url: hook, token: TOKEN, authentication: { scheme: 'Bearer', credentials: CREDENTIALS } });
    assert.equal(created.body.result.token, TOKEN, JSON.stringify(created.body));
    const configId = created.body.result.id as string;

    const [row] = rawConfigs(dataDir).filter((r) => r.task_id === taskId);
    assert.ok(row, 'the config is stored');
    assert.ok(isSealedValue(row.config), `sealed, got ${row.config.slice(0, 40)}…`);
    for (const secret of [TOKEN, CREDENTIALS, hook, 'Bearer']) assert.ok(!row.config.includes(secret), `the row does not hold ${secret}`);

    const got = await rpc(url, 'GetTaskPushNotificationConfig', { taskId, id: configId });
    assert.equal(got.body.result.url, hook);
    assert.equal(got.body.result.token, TOKEN);
    assert.deepEqual(got.body.result.authentication, { scheme: 'Bearer', credentials: CREDENTIALS });
    const listed = await rpc(url, 'ListTaskPushNotificationConfigs', { taskId });
    assert.equal(listed.body.result.configs[0].token, TOKEN);

    const canceled = await rpc(url, 'CancelTask', { id: taskId });
    assert.equal(canceled.body.result.status.state, 'TASK_STATE_CANCELED');
    await deliveredWithCredentials('/hooks/sealed', 'the canceled notification');
    await stop();
  });

  test('a row stored in clear by an earlier version still reads, and is sealed when a runtime starts', async () => {
    await start();
    const taskId = await waitTask();
    // As an earlier version wrote it: the config's JSON itself, beside the running runtime.
    const legacy = JSON.stringify({ id: 'legacy-1', taskId, url: `${origin}/hooks/legacy`, token: TOKEN, authentication: { scheme: 'Bearer', credentials: CREDENTIALS }, tenant: '' });
    const database = await createDatabase({ sqlitePath: join(dataDir, 'mesh.db') });
    const raw = createRuntimeStores(database).push;
    await raw.putConfig({ taskId, id: 'legacy-1', tenant: '', config: legacy, protocol: '1.0', createdAt: Date.now() });
    const sealing = new SealedPushStore(raw, deriveSealingKey('x'.repeat(32), 'agentmesh/runtime', 'push-config-encryption v1'));
    assert.equal((await sealing.getConfig(taskId, 'legacy-1'))?.config, legacy, 'both forms read');
    await database.close();
    const before = await rpc(url, 'GetTaskPushNotificationConfig', { taskId, id: 'legacy-1' });
    assert.equal(before.body.result.token, TOKEN, JSON.stringify(before.body));

    // Another replica starting on the same store seals what it finds in clear.
    const replica = await createRuntime({ agents: [testAgent], config: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent' } });
    await replica.listen();
    await replica.close();
    const row = rawConfigs(dataDir).find((r) => r.id === 'legacy-1')!;
    assert.ok(isSealedValue(row.config), 'sealed at start');
    assert.ok(!row.config.includes(TOKEN) && !row.config.includes(CREDENTIALS));

    const got = await rpc(url, 'GetTaskPushNotificationConfig', { taskId, id: 'legacy-1' });
    assert.equal(got.body.result.token, TOKEN, JSON.stringify(got.body));
    assert.deepEqual(got.body.result.authentication, { scheme: 'Bearer', credentials: CREDENTIALS });
    await rpc(url, 'CancelTask', { id: taskId });
    await deliveredWithCredentials('/hooks/legacy', 'the legacy config delivers');
    await stop();
  });

  test('a configured secret is used instead of the file; another secret cannot open the configs, and a runtime given it refuses to start', async () => {
    // A database of its own: the one above is sealed under the generated file secret.
    const shared = dataDir;
    dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-sealed-push-configured-'));
    try {
      const secret = 'a-configured-secret-of-at-least-32-chars';
      await start({ storageSecret: secret });
      const taskId = await waitTask();
      const created = await rpc(url, 'CreateTaskPushNotificationConfig', { taskId, url: `${origin}/hooks/other`, token: TOKEN });
      const configId = created.body.result.id as string;
      assert.equal((await rpc(url, 'GetTaskPushNotificationConfig', { taskId, id: configId })).body.result.token, TOKEN);
      await stop();

      const another = 'another-secret-of-at-least-32-characters';
      const database = await createDatabase({ sqlitePath: join(dataDir, 'mesh.db') });
      const foreign = new SealedPushStore(createRuntimeStores(database).push, deriveSealingKey(another, 'agentmesh/runtime', 'push-config-encryption v1'));
      await assert.rejects(foreign.getConfig(taskId, configId), (err: { code?: string }) => err.code === 'AM_ERR_CONFIG_INVALID');
      await database.close();
      await assert.rejects(start({ storageSecret: another }), (err: Error) => /AGENTMESH_SECRET/.test(err.message) && !err.message.includes(another));

      await start({ storageSecret: secret });
      await rpc(url, 'CancelTask', { id: taskId });
      await stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      dataDir = shared;
    }
  });

  test('a sealed config moved onto another row does not open', async () => {
    await start();
    const a = await waitTask();
    const b = await waitTask();
    const made = await rpc(url, 'CreateTaskPushNotificationConfig', { taskId: a, id: 'cfg', url: `${origin}/hooks/a`, token: TOKEN });
    assert.equal(made.body.result.id, 'cfg', JSON.stringify(made.body));
    await rpc(url, 'CreateTaskPushNotificationConfig', { taskId: b, id: 'cfg', url: `${origin}/hooks/b`, token: 'other' });
    await stop();
    const db = new BetterSqlite3(join(dataDir, 'mesh.db'));
    db.prepare('UPDATE push_configs SET config = (SELECT config FROM push_configs WHERE task_id = ? AND id = ?) WHERE task_id = ? AND id = ?').run(a, 'cfg', b, 'cfg');
    db.close();
    await start();
    const moved = await rpc(url, 'GetTaskPushNotificationConfig', { taskId: b, id: 'cfg' });
    assert.equal(moved.body.error?.code, -32603, JSON.stringify(moved.body));
    assert.equal((await rpc(url, 'GetTaskPushNotificationConfig', { taskId: a, id: 'cfg' })).body.result.token, TOKEN);
    await rpc(url, 'CancelTask', { id: a });
    await rpc(url, 'CancelTask', { id: b });
    await stop();
  });
});
