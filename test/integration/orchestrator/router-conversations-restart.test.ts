/**
 * The router's conversations in the orchestrator's database
 * survive a restart. On SQLite (the embedded default), an orchestrator with
 * `conversations: 'database'` is closed after routing a conversation; a new
 * one on the same data dir sends the follow-up to the same specialist, in
 * its context. With the default (in memory on SQLite) the restart forgets
 * the conversation and the follow-up is routed afresh, by its text.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import legal from '../../../agents/legal.js';
import { createOrchestrator, type OrchestratorConfigInput } from '../../../src/compose/orchestrator-entry.js';
import { rpc, userMessage } from '../../helpers/runtime-fixture.js';
import { notebookAgent, startRegisteredAgents, type RegisteredAgents } from '../../unit/orchestrator/router/registered-agents.js';

const { agent: notebook } = notebookAgent();

const resultText = (task: any): string => task.artifacts.find((a: any) => a.name === 'result').parts[0].text;

describe('router conversations across an orchestrator restart (SQLite)', () => {
  let mesh: RegisteredAgents;
  const dirs: string[] = [];

  before(async () => {
    mesh = await startRegisteredAgents([notebook, legal]);
  });
  after(async () => {
    await mesh.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** An orchestrator on `dataDir` (its SQLite file) routing through the test registry; closed by the caller. */
  async function start(dataDir: string, config: Partial<OrchestratorConfigInput> = {}) {
    const orchestrator = await createOrchestrator({ config: { registryUrl: mesh.registry.url, ...config, runtime: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', shutdownDeadlineMs: 1000 } } });
    const { url } = await orchestrator.listen();
    return { orchestrator, url };
  }

  /** Starts a conversation with the notebook (named), restarts the orchestrator, and sends a follow-up whose text alone would go to legal. */
  async function followUpAfterRestart(config: Partial<OrchestratorConfigInput>): Promise<any> {
    const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-router-restart-'));
    dirs.push(dataDir);
    const first = await start(dataDir, config);
    let contextId: string;
    try {
      const { body } = await rpc(first.url, 'SendMessage', { message: userMessage('buy milk', { metadata: { 'agentmesh.route': { agent: 'notebook' } } }) });
      const task = body.result.task;
      assert.equal(resultText(task), '1 notes: buy milk');
      contextId = task.contextId;
    } finally {
      await first.orchestrator.close();
    }
    const second = await start(dataDir, config);
    try {
      const { body } = await rpc(second.url, 'SendMessage', { message: userMessage('Review this contract for risky clauses', { contextId }) });
      return body.result.task;
    } finally {
      await second.orchestrator.close();
    }
  }

  test('with conversations in the database, the follow-up after a restart reaches the same specialist in its context', async () => {
    const task = await followUpAfterRestart({ conversations: 'database' });
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    assert.equal(resultText(task), '2 notes: buy milk | Review this contract for risky clauses');
    assert.ok(task.history.some((m: any) => m.parts.some((p: any) => p.text === 'Routing to notebook (note): continuing this conversation')));
  });

  test('by default on SQLite (in memory), the restart forgets the conversation and the follow-up is routed by its text', async () => {
    const task = await followUpAfterRestart({});
    assert.ok(task.history.some((m: any) => m.parts.some((p: any) => /^Routing to legal \(review-contract\)/.test(p.text ?? ''))), JSON.stringify(task.history));
  });
});
