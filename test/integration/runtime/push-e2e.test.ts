/**
 * Push notifications end to end (A2A §3.1.7, §4.3.3, §13.2): a real runtime,
 * a real webhook server on 127.0.0.1 (port 0), configs registered over
 * JSON-RPC v1 and v0.3, and signatures checked against the runtime's JWKS.
 * The delivery worker runs on the real clock, so tests poll for conditions
 * with a deadline instead of sleeping.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PUSH_SIGNATURE_HEADER, verifyPushSignature } from '../../../src/runtime/push/index.js';
import { readSse, rpc, startRuntime, userMessage } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';

/** One request the webhook received. */
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  /** Raw body bytes: the signature covers exactly these. */
  raw: Buffer;
  json: any;
}


describe('push notifications end to end', () => {
  let env: Awaited<ReturnType<typeof startRuntime>>;
  let server: Server;
  let origin: string;
  /** Every request, successful or not, in arrival order. */
  let received: Received[] = [];
  /** Answered with 2xx, i.e. delivered. */
  let delivered: Received[] = [];
  /** Status of the next answer for each path; 200 when the list is empty. */
  let failures = new Map<string, number[]>();

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const entry: Received = { path: req.url ?? '', headers: req.headers, raw, json: JSON.parse(raw.toString('utf8')) };
        received.push(entry);
        const status = failures.get(entry.path)?.shift() ?? 200;
        if (status < 300) delivered.push(entry);
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    env = await startRuntime(undefined, { dev: true, allowHosts: ['127.0.0.1', 'localhost'] });
  });
  after(async () => {
    await env.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    received = [];
    delivered = [];
    failures = new Map();
  });

  const at = (path: string) => delivered.filter((r) => r.path === path);
  const stateOf = (r: Received): string | undefined => r.json.statusUpdate?.status?.state ?? r.json.task?.status?.state;

  /** Starts a `wait` task that runs until canceled. */
  async function startWaitTask(extra: Record<string, unknown> = {}): Promise<string> {
    const { body } = await rpc(env.url, 'SendMessage', { message: userMessage('x', { metadata: { skillId: 'wait' } }), configuration: { returnImmediately: true, ...extra } });
    assert.ok(body.result?.task?.id, `SendMessage failed: ${JSON.stringify(body)}`);
    return body.result.task.id;
  }

  test('a v1 config receives the canceled status, authenticated and signed', async () => {
    const hook = `${origin}/hooks/v1`;
    const taskId = await startWaitTask();
    const created = await rpc(env.url, 'CreateTaskPushNotificationConfig', {
      taskId,
      url: hook,
      token: 'tok-123',
      authentication: { scheme: 'Bearer', credentials: 'secret-xyz' },
    });
    assert.equal(created.body.result.taskId, taskId);
    assert.equal(typeof created.body.result.id, 'string');
    const canceled = await rpc(env.url, 'CancelTask', { id: taskId });
    assert.equal(canceled.body.result.status.state, 'TASK_STATE_CANCELED');

    await until('the canceled notification', () => at('/hooks/v1').some((r) => stateOf(r) === 'TASK_STATE_CANCELED'));
    const got = at('/hooks/v1');
    // Events appended after registration, in order: the terminal status is last and only once.
    assert.equal(stateOf(got[got.length - 1]!), 'TASK_STATE_CANCELED');
    assert.equal(got.filter((r) => stateOf(r) === 'TASK_STATE_CANCELED').length, 1);
    for (const r of got) {
      const kinds = Object.keys(r.json);
      assert.equal(kinds.length, 1, 'a StreamResponse has exactly one payload');
      assert.ok(['task', 'statusUpdate', 'artifactUpdate', 'message'].includes(kinds[0]!), `v1 StreamResponse, got ${kinds[0]}`);
      assert.equal(r.json.kind, undefined, 'no v0.3 kind field');
      if (r.json.statusUpdate) assert.equal(r.json.statusUpdate.taskId, taskId);
      assert.match(r.headers['content-type'] ?? '', /^application\/a2a\+json/);
      assert.equal(r.headers.authorization, 'Bearer secret-xyz');
      assert.equal(r.headers['x-a2a-notification-token'], 'tok-123');
      const signature = r.headers[PUSH_SIGNATURE_HEADER.toLowerCase()];
      assert.equal(typeof signature, 'string');
      const claims = await verifyPushSignature({
        jwksUrl: `${env.url}/.well-known/jwks.json`,
        signature: signature as string,
        body: r.raw,
        audience: hook,
        issuer: env.url,
      });
      assert.equal(claims.aud, hook);
    }
    // The signature covers the body: a changed body is rejected.
    const last = got[got.length - 1]!;
    await assert.rejects(
      verifyPushSignature({ jwksUrl: `${env.url}/.well-known/jwks.json`, signature: last.headers[PUSH_SIGNATURE_HEADER.toLowerCase()] as string, body: Buffer.concat([last.raw, Buffer.from(' ')]), audience: hook }),
      (err: { code?: string; details?: { reason?: string } }) => err.code === 'AM_ERR_AUTH_UNAUTHENTICATED' && err.details?.reason === 'body_mismatch',
    );
  });

  test('a webhook answering 503 first still gets every notification, in event order', async () => {
    const hook = `${origin}/hooks/retry`;
    // The delivery worker's backoff base (1 s) is not configurable through
    // createRuntime, so one failure keeps the test to a single retry.
    failures.set('/hooks/retry', [503]);
    const asked = await rpc(env.url, 'SendMessage', { message: userMessage('hi', { metadata: { skillId: 'ask' } }) });
    const task = asked.body.result.task;
    assert.equal(task.status.state, 'TASK_STATE_INPUT_REQUIRED');
    await rpc(env.url, 'CreateTaskPushNotificationConfig', { taskId: task.id, url: hook });
    const answered = await rpc(env.url, 'SendMessage', { message: userMessage('Ada', { taskId: task.id, contextId: task.contextId }) });
    assert.equal(answered.body.result.task.status.state, 'TASK_STATE_COMPLETED');
    // The task's whole log, replayed from the start, is the reference order of its events.
    const replay = await fetch(env.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', 'last-event-id': '0' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SubscribeToTask', params: { id: task.id } }),
    });
    const log = (await readSse(replay)).map((f) => f.data.result);
    const paused = log.findIndex((e) => e.statusUpdate?.status.state === 'TASK_STATE_INPUT_REQUIRED');
    assert.ok(paused >= 0, 'the log holds the input-required status');
    // The config was registered while the task waited: it gets everything after that.
    const events = log.slice(paused + 1);
    assert.equal(events[events.length - 1].statusUpdate.status.state, 'TASK_STATE_COMPLETED');
    assert.ok(events.some((e) => e.artifactUpdate?.artifact.parts[0].text === 'Hello, Ada'));

    await until(`${events.length} deliveries`, () => at('/hooks/retry').length >= events.length);
    assert.deepEqual(at('/hooks/retry').map((r) => r.json), events, 'every event delivered once, in order');
    const attempts = received.filter((r) => r.path === '/hooks/retry');
    assert.equal(attempts.length, events.length + 1, 'exactly one retry');
    assert.deepEqual(attempts[0]!.json, attempts[1]!.json, 'the failed notification is retried before any later one');
  });

  test('a config passed in SendMessage configuration also delivers', async () => {
    const hook = `${origin}/hooks/inline`;
    const taskId = await startWaitTask({ taskPushNotificationConfig: { url: hook, token: 'inline-token' } });
    const listed = await rpc(env.url, 'ListTaskPushNotificationConfigs', { taskId });
    assert.deepEqual(listed.body.result.configs.map((c: { url: string }) => c.url), [hook]);
    await rpc(env.url, 'CancelTask', { id: taskId });
    await until('the canceled notification', () => at('/hooks/inline').some((r) => stateOf(r) === 'TASK_STATE_CANCELED'));
    for (const r of at('/hooks/inline')) {
      assert.equal(r.headers['x-a2a-notification-token'], 'inline-token');
      assert.equal(r.headers.authorization, undefined, 'no Authorization without authentication');
    }
  });

  test('a config passed with a task that finishes at once still receives every event, from the first', async () => {
    const hook = `${origin}/hooks/fast`;
    const { body } = await rpc(env.url, 'SendMessage', { message: userMessage('quick'), configuration: { taskPushNotificationConfig: { url: hook } } });
    assert.equal(body.result.task.status.state, 'TASK_STATE_COMPLETED');
    await until('the completed notification', () => at('/hooks/fast').some((r) => stateOf(r) === 'TASK_STATE_COMPLETED'));
    const kinds = at('/hooks/fast').map((r) => Object.keys(r.json)[0]);
    assert.deepEqual(kinds, ['task', 'statusUpdate', 'statusUpdate', 'artifactUpdate', 'statusUpdate'], 'submitted task, working, progress, artifact, completed');
  });

  test('a config registered over v0.3 receives v0.3-shaped events', async () => {
    const hook = `${origin}/hooks/v03`;
    const taskId = await startWaitTask();
    // No A2A-Version header: the request is v0.3 JSON-RPC.
    const set = await rpc(env.url, 'tasks/pushNotificationConfig/set', {
      taskId,
      pushNotificationConfig: { url: hook, token: 'legacy-token', authentication: { schemes: ['Bearer'], credentials: 'legacy-secret' } },
    }, {});
    assert.equal(set.body.result.taskId, taskId);
    assert.equal(set.body.result.pushNotificationConfig.url, hook);
    await rpc(env.url, 'CancelTask', { id: taskId });
    const isCanceled = (r: Received) => r.json.kind === 'status-update' && r.json.status?.state === 'canceled';
    await until('the v0.3 canceled notification', () => at('/hooks/v03').some(isCanceled));
    const got = at('/hooks/v03');
    const last = got[got.length - 1]!;
    assert.ok(isCanceled(last), `last event is the canceled status: ${JSON.stringify(last.json)}`);
    assert.equal(last.json.taskId, taskId);
    assert.equal(last.json.final, true);
    for (const r of got) {
      assert.ok(['status-update', 'artifact-update', 'task'].includes(r.json.kind), `v0.3 kind, got ${JSON.stringify(r.json)}`);
      assert.match(r.headers['content-type'] ?? '', /^application\/json/);
      assert.equal(r.headers['x-a2a-notification-token'], 'legacy-token');
      assert.equal(r.headers.authorization, 'Bearer legacy-secret');
      await verifyPushSignature({ jwksUrl: `${env.url}/.well-known/jwks.json`, signature: r.headers[PUSH_SIGNATURE_HEADER.toLowerCase()] as string, body: r.raw, audience: hook });
    }
  });
});
