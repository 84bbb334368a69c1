/**
 * On PostgreSQL: a workflow step's record written while the database drops
 * the connection under it (here the statement reaches the server, then the
 * connection is reset before its answer: what `pg_terminate_backend` or a
 * failing network does) is written again, and the run completes. Before,
 * the run failed on the first such statement ("Connection terminated
 * unexpectedly"): the nemesis's `pg-terminate` fault failed about one
 * workflow run in eight.
 *
 * The orchestrator reaches PostgreSQL through a TCP proxy the test controls.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createDatabase, type Database } from '../../src/storage/index.js';
import { rpc, startRuntime, testAgent } from '../helpers/runtime-fixture.js';
import { runMessage, startOrchestrator, untilRunEnds } from '../helpers/orchestrator-fixture.js';
import { createTestSchema, postgresSkipReason, type TestSchema } from '../helpers/services.js';
import { proxyInFrontOf, type TcpProxy } from '../helpers/tcp-proxy.js';
import { closeInTurn } from '../helpers/close-in-turn.js';

const skip = await postgresSkipReason();

describe('workflow step records on PostgreSQL, through a lost connection', { skip }, () => {
  let schema: TestSchema;
  let proxy: TcpProxy;
  let database: Database;
  let agents: Awaited<ReturnType<typeof startRuntime>>;
  let orch: Awaited<ReturnType<typeof startOrchestrator>>;

  before(async () => {
    schema = await createTestSchema();
    const proxied = await proxyInFrontOf(schema.url, 5432);
    proxy = proxied.proxy;
    database = await createDatabase({ url: proxied.url, poolSize: 4 });
    agents = await startRuntime([testAgent]);
    orch = await startOrchestrator({ tester: agents.agents['tester']! }, { database });
  });
  after(() => closeInTurn(orch, agents, database, () => proxy?.close(), () => schema?.drop()));

  test("a step record whose statement lost its connection is written again, and the run completes", async () => {
    // The first write of a step record reaches the server; the answer never comes back.
    proxy.cutAfterClientSends(/insert into "workflow_steps"/i, { once: true });
    const yaml = `
name: two-echoes
steps:
  - { id: first, call: { agent: tester }, input: "one" }
  - { id: second, call: { agent: tester }, input: "two" }
`;
    const { body } = await rpc(orch.url, 'SendMessage', { message: runMessage(yaml), configuration: { returnImmediately: true } });
    const runId: string = body.result?.task?.id ?? body.result?.id;
    assert.ok(runId, JSON.stringify(body));
    const run = await untilRunEnds(orch.url, runId, 'the run ends');
    assert.equal(run.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(run.status));
    const steps = await database.db.selectFrom('workflow_steps').select(['path', 'status']).where('run_id', '=', runId).orderBy('path').execute();
    assert.deepEqual(steps.map((s) => [s.path, s.status]), [['first', 'completed'], ['second', 'completed']]);
  });
});
