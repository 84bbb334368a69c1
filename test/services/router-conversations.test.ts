/**
 * The router's conversation map through storage/.
 * - `SqlConversationStore` on every backend: what is set is read back, per
 *   tenant and caller; idle conversations expire and are swept.
 * - Two orchestrator replicas on one PostgreSQL (+ Redis): a follow-up that
 *   reaches replica B goes to the specialist replica A chose, in its context
 *   (the default on PostgreSQL); with conversations in memory it does not.
 * - The same when the specialist was chosen by the user after replica A asked,
 *   and the choice, learned for the tenant, routes the same
 *   request on replica B without asking (router_learned_routes, row security).
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleAgents } from '../../agents/index.js';
import legal from '../../agents/legal.js';
import { createOrchestrator, type Orchestrator, type OrchestratorConfigInput } from '../../src/compose/orchestrator-entry.js';
import type { AgentDefinition } from '../../src/runtime/index.js';
import { SqlConversationStore, type Conversation } from '../../src/orchestrator/router/index.js';
import { rpc, userMessage } from '../helpers/runtime-fixture.js';
import { createTestSchema, postgresSkipReason, REDIS_URL, redisSkipReason, type TestSchema } from '../helpers/services.js';
import { notebookAgent, startRegisteredAgents, type RegisteredAgents } from '../unit/orchestrator/router/registered-agents.js';
import { databaseBackends, type OpenedDatabase } from '../helpers/database-backends.js';

const BACKENDS = await databaseBackends({ tmpPrefix: 'agentmesh-conversations-', poolSize: 2 });

const conversation = (agent: string, n = 1): Conversation => ({ agent, skill: `${agent}-skill`, childContextId: `ctx-${agent}-${n}`, childTaskId: `task-${agent}-${n}` });
const key = (contextId: string, tenant = 'acme', caller = 'alice') => ({ tenant, caller, contextId });

for (const backend of BACKENDS) {
  describe(`SqlConversationStore on ${backend.name}`, { skip: backend.skip }, () => {
    let opened: OpenedDatabase;
    beforeEach(async () => {
      opened = await backend.open();
    });
    afterEach(async () => opened.dispose());

    test('reads back what was set, and a second set replaces the first', async () => {
      const store = new SqlConversationStore({ db: opened.database.db });
      await store.set(key('c1'), conversation('legal'));
      assert.deepEqual(await store.get(key('c1')), conversation('legal'));
      await store.set(key('c1'), { ...conversation('finance', 2), skill: undefined });
      assert.deepEqual(await store.get(key('c1')), { ...conversation('finance', 2), skill: undefined });
      assert.equal(await store.get(key('c2')), undefined);
    });

    test('keeps other tenants\' and other callers\' conversations apart under the same contextId', async () => {
      const store = new SqlConversationStore({ db: opened.database.db });
      await store.set(key('shared', 'acme', 'alice'), conversation('legal'));
      await store.set(key('shared', 'globex', 'alice'), conversation('finance'));
      assert.equal((await store.get(key('shared', 'acme', 'alice')))?.agent, 'legal');
      assert.equal((await store.get(key('shared', 'globex', 'alice')))?.agent, 'finance');
      assert.equal(await store.get(key('shared', 'acme', 'bob')), undefined);
    });

    test('forgets a conversation idle longer than the TTL, a read keeps it alive, and sweep deletes the idle rows', async () => {
      let now = 1_000_000;
      const store = new SqlConversationStore({ db: opened.database.db, ttlMs: 10_000, now: () => now });
      await store.set(key('kept'), conversation('legal'));
      await store.set(key('idle'), conversation('finance'));
      now += 9_000;
      assert.ok(await store.get(key('kept')));
      now += 9_000;
      assert.equal((await store.get(key('kept')))?.agent, 'legal', 'the read 9 s ago refreshed it');
      assert.equal(await store.get(key('idle')), undefined);
      assert.equal(await store.sweep(), 1);
      const rows = await opened.database.db.selectFrom('router_conversations').select('context_id').execute();
      assert.deepEqual(rows.map((r) => r.context_id), ['kept']);
    });
  });
}

const { agent: notebook } = notebookAgent();

const resultText = (task: any): string | undefined => task.artifacts?.find((a: any) => a.name === 'result')?.parts[0].text;
const routedTo = (task: any): string[] => task.history.flatMap((m: any) => m.parts.map((p: any) => p.text).filter((t: unknown) => typeof t === 'string' && t.startsWith('Routing to ')));

const fleetSkip = (await postgresSkipReason()) || (await redisSkipReason());

/**
 * For the calling suite: before it, `agents` registered and served, and a test schema; after it, all
 * removed. Returns `replica`, which starts an orchestrator replica over that schema and Redis (with
 * `config`; closed after the suite) and resolves to its URL.
 */
function orchestratorReplicas(agents: readonly AgentDefinition[], dataDirPrefix: string): (config?: Partial<OrchestratorConfigInput>) => Promise<string> {
  let mesh: RegisteredAgents;
  let schema: TestSchema;
  const open: Orchestrator[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), dataDirPrefix));

  before(async () => {
    mesh = await startRegisteredAgents(agents);
    schema = await createTestSchema();
  });
  after(async () => {
    for (const o of open) await o.close();
    await mesh?.close();
    await schema?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  return async (config = {}) => {
    const orchestrator = await createOrchestrator({
      config: { registryUrl: mesh.registry.url, ...config, runtime: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', databaseUrl: schema.url, databasePoolSize: 2, redisUrl: REDIS_URL, shutdownDeadlineMs: 1000 } },
    });
    open.push(orchestrator);
    return (await orchestrator.listen()).url;
  };
}

describe('two orchestrator replicas on PostgreSQL + Redis share the router\'s conversations', { skip: fleetSkip }, () => {
  const replica = orchestratorReplicas([notebook, legal], 'agentmesh-router-replicas-');

  /** Starts a conversation with the notebook on `a`; sends a follow-up whose text alone would go to legal to `b`. */
  async function followUp(a: string, b: string): Promise<any> {
    const first = await rpc(a, 'SendMessage', { message: userMessage('buy milk', { metadata: { 'agentmesh.route': { agent: 'notebook' } } }) });
    const task = first.body.result.task;
    assert.equal(resultText(task), '1 notes: buy milk');
    const second = await rpc(b, 'SendMessage', { message: userMessage('Review this contract for risky clauses', { contextId: task.contextId }) });
    return second.body.result.task;
  }

  test('by default on PostgreSQL, a follow-up routed by replica B reaches the specialist replica A chose, in its context', async () => {
    const [a, b] = [await replica(), await replica()];
    const task = await followUp(a!, b!);
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    assert.equal(resultText(task), '2 notes: buy milk | Review this contract for risky clauses');
    assert.deepEqual(routedTo(task), ['Routing to notebook (note): continuing this conversation']);
  });

  test('with conversations in memory, replica B does not know the conversation and routes the follow-up by its text', async () => {
    const [a, b] = [await replica({ conversations: 'memory' }), await replica({ conversations: 'memory' })];
    const task = await followUp(a!, b!);
    assert.match(routedTo(task)[0] ?? '', /^Routing to legal \(review-contract\)/);
  });
});

describe('two orchestrator replicas on PostgreSQL + Redis: a specialist the user chose on replica A', { skip: fleetSkip }, () => {
  const replica = orchestratorReplicas(exampleAgents, 'agentmesh-router-choice-');

  test('the follow-up on replica B reaches the chosen specialist, and B routes the same request there without asking', async () => {
    const [a, b] = [await replica(), await replica()];
    const text = 'We need to do something about our leads';
    const asked = (await rpc(a, 'SendMessage', { message: userMessage(text) })).body.result.task;
    assert.equal(asked.status.state, 'TASK_STATE_INPUT_REQUIRED', JSON.stringify(asked.status));
    const candidates: Array<{ id: string }> = asked.status.message.parts[1].data['agentmesh.route.ask'].candidates;
    assert.ok(candidates.some((c) => c.id === 'lead-scorer'), JSON.stringify(candidates));
    const chosen = (await rpc(a, 'SendMessage', { message: userMessage('lead-scorer', { taskId: asked.id, contextId: asked.contextId }) })).body.result.task;
    assert.equal(chosen.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(chosen.status));
    assert.equal(chosen.metadata['agentmesh.route.explain'].chosen, 'lead-scorer');

    const followUp = (await rpc(b, 'SendMessage', { message: userMessage('Review this contract for risky clauses', { contextId: asked.contextId }) })).body.result.task;
    assert.equal(followUp.metadata['agentmesh.route.explain'].decision, 'conversation');
    assert.equal(followUp.metadata['agentmesh.route.explain'].chosen, 'lead-scorer');

    const again = (await rpc(b, 'SendMessage', { message: userMessage(text) })).body.result.task;
    assert.equal(again.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(again.status));
    assert.equal(again.metadata['agentmesh.route.explain'].chosen, 'lead-scorer');
    assert.ok(again.metadata['agentmesh.route.explain'].candidates[0].cues.some((c: string) => c.startsWith('learned:')));
  });
});
