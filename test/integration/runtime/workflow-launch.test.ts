/**
 * An agent launching an engine's workflow through a workflow hook: a real
 * runtime on a SQLite file, a real HTTP server standing for the engine's
 * webhook (loopback, allow-listed), the push outbox delivering the launch
 * (driven with deliverPushNow on a fake clock), and the engine's callback on
 * the runtime's own route.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, generateWebhookSecret, verifyStandardWebhook, type Runtime, type RuntimeConfigInput } from '../../../src/runtime/index.js';
import { closedPort } from '../../helpers/free-port.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';

const T0 = Date.parse('2026-03-02T09:00:00Z');

interface Launch {
  headers: IncomingHttpHeaders;
  raw: Buffer;
  body: { type: string; timestamp: string; data: { hook: string; engine: string; taskId: string; agent: string; skill: string; tenant: string; callbackUrl?: string; payload: unknown } };
}

/** An engine's webhook: records each launch and answers as `reply` says (default 200 with an execution id). */
async function startEngine(t: { after(fn: () => Promise<void> | void): void }) {
  const launches: Launch[] = [];
  const engine = {
    launches,
    reply: (_launch: Launch): { status: number; body?: string; type?: string } => ({ status: 200, body: JSON.stringify({ executionId: String(launches.length), status: 'running' }), type: 'application/json' }),
    url: '',
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const launch: Launch = { headers: req.headers, raw, body: JSON.parse(raw.toString('utf8')) };
      launches.push(launch);
      const answer = engine.reply(launch);
      res.writeHead(answer.status, answer.type === undefined ? {} : { 'content-type': answer.type }).end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  engine.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook/followups`;
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return engine;
}

/** An agent whose `launch` skill hands its input to the `followups` hook; `awaitCallback` from the message metadata. */
const launcher = oneSkillAgent({ name: 'launcher', description: 'Launches the follow-up workflow' }, 'launch', {
  description: 'Launches the follow-ups workflow with the input',
  handler: (input: unknown, ctx) => ctx.launchWorkflow(typeof input === 'string' && input.startsWith('hook:') ? input.slice(5) : 'followups', { campaign: input }),
});

async function startRuntime(t: { after(fn: () => Promise<void> | void): void }, config: RuntimeConfigInput, clock: { now: number }, dataDir?: string): Promise<{ runtime: Runtime; dataDir: string }> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'agentmesh-launch-'));
  const runtime = await createRuntime({ agents: [launcher], now: () => clock.now, config: { port: 0, dataDir: dir, logLevel: 'silent', allowHosts: ['127.0.0.1'], publicUrl: 'http://runtime.test', ...config } });
  t.after(async () => {
    await runtime.close();
    if (dataDir === undefined) rmSync(dir, { recursive: true, force: true });
  });
  return { runtime, dataDir: dir };
}

async function send(runtime: Runtime, text: string): Promise<string> {
  const res = await runtime.app.inject({
    method: 'POST',
    url: '/message:send',
    headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
    payload: { message: { messageId: `m-${Math.random()}`, role: 'ROLE_USER', parts: [{ text }] }, configuration: { returnImmediately: true } },
  });
  assert.equal(res.statusCode, 200, res.body);
  return (JSON.parse(res.body) as { task: { id: string } }).task.id;
}

async function task(runtime: Runtime, id: string): Promise<{ status: { state: string; message?: { parts: Array<{ text?: string }> } }; metadata?: Record<string, any>; artifacts?: Array<{ name: string; parts: Array<{ data?: unknown; text?: string }> }> }> {
  const res = await runtime.app.inject({ method: 'GET', url: `/tasks/${id}`, headers: { 'a2a-version': '1.0' } });
  assert.equal(res.statusCode, 200, res.body);
  return JSON.parse(res.body);
}

/** Delivery passes until the launch settled one way or the other (no sleeps: the fake clock moves). */
async function deliver(runtime: Runtime): Promise<void> {
  // The hand-off commits right after the send's answer: one pass may find nothing yet.
  for (let i = 0; i < 20 && (await runtime.deliverPushNow()) === 0; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** POSTs an engine's callback to the runtime at the URL the launch carried. */
function callBack(runtime: Runtime, callbackUrl: string, body: unknown) {
  const url = new URL(callbackUrl);
  return runtime.app.inject({ method: 'POST', url: `${url.pathname}${url.search}`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
}

describe('workflow launch through a hook', () => {
  test('reaches the engine signed with every current secret, records its execution, and completes from its callback', async (t) => {
    const engine = await startEngine(t);
    const clock = { now: T0 };
    const [oldSecret, newSecret] = [generateWebhookSecret(), generateWebhookSecret()];
    const { runtime } = await startRuntime(t, { workflowHooks: { followups: { url: engine.url, engine: 'n8n', secrets: [newSecret, oldSecret], callback: true } } }, clock);

    const id = await send(runtime, 'spring');
    await deliver(runtime);
    assert.equal(engine.launches.length, 1);
    const [launch] = engine.launches;
    // A receiver holding either secret (a rotation in progress) accepts it; one holding another does not.
    for (const secret of [oldSecret, newSecret]) assert.equal(verifyStandardWebhook({ headers: launch!.headers, body: launch!.raw, secrets: [secret], now: clock.now }).id, `msg_${id}`);
    assert.throws(() => verifyStandardWebhook({ headers: launch!.headers, body: launch!.raw, secrets: [generateWebhookSecret()], now: clock.now }), { code: 'AM_ERR_AUTH_UNAUTHENTICATED' });
    assert.equal(launch!.headers['content-type'], 'application/json');
    assert.equal(launch!.body.type, 'agentmesh.workflow.launch');
    assert.deepEqual({ ...launch!.body.data, callbackUrl: undefined }, { hook: 'followups', engine: 'n8n', taskId: id, contextId: launch!.body.data['contextId' as never], agent: 'launcher', skill: 'launch', tenant: '', callbackUrl: undefined, payload: { campaign: 'spring' } });
    assert.match(launch!.body.data.callbackUrl!, new RegExp(`^http://runtime\\.test/workflow-callbacks/${id}\\?sig=[\\w-]{43}$`));

    // The engine took it: its execution id and status are on the task, which waits for the callback.
    const launched = await task(runtime, id);
    assert.equal(launched.status.state, 'TASK_STATE_WORKING');
    assert.deepEqual(launched.metadata?.['agentmesh.workflow'], { hook: 'followups', engine: 'n8n', phase: 'launched', executionId: '1', status: 'running' });
    assert.equal(launched.status.message!.parts[0]!.text, 'Launched the followups workflow (n8n execution 1, running); waiting for its callback');

    const done = await callBack(runtime, launch!.body.data.callbackUrl!, { status: 'succeeded', executionId: '1', result: { tasksCreated: 4 } });
    assert.equal(done.statusCode, 200, done.body);
    assert.deepEqual(JSON.parse(done.body), { taskId: id, state: 'TASK_STATE_COMPLETED' });
    const completed = await task(runtime, id);
    assert.equal(completed.status.state, 'TASK_STATE_COMPLETED');
    assert.deepEqual(completed.artifacts?.find((a) => a.name === 'result')?.parts[0]?.data, { tasksCreated: 4 });
    assert.deepEqual(completed.metadata?.['agentmesh.workflow'], { hook: 'followups', engine: 'n8n', phase: 'completed', executionId: '1', status: 'succeeded' });

    // A second callback finds the task ended.
    const again = await callBack(runtime, launch!.body.data.callbackUrl!, { status: 'failed', error: 'late' });
    assert.equal(again.statusCode, 400);
    assert.equal(JSON.parse(again.body).error.details[0].reason, 'AM_ERR_TASK_TERMINAL');
  });

  test('keeps a launch through a refusing and then unreachable engine, and sends it once the engine is back, same id', async (t) => {
    const engine = await startEngine(t);
    const clock = { now: T0 };
    const secret = generateWebhookSecret();
    const down = `http://127.0.0.1:${await closedPort()}/webhook/followups`;
    const { runtime, dataDir } = await startRuntime(t, { workflowHooks: { followups: { url: engine.url, secrets: [secret] } } }, clock);
    engine.reply = () => ({ status: 503 });
    const id = await send(runtime, 'summer');
    await deliver(runtime);
    clock.now += 60_000;
    assert.equal(await runtime.deliverPushNow(), 1, 'retried once its backoff passed');
    assert.equal(engine.launches.length, 2);
    assert.equal((await task(runtime, id)).status.state, 'TASK_STATE_WORKING');
    await runtime.close();

    // The engine moves while the runtime is down (and is unreachable at first); the launch waits in the outbox.
    const hooks = (url: string) => ({ workflowHooks: { followups: { url, secrets: [secret] } } });
    const second = await startRuntime(t, hooks(down), clock, dataDir);
    clock.now += 60_000;
    assert.equal(await second.runtime.deliverPushNow(), 1);
    assert.equal(engine.launches.length, 2, 'nothing reached the engine meanwhile');
    await second.runtime.close();

    engine.reply = () => ({ status: 200, body: 'Accepted', type: 'text/plain' });
    const third = await startRuntime(t, hooks(engine.url), clock, dataDir);
    clock.now += 60_000;
    await deliver(third.runtime);
    assert.equal(engine.launches.length, 3);
    const ids = engine.launches.map((l) => verifyStandardWebhook({ headers: l.headers, body: l.raw, secrets: [secret], now: Number(l.headers['webhook-timestamp']) * 1000 }).id);
    assert.deepEqual(ids, [`msg_${id}`, `msg_${id}`, `msg_${id}`], 'one launch, retried: the engine de-duplicates on the id');
    assert.equal(new Set(engine.launches.map((l) => l.raw.toString())).size, 1, 'the same bytes every time');
    // No callback: the task completes once the engine accepted it, with what it answered.
    const done = await task(third.runtime, id);
    assert.equal(done.status.state, 'TASK_STATE_COMPLETED');
    assert.deepEqual(done.artifacts?.find((a) => a.name === 'result')?.parts[0]?.data, { hook: 'followups', engine: 'generic', status: 'Accepted' });
  });

  test('fails the task, saying why, once the engine still refuses after the retry window', async (t) => {
    const engine = await startEngine(t);
    engine.reply = () => ({ status: 404 });
    const clock = { now: T0 };
    const { runtime } = await startRuntime(t, { pushRetryWindowMs: 3_600_000, workflowHooks: { followups: { url: engine.url, secrets: [generateWebhookSecret()], callback: true } } }, clock);
    const id = await send(runtime, 'autumn');
    await deliver(runtime);
    clock.now += 3_600_000;
    assert.equal(await runtime.deliverPushNow(), 1);
    const failed = await task(runtime, id);
    assert.equal(failed.status.state, 'TASK_STATE_FAILED');
    assert.match(failed.status.message!.parts[0]!.text!, /The followups workflow could not be launched: HTTP 404 \(retry window elapsed\)/);
    assert.equal(failed.metadata?.['agentmesh.workflow'].phase, 'failed');
  });

  test('fails every task whose launch waited on a down engine past the retry window, the ones dead-lettered together too', async (t) => {
    const clock = { now: T0 };
    const down = `http://127.0.0.1:${await closedPort()}/webhook/followups`;
    const { runtime } = await startRuntime(t, { pushRetryWindowMs: 3_600_000, workflowHooks: { followups: { url: down, secrets: [generateWebhookSecret()] } } }, clock);
    const ids = [await send(runtime, 'one'), await send(runtime, 'two'), await send(runtime, 'three')];
    await deliver(runtime);
    // The engine's origin is failing: one probe at a time, until the window has passed for all of them.
    clock.now += 3_600_000;
    for (let i = 0; i < 10 && (await runtime.deliverPushNow()) > 0; i++) clock.now += 10_000;
    for (const id of ids) {
      const failed = await task(runtime, id);
      assert.equal(failed.status.state, 'TASK_STATE_FAILED', id);
      assert.match(failed.status.message!.parts[0]!.text!, /The followups workflow could not be launched: network error/);
    }
  });

  test('refuses a callback whose URL the runtime did not sign, and a body that is no callback', async (t) => {
    const engine = await startEngine(t);
    const clock = { now: T0 };
    const { runtime } = await startRuntime(t, { workflowHooks: { followups: { url: engine.url, secrets: [generateWebhookSecret()], callback: true } } }, clock);
    const [a, b] = [await send(runtime, 'a'), await send(runtime, 'b')];
    await deliver(runtime);
    await deliver(runtime);
    const urlOf = (id: string) => engine.launches.find((l) => l.body.data.taskId === id)!.body.data.callbackUrl!;
    const sigOfA = new URL(urlOf(a)).searchParams.get('sig')!;
    for (const forged of [`/workflow-callbacks/${b}?sig=${sigOfA}`, `/workflow-callbacks/${b}`, `/workflow-callbacks/${b}?sig=`, `/workflow-callbacks/${'x'.repeat(90)}?sig=${sigOfA}`]) {
      const res = await runtime.app.inject({ method: 'POST', url: forged, headers: { 'content-type': 'application/json' }, payload: '{"status":"succeeded"}' });
      assert.equal(res.statusCode, 401, forged);
      assert.equal(JSON.parse(res.body).error.details[0].reason, 'AM_ERR_AUTH_UNAUTHENTICATED');
    }
    for (const [body, field] of [['{"status":"done"}', 'status'], ['[]', 'body'], ['{"status":"failed","error":7}', 'error'], ['{"status":"running","executionId":""}', 'executionId']] as const) {
      const res = await callBack(runtime, urlOf(b), JSON.parse(body));
      assert.equal(res.statusCode, 400, body);
      assert.equal(JSON.parse(res.body).error.details.find((d: { fieldViolations?: unknown }) => d.fieldViolations)?.fieldViolations[0].field, field);
    }
    const bad = await runtime.app.inject({ method: 'POST', url: new URL(urlOf(b)).pathname + new URL(urlOf(b)).search, headers: { 'content-type': 'application/json' }, payload: '{"status":' });
    assert.equal(bad.statusCode, 400);
    assert.equal(JSON.parse(bad.body).error.details[0].reason, 'AM_ERR_PROTOCOL_PARSE');
    // The engine's progress and failure reach the task.
    assert.equal((await callBack(runtime, urlOf(b), { status: 'running', executionId: 77, message: 'step 2 of 5' })).statusCode, 200);
    assert.equal((await task(runtime, b)).status.message!.parts[0]!.text, 'step 2 of 5');
    assert.equal((await task(runtime, b)).metadata?.['agentmesh.workflow'].executionId, '77');
    assert.equal((await callBack(runtime, urlOf(b), { status: 'failed', error: 'CRM quota reached' })).statusCode, 200);
    const failed = await task(runtime, b);
    assert.equal(failed.status.state, 'TASK_STATE_FAILED');
    assert.match(failed.status.message!.parts[0]!.text!, /The followups workflow failed \(generic execution 77\): CRM quota reached/);
    assert.equal((await task(runtime, a)).status.state, 'TASK_STATE_WORKING', 'the other task is untouched');
  });

  test('fails a launch to a hook that is not configured for the agent, naming the ones that are', async (t) => {
    const engine = await startEngine(t);
    const clock = { now: T0 };
    const { runtime } = await startRuntime(t, { workflowHooks: { followups: { url: engine.url, secrets: [generateWebhookSecret()] }, payroll: { url: engine.url, secrets: [generateWebhookSecret()], agents: ['hr'] } } }, clock);
    for (const hook of ['payroll', 'nope', 'constructor']) {
      const id = await send(runtime, `hook:${hook}`);
      const { until } = await import('../../helpers/until.js');
      await until('the task to fail', async () => (await task(runtime, id)).status.state === 'TASK_STATE_FAILED');
      assert.match((await task(runtime, id)).status.message!.parts[0]!.text!, new RegExp(`No workflow hook named "${hook}" is configured for agent launcher \\(workflowHooks: followups\\)`));
    }
    await deliver(runtime);
    assert.equal(engine.launches.length, 0);
  });

  test('keeps the launch out of the task\'s push configs: hidden, and its id refused to callers', async (t) => {
    const engine = await startEngine(t);
    engine.reply = () => ({ status: 503 });
    const clock = { now: T0 };
    const { runtime } = await startRuntime(t, { dev: true, workflowHooks: { followups: { url: engine.url, secrets: [generateWebhookSecret()] } } }, clock);
    const id = await send(runtime, 'winter');
    await deliver(runtime);
    const list = await runtime.app.inject({ method: 'GET', url: `/tasks/${id}/pushNotificationConfigs`, headers: { 'a2a-version': '1.0' } });
    assert.equal(list.statusCode, 200, list.body);
    assert.deepEqual(JSON.parse(list.body).configs ?? [], []);
    const get = await runtime.app.inject({ method: 'GET', url: `/tasks/${id}/pushNotificationConfigs/agentmesh-workflow-launch`, headers: { 'a2a-version': '1.0' } });
    assert.equal(get.statusCode, 404);
    const del = await runtime.app.inject({ method: 'DELETE', url: `/tasks/${id}/pushNotificationConfigs/agentmesh-workflow-launch`, headers: { 'a2a-version': '1.0' } });
    // Answered as a delete of a config the caller never had (deletes are idempotent): the launch's is not touched.
    assert.equal(del.statusCode, 204);
    const put = await runtime.app.inject({
      method: 'POST',
      url: `/tasks/${id}/pushNotificationConfigs`,
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
      payload: { taskId: id, id: 'agentmesh-workflow-launch', url: 'http://127.0.0.1:1/steal' },
    });
    assert.equal(put.statusCode, 400, put.body);
    // Canceled before the engine took it: the launch is dropped, not sent to a run nobody waits for.
    const cancel = await runtime.app.inject({ method: 'POST', url: `/tasks/${id}:cancel`, headers: { 'a2a-version': '1.0' } });
    assert.equal(cancel.statusCode, 200, cancel.body);
    engine.reply = () => ({ status: 200 });
    clock.now += 60_000;
    await runtime.deliverPushNow();
    assert.equal(engine.launches.length, 1, 'only the refused attempt before the cancel');
  });
});
