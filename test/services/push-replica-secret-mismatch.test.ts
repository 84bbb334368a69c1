/**
 * Replicas sharing a database with different AGENTMESH_SECRETs could not
 * open each other's push configs, and their deliveries stalled behind rows
 * held for the lease (docs/adr/0027-push-backoff-per-origin.md). Now the
 * first replica seals a canary; a replica whose secret cannot open it
 * refuses to start, naming AGENTMESH_SECRET; and a row whose config no key
 * of the fleet opens is dead-lettered at once, counted, and its task moves on.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMetrics, type Metrics } from '../../src/observability/index.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';
import { pushSealingKeys, SealedPushStore } from '../../src/runtime/push/index.js';
import { createDatabase, createRuntimeStores, RedisBus, type Database } from '../../src/storage/index.js';
import { rpc, userMessage } from '../helpers/runtime-fixture.js';
import { REDIS_URL, createTestSchema, deleteRedisKey, postgresSkipReason, redisSkipReason, uniqueStreamKey, waitFor, type TestSchema, withPgClient } from '../helpers/services.js';
import { runToExit } from '../helpers/child-output.js';
import { oneSkillAgent } from '../helpers/one-skill-agent.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());

const SECRET_A = 'first-replica-secret-0123456789abcdef';
const SECRET_B = 'second-replica-secret-0123456789abcdef';
/** Releases each task's work when the test says so, keyed by the message text. */
const gates = new Map<string, () => void>();
const gated = oneSkillAgent({ name: 'gated', description: 'Works once the test opens its gate' }, 'work', {
  description: 'Waits for the gate, then reports two steps',
  handler: async (text: string, ctx) => {
    await new Promise<void>((resolve) => gates.set(text, resolve));
    ctx.progress('one');
    ctx.progress('two');
    return 'done';
  },
});

describe('replicas with different AGENTMESH_SECRETs', { skip }, () => {
  let schema: TestSchema;
  const stream = uniqueStreamKey();
  const dirs: string[] = [];
  const dataDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'agentmesh-secret-mismatch-'));
    dirs.push(dir);
    return dir;
  };
  let database: Database;
  let bus: RedisBus;
  let first: Runtime;
  let firstUrl: string;
  let metrics: Metrics;
  let server: Server;
  let hook: string;
  /** Each notification received: its path and its event's sequence in the task's log. */
  const received: Array<{ path: string; seq: number }> = [];

  before(async () => {
    schema = await createTestSchema();
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push({ path: req.url ?? '', seq: Number(req.headers['agentmesh-event-seq']) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    database = await createDatabase({ url: schema.url, poolSize: 4 });
    bus = await RedisBus.connect({ url: REDIS_URL, stream });
    metrics = createMetrics({ defaultMetrics: false });
    first = await createRuntime({ agents: [gated], metrics, database, bus, config: { port: 0, host: '127.0.0.1', logLevel: 'silent', dataDir: dataDir(), storageSecret: SECRET_A, dev: true, allowHosts: ['127.0.0.1'] } });
    firstUrl = (await first.listen()).agents['gated']!;
  });

  after(async () => {
    for (const open of gates.values()) open();
    await first?.close();
    await bus?.close();
    await database?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await schema?.drop();
    await deleteRedisKey(stream);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('a second replica whose secret cannot open the first one\'s canary refuses to start, naming AGENTMESH_SECRET', async () => {
    const own = await createDatabase({ url: schema.url, poolSize: 2 });
    const ownBus = await RedisBus.connect({ url: REDIS_URL, stream });
    try {
      await assert.rejects(
        createRuntime({ agents: [gated], database: own, bus: ownBus, config: { port: 0, host: '127.0.0.1', logLevel: 'silent', dataDir: dataDir(), storageSecret: SECRET_B } }),
        (err: Error) => /AGENTMESH_SECRET/.test(err.message) && !err.message.includes(SECRET_B),
      );
      // Without AGENTMESH_SECRET it falls back to a file of its own: the message names the file and the variable.
      const dir = dataDir();
      await assert.rejects(
        createRuntime({ agents: [gated], database: own, bus: ownBus, config: { port: 0, host: '127.0.0.1', logLevel: 'silent', dataDir: dir } }),
        (err: Error) => /AGENTMESH_SECRET is unset/.test(err.message) && err.message.includes(join(dir, 'runtime-secret')),
      );
    } finally {
      await ownBus.close();
      await own.close();
    }
  });

  test('as a process: `serve agents` with another AGENTMESH_SECRET exits non-zero at once with the reason', async () => {
    const { code, output } = await runToExit(['serve', 'agents', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir()], { REDIS_URL, DATABASE_URL: schema.url, AGENTMESH_SECRET: SECRET_B });
    assert.notEqual(code, 0, output);
    assert.match(output, /^error: .*AGENTMESH_SECRET/m);
    assert.ok(!output.includes(SECRET_B), 'the secret itself is never printed');
  });

  test('a row whose config is sealed under an unknown key is dead-lettered at once, counted, and its task moves on', async () => {
    const send = async (text: string, path: string): Promise<string> => {
      const { body } = await rpc(firstUrl, 'SendMessage', { message: userMessage(text), configuration: { returnImmediately: true, taskPushNotificationConfig: { id: 'hook', url: `${hook}${path}` } } });
      assert.ok(body.result?.task?.id, JSON.stringify(body));
      await waitFor(`${text} started`, async () => (gates.has(text) ? true : undefined));
      return body.result.task.id as string;
    };
    const sealedElsewhere = await send('sealed elsewhere', '/foreign');
    const healthy = await send('healthy', '/healthy');
    // The config re-sealed under a secret the fleet does not hold, as a replica with another secret would have written it.
    const unknownKey = new SealedPushStore(createRuntimeStores(database).push, pushSealingKeys(SECRET_B));
    await unknownKey.putConfig({ taskId: sealedElsewhere, id: 'hook', tenant: '', config: JSON.stringify({ id: 'hook', taskId: sealedElsewhere, url: `${hook}/foreign` }), protocol: '1.0', createdAt: Date.now() });

    await withPgClient(schema.url, async (db) => {
      const rowsOf = async (taskId: string) => (await db.query<{ state: string; last_error: string | null; seq: number }>('SELECT state, last_error, seq FROM push_outbox WHERE task_id = $1 ORDER BY id', [taskId])).rows;
      // Rows queued before the switch may have been delivered while the config still opened (the worker
      // polls meanwhile): only what is queued after it can tell. Read after the switch, so any later row is past it.
      const seqAtSwitch = Math.max(0, ...(await rowsOf(sealedElsewhere)).map((r) => r.seq));
      const opened = Date.now();
      gates.get('sealed elsewhere')!();
      gates.get('healthy')!();
      // Every row after the switch settles (the lease, 30 s, is never waited out): the task's work ends
      // with its completion, so once nothing of it is pending every row it will ever have is settled.
      const settled = await waitFor(
        'the unreadable rows settled',
        async () => {
          const task = await db.query<{ terminal: number }>('SELECT terminal FROM tasks WHERE id = $1', [sealedElsewhere]);
          const rows = await rowsOf(sealedElsewhere);
          const dead = rows.filter((r) => r.state === 'dead');
          return task.rows[0]?.terminal === 1 && rows.every((r) => r.state !== 'pending') && dead.length >= 3 ? dead : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 100 },
      );
      assert.ok(Date.now() - opened < 15_000);
      for (const row of settled) assert.match(row.last_error ?? '', /cannot be opened.*AGENTMESH_SECRET/);
      const after = (await rowsOf(sealedElsewhere)).filter((r) => r.seq > seqAtSwitch);
      assert.ok(after.length >= 3, 'the work after the switch queued its notifications');
      assert.deepEqual(after.map((r) => r.state), after.map(() => 'dead'), 'every notification queued after the switch is dead-lettered');
      assert.deepEqual(received.filter((r) => r.path === '/foreign' && r.seq > seqAtSwitch), [], 'nothing is sent for a config that cannot be opened');
      await waitFor('the healthy task delivered', async () => ((await rowsOf(healthy)).every((r) => r.state === 'delivered') ? true : undefined), { timeoutMs: 15_000 });

      const counter = metrics.registry.getSingleMetric('agentmesh_push_delivery_failures_total');
      const values = (await counter!.get()).values;
      const unreadable = values.find((v) => v.labels['reason'] === 'config_unreadable')?.value ?? 0;
      assert.equal(unreadable, settled.length, 'each unreadable row counted');
    });
  });
});
