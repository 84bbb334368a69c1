/**
 * On PostgreSQL + Redis: an ACP run is an A2A task, so replicas
 * share it as they share any task. A run that awaits on replica A is resumed
 * through replica B; a run on A is cancelled through B; a run in progress on
 * A when A stops is re-run by B (idempotent) and stays readable over ACP by
 * its run id, with its session. Every request and answer is checked against
 * the ACP document (AcpTestClient).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defineAgent } from '../../src/index.js';
import { AcpTestClient, outputText, userText } from '../helpers/acp-client.js';
import { startRuntimeReplicaPair, type RuntimeReplica } from '../helpers/runtime-replica.js';
import { postgresSkipReason, redisSkipReason } from '../helpers/services.js';
import { until } from '../helpers/until.js';
import { resumableAfterStop, waiterAgent } from '../helpers/runtime-fixture.js';

const textOf = (parts: Array<{ content?: { $case: string; value?: unknown } }>) => parts.map((p) => (p.content?.$case === 'text' ? String(p.content.value) : '')).join('');

/** The steady skill; its attempts are counted in this process (both replicas run here). */
const steadySkill = resumableAfterStop('Idempotent: safe to run again after its replica stops');

const asker = defineAgent({
  card: { name: 'asker', description: 'Asks a name, then greets' },
  defaultSkill: 'ask',
  skills: { ask: { description: 'Asks, then greets', handler: async (_: string, ctx) => `Hello, ${textOf((await ctx.requestInput('What is your name?')).parts)}` } },
});
const waiter = waiterAgent('Waits until cancelled');
const steady = defineAgent({
  card: { name: 'steady', description: 'Long work' },
  defaultSkill: 'steady',
  skills: { steady: steadySkill.skill },
});
const AGENTS = [asker, waiter, steady];

const CONFIG = { replicaTtlMs: 1000, heartbeatMs: 200 } as const;
const skip = (await postgresSkipReason()) || (await redisSkipReason());

describe('ACP runs shared by runtime replicas (PostgreSQL + Redis)', { skip }, () => {
  let pair: Awaited<ReturnType<typeof startRuntimeReplicaPair>>;
  let a: RuntimeReplica | undefined;
  let b: RuntimeReplica | undefined;
  let acpA: AcpTestClient;
  let acpB: AcpTestClient;
  /** The ACP root of a replica: the runtime's `/acp`, beside its agents. */
  const acpOf = (r: RuntimeReplica) => new AcpTestClient(`${new URL(r.agents['asker']!).origin}/acp`);

  before(async () => {
    pair = await startRuntimeReplicaPair(AGENTS, CONFIG);
    ({ a, b } = pair);
    acpA = acpOf(a);
    acpB = acpOf(b);
  });
  after(async () => {
    await pair?.close();
  });

  test('a run that awaits on replica A is resumed through replica B, and both read it completed', async () => {
    const started = await acpA.call('POST', '/runs', { agent_name: 'asker', input: [userText('hi')], mode: 'sync' });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.equal(started.body.status, 'awaiting');
    const id = started.body.run_id as string;
    const seen = await acpB.call('GET', `/runs/${id}`);
    assert.equal(seen.body.status, 'awaiting', 'replica B reads the run replica A started');
    const resumed = await acpB.call('POST', `/runs/${id}`, { run_id: id, await_resume: { type: 'message', message: userText('Ada') }, mode: 'sync' });
    assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
    assert.equal(resumed.body.status, 'completed');
    assert.equal(outputText(resumed.body), 'Hello, Ada');
    const onA = (await acpA.call('GET', `/runs/${id}`)).body;
    assert.equal(onA.status, 'completed');
    assert.equal(onA.session_id, started.body.session_id, 'the session stays the run’s');
    const types = (await acpA.call('GET', `/runs/${id}/events`)).body.events.map((e: { type: string }) => e.type);
    assert.ok(types.includes('run.awaiting') && types.at(-1) === 'run.completed', types.join(', '));
  });

  test('a run working on replica A is cancelled through replica B', async () => {
    const started = await acpA.call('POST', '/runs', { agent_name: 'waiter', input: [userText('wait')], mode: 'async' });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const id = started.body.run_id as string;
    await until('the run to be in progress on A', async () => (await acpA.call('GET', `/runs/${id}`)).body.status === 'in-progress');
    const cancelled = await acpB.call('POST', `/runs/${id}/cancel`);
    assert.equal(cancelled.status, 202, JSON.stringify(cancelled.body));
    await until('the run to be cancelled, seen from A', async () => (await acpA.call('GET', `/runs/${id}`)).body.status === 'cancelled');
    const types = (await acpB.call('GET', `/runs/${id}/events`)).body.events.map((e: { type: string }) => e.type);
    assert.equal(types.at(-1), 'run.cancelled');
  });

  test('a run in progress when replica A stops is re-run by replica B and completes, readable by its run id', async () => {
    const started = await acpA.call('POST', '/runs', { agent_name: 'steady', input: [userText('report')], mode: 'async' });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const id = started.body.run_id as string;
    await until('the run to be in progress on A', async () => (await acpB.call('GET', `/runs/${id}`)).body.status === 'in-progress');
    await pair.stop('a');
    a = undefined;
    let run: any;
    await until('replica B to re-run and complete it', async () => {
      await b!.runtime.recoverNow();
      run = (await acpB.call('GET', `/runs/${id}`)).body;
      return run.status === 'completed';
    });
    assert.equal(outputText(run), 'done: report');
    assert.equal(steadySkill.attempts(), 2, 'the run was executed again on replica B');
    assert.equal(run.session_id, started.body.session_id);
  });
});
