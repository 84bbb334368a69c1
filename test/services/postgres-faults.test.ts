/**
 * PostgreSQL faults under a runtime, through a TCP proxy the test
 * controls. After a fault heals, no task is left WORKING, `/ready` is 200
 * again, and nothing acknowledged is lost; during a half-open fault (the
 * server goes silent, no RST) nothing hangs past the query deadline.
 *
 * The decision this pins is in docs/conformance.md.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';
import { migrateDatabase } from '../../src/storage/index.js';
import { rpc, userMessage } from '../helpers/runtime-fixture.js';
import { createTestSchema, postgresSkipReason, type TestSchema } from '../helpers/services.js';
import { proxyInFrontOf, type TcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/until.js';
import { oneSkillAgent } from '../helpers/one-skill-agent.js';

const skip = await postgresSkipReason();

/** How long a query may go unanswered before its connection is dropped, in this test. */
const QUERY_TIMEOUT_MS = 1_000;
/** Bound on `/ready` turning 200 again after the fault heals (pool reconnect + one readiness probe). */
const READY_BOUND_MS = 5_000;

/** Handlers that wait for the test to release them, then report progress and finish. */
const gates = new Map<string, () => void>();
const gated = oneSkillAgent({ name: 'gated', description: 'Writes when the test says so' }, 'step', {
  description: 'Reports progress, waits for its gate, reports again, completes',
  handler: async (text: string, ctx) => {
    ctx.progress('started');
    await new Promise<void>((resolve) => gates.set(text, resolve));
    ctx.progress('released');
    return `done ${text}`;
  },
});

describe('PostgreSQL faults under a runtime (TCP proxy)', { skip }, () => {
  let schema: TestSchema;
  let proxy: TcpProxy;
  let runtime: Runtime;
  let url: string;
  let dataDir: string;

  before(async () => {
    schema = await createTestSchema();
    // Migrated first, directly and with the default deadline: the runtime's 1 s deadline is for the faults
    // below, and a busy server can take longer than that to create the schema's tables.
    await migrateDatabase({ url: schema.url });
    const proxied = await proxyInFrontOf(schema.url, 5432);
    proxy = proxied.proxy;
    dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-faults-'));
    // The runtime opens its own pool from its settings: the query deadline below is the role's setting (DATABASE_QUERY_TIMEOUT_MS), not a test-only knob.
    const config = { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', heartbeatMs: 300, replicaTtlMs: 2_000, databaseUrl: proxied.url, databasePoolSize: 4, databaseQueryTimeoutMs: QUERY_TIMEOUT_MS } as const;
    runtime = await createRuntime({ agents: [gated], config });
    ({ url } = await runtime.listen());
  });
  after(async () => {
    await runtime?.close();
    await proxy?.close();
    await schema?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const agentUrl = () => `${url}/agents/gated`;
  const start = async (name: string): Promise<string> => {
    const { body } = await rpc(agentUrl(), 'SendMessage', { message: userMessage(name), configuration: { returnImmediately: true } });
    assert.ok(body.result?.task?.id, `task ${name} was acknowledged: ${JSON.stringify(body)}`);
    await until(`${name}'s handler to wait`, () => gates.has(name));
    return body.result.task.id as string;
  };
  const stateOf = async (id: string): Promise<string | undefined> => (await rpc(agentUrl(), 'GetTask', { id })).body.result?.status?.state;
  const ready = async (): Promise<number> => (await fetch(`${url}/ready`)).status;
  const release = (name: string) => {
    gates.get(name)!();
    gates.delete(name);
  };

  test('connections reset and refused while handlers write: every task ends, readiness recovers, nothing acknowledged is lost', async () => {
    const ids = await Promise.all(['r1', 'r2', 'r3', 'r4'].map(start));
    proxy.refuse();
    // Their next writes fail: the runs stop, their rows still say WORKING.
    for (const name of ['r1', 'r2', 'r3', 'r4']) release(name);
    await until('readiness to notice the database is gone', async () => (await ready()) === 503);
    // A call meanwhile is told the store is unavailable and to retry, in its binding, without the store's address.
    const refused = await rpc(agentUrl(), 'SendMessage', { message: userMessage('while-down') });
    assert.equal(refused.body.error?.code, -32603, JSON.stringify(refused.body));
    assert.equal(refused.body.error.data[0].reason, 'STORAGE_UNAVAILABLE');
    assert.match(refused.body.error.message, /unavailable right now; retry shortly/);
    const rest = await fetch(`${agentUrl()}/message:send`, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0' }, body: JSON.stringify({ message: userMessage('while-down-rest') }) });
    const restBody = await rest.text();
    assert.equal(rest.status, 503, restBody);
    const { error } = JSON.parse(restBody);
    assert.equal(error.status, 'UNAVAILABLE');
    assert.equal(error.details[0].metadata.code, 'AM_ERR_STORAGE_UNAVAILABLE');
    for (const body of [JSON.stringify(refused.body), restBody]) assert.doesNotMatch(body, /127\.0\.0\.1|ECONNREFUSED|PostgreSQL/);
    proxy.heal();
    const healedAt = Date.now();
    await until('readiness to recover', async () => (await ready()) === 200, READY_BOUND_MS + 5_000);
    assert.ok(Date.now() - healedAt <= READY_BOUND_MS, `ready again within ${READY_BOUND_MS} ms (took ${Date.now() - healedAt} ms)`);
    // Every acknowledged task is still there, and none stays WORKING.
    await until('every task to end', async () => (await Promise.all(ids.map(stateOf))).every((s) => s === 'TASK_STATE_FAILED' || s === 'TASK_STATE_COMPLETED'));
    const failed = await rpc(agentUrl(), 'GetTask', { id: ids[0] });
    if (failed.body.result.status.state === 'TASK_STATE_FAILED') assert.match(JSON.stringify(failed.body.result.status.message), /Send the request again/);
    // And the runtime works again.
    const after = await rpc(agentUrl(), 'SendMessage', { message: userMessage('after-reset'), configuration: { returnImmediately: true } });
    await until('the new handler to wait', () => gates.has('after-reset'));
    release('after-reset');
    await until('the new task to complete', async () => (await stateOf(after.body.result.task.id)) === 'TASK_STATE_COMPLETED');
  });

  test('half-open (the open connections go silent for good, no RST; new ones work): nothing hangs, readiness recovers, the task ends', async () => {
    const id = await start('h1');
    // Every pooled connection is now a black hole: without a query deadline each would hold its caller forever.
    proxy.silenceOpen();
    const silencedAt = Date.now();
    release('h1');
    await until('readiness to recover on fresh connections', async () => (await ready()) === 200);
    // Worst case: every pooled connection costs one deadline before it is dropped.
    const bound = QUERY_TIMEOUT_MS * 4 + READY_BOUND_MS;
    assert.ok(Date.now() - silencedAt <= bound, `ready within ${bound} ms (took ${Date.now() - silencedAt} ms)`);
    await until('the task to end', async () => ['TASK_STATE_FAILED', 'TASK_STATE_COMPLETED'].includes((await stateOf(id)) ?? ''));
    // The runtime serves again.
    const next = await rpc(agentUrl(), 'SendMessage', { message: userMessage('after-silence'), configuration: { returnImmediately: true } });
    await until('the new handler to wait', () => gates.has('after-silence'));
    release('after-silence');
    await until('the new task to complete', async () => (await stateOf(next.body.result.task.id)) === 'TASK_STATE_COMPLETED');
  });
});
