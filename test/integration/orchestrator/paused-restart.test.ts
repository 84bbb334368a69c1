import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CallLog, outputsOf, runMessage, specialists, startOrchestrator, startOrchestratorProcess } from '../../helpers/orchestrator-fixture.js';
import { rpc, startRuntime } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';
import { closeInTurn, directoryRemoval } from '../../helpers/close-in-turn.js';
import { stopChild } from '../../helpers/child-output.js';

const ASK_WORKFLOW = `
name: ask-across-a-crash
steps:
  - { id: segment, call: { agent: asker }, input: {} }
  - { id: launch, call: { agent: campaigner }, input: { name: "seg-{{ steps.segment.output.segment }}", audience: [] } }
outputs:
  campaignId: "{{ steps.launch.output.campaignId }}"
`;

/** Asks, then works on the answer until the test lets it finish. */
let release!: () => void;
const released = new Promise<void>((resolve) => (release = resolve));
function slowAsker(log: CallLog) {
  return oneSkillAgent({ name: 'slow-asker', description: 'Asks for a region, then takes its time' }, 'region', {
    description: 'Picks a region after asking',
    handler: async (_input: unknown, ctx) => {
      log.add('slow-asker', 'asked');
      const answer = await ctx.requestInput('Which region?');
      log.add('slow-asker', 'answered');
      await released;
      return { region: answer.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('') };
    },
  });
}

describe('a run waiting for input when the orchestrator is killed', () => {
  const log = new CallLog();
  let agents: Awaited<ReturnType<typeof startRuntime>>;
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-orchestrator-paused-'));
  const children: ChildProcess[] = [];
  const running = new Set<() => Promise<void>>();

  before(async () => {
    agents = await startRuntime([...specialists(log), slowAsker(log)]);
  });
  after(() => closeInTurn(...children.map((child) => () => stopChild(child)), ...running, agents, directoryRemoval(dataDir)));

  const start = async () => {
    const started = await startOrchestratorProcess({ dataDir, agents: Object.fromEntries(Object.entries(agents.agents).map(([name, url]) => [name, [url]])), replicaTtlMs: 1000 });
    children.push(started.child);
    return started;
  };
  /**
   * The next orchestrator on the same data: in this process, as only the killed one has to be a process
   * of its own. Each test closes it, as the next test's killed run must find no other orchestrator.
   */
  const restart = async () => {
    const started = await startOrchestrator(agents.agents, { config: { runtime: { dataDir, replicaTtlMs: 1000, heartbeatMs: 200 } } });
    running.add(started.close);
    return {
      url: started.url,
      close: async () => {
        running.delete(started.close);
        await started.close();
      },
    };
  };
  const stateOf = async (url: string, id: string) => (await rpc(url, 'GetTask', { id })).body.result?.status?.state as string | undefined;

  it('asks again after the restart, and the answer completes the run without asking the agent twice', async () => {
    const first = await start();
    const sent = await rpc(first.url, 'SendMessage', { message: runMessage(ASK_WORKFLOW), configuration: { returnImmediately: true } });
    const runId = (sent.body.result.task ?? sent.body.result).id as string;
    await until('the run waits for input', async () => (await stateOf(first.url, runId)) === 'TASK_STATE_INPUT_REQUIRED');
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');

    const second = await restart();
    // Recovery re-runs the paused run: it goes back to work, re-attaches to the child, and asks the same question.
    let task: any;
    await until(
      'the resumed run asks again',
      async () => {
        task = (await rpc(second.url, 'GetTask', { id: runId })).body.result;
        return task?.status?.state === 'TASK_STATE_INPUT_REQUIRED' && task.history.some((m: any) => /Re-running/.test(m.parts?.[0]?.text ?? ''));
      },
      15_000,
    );
    assert.match(task.status.message.parts[0].text, /Which segment should the campaign target\?/);
    const answer = await rpc(second.url, 'SendMessage', { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', taskId: runId, contextId: task.contextId, parts: [{ text: 'mid-market' }] } });
    const done = answer.body.result.task ?? answer.body.result;
    assert.equal(done.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(done.status));
    assert.deepEqual(outputsOf(done), { campaignId: 'cmp-seg-mid-market' });
    assert.equal(log.count('asker', 'asked'), 1, 'the child task was re-attached, not started again');
    await second.close();
  });

  it('after a restart, follows a child that was already answered instead of asking again', async () => {
    const first = await start();
    const sent = await rpc(first.url, 'SendMessage', {
      message: runMessage(`
name: answered-then-crash
steps:
  - { id: region, call: { agent: slow-asker }, input: {} }
outputs:
  region: "{{ steps.region.output.region }}"
`),
      configuration: { returnImmediately: true },
    });
    const runId = (sent.body.result.task ?? sent.body.result).id as string;
    await until('the run waits for input', async () => (await stateOf(first.url, runId)) === 'TASK_STATE_INPUT_REQUIRED');
    const paused = (await rpc(first.url, 'GetTask', { id: runId })).body.result;
    await rpc(first.url, 'SendMessage', { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', taskId: runId, contextId: paused.contextId, parts: [{ text: 'emea' }] }, configuration: { returnImmediately: true } });
    await until('the child works on the answer', () => log.count('slow-asker', 'answered') === 1);
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');

    const second = await restart();
    await until('the run is picked up again', async () => {
      const task = (await rpc(second.url, 'GetTask', { id: runId })).body.result;
      return task?.history.some((m: any) => /Re-running/.test(m.parts?.[0]?.text ?? ''));
    }, 15_000);
    release();
    let task: any;
    await until('the run completes without a second question', async () => {
      task = (await rpc(second.url, 'GetTask', { id: runId })).body.result;
      return task?.status?.state === 'TASK_STATE_COMPLETED' || task?.status?.state === 'TASK_STATE_FAILED' || task?.status?.state === 'TASK_STATE_INPUT_REQUIRED';
    }, 15_000);
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    assert.deepEqual(outputsOf(task), { region: 'emea' });
    assert.equal(log.count('slow-asker', 'asked'), 1);
    await second.close();
  });
});
