import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rpc, startRuntime } from '../../helpers/runtime-fixture.js';
import { CallLog, ENRICH_THEN_SCORE_STEPS, LAUNCH_CAMPAIGN_STEP, outputsOf, runBlocking, runEvents, runMessage, specialists, startOrchestrator, streamRun } from '../../helpers/orchestrator-fixture.js';
import { until } from '../../helpers/until.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

describe('workflows against live runtime agents', () => {
  const log = new CallLog();
  let agents: Awaited<ReturnType<typeof startRuntime>>;
  let orch: Awaited<ReturnType<typeof startOrchestrator>>;

  before(async () => {
    agents = await startRuntime(specialists(log));
    orch = await startOrchestrator(agents.agents);
  });
  after(() => closeInTurn(orch, agents));

  /** Runs the workflow `yaml` blocking, asserts the run completed, and returns its outputs. */
  const completedOutputs = async (yaml: string, inputs?: Record<string, unknown>) => {
    const task = await runBlocking(orch.url, runMessage(yaml, inputs));
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    return outputsOf(task);
  };

  it("runs seed 004's chain enrich → score → campaign, passing outputs through templates", async () => {
    const yaml = `
name: lookalike-campaign
inputs:
  leadIds: { type: array, items: { type: string } }
  campaign: { type: string, default: spring }
steps:
${ENRICH_THEN_SCORE_STEPS}
${LAUNCH_CAMPAIGN_STEP}
outputs:
  campaignId: "{{ steps.launch.output.campaignId }}"
  audienceSize: "{{ steps.launch.output.audienceSize }}"
`;
    const frames = await streamRun(orch.url, runMessage(yaml, { leadIds: ['a-1', 'b-2', 'c-3-dup', 'd-4'] }));
    const last = frames.at(-1);
    assert.equal(last.statusUpdate?.status?.state, 'TASK_STATE_COMPLETED', JSON.stringify(last));
    const artifact = frames.find((f) => f.artifactUpdate?.artifact?.name === 'outputs')?.artifactUpdate.artifact;
    assert.deepEqual(artifact.parts[0].data, { campaignId: 'cmp-spring-3', audienceSize: 3 });
    assert.equal(log.count('scorer', 'a-1,b-2,d-4'), 1, 'the scorer got the enriched ids');
    const events = runEvents(frames);
    const started = events.filter((e) => e.type === 'step.started').map((e) => e.path);
    const completed = events.filter((e) => e.type === 'step.completed').map((e) => e.path);
    assert.deepEqual(started, ['enrich', 'score', 'launch']);
    assert.deepEqual(completed, ['enrich', 'score', 'launch']);
    assert.equal(events[0].type, 'run.started');
    assert.equal(events.at(-1).type, 'run.completed');

    // The task keeps the run's start and end in its history; the steps are summed up by the `steps` artifact.
    const { body } = await rpc(orch.url, 'GetTask', { id: last.statusUpdate.taskId });
    const kept = body.result.history.map((m: any) => m.parts.find((p: any) => p.data)?.data?.['agentmesh.workflow']?.type).filter(Boolean);
    assert.deepEqual(kept, ['run.started', 'run.completed']);
    const steps = body.result.artifacts.find((a: any) => a.name === 'steps').parts[0].data.steps;
    assert.deepEqual(
      steps.map((s: any) => [s.path, s.kind, s.status, s.agent]),
      [
        ['enrich', 'call', 'completed', 'enricher'],
        ['score', 'call', 'completed', 'scorer'],
        ['launch', 'call', 'completed', 'campaigner'],
      ],
    );
  });

  it('merges parallel providers with allSettled when one fails and one times out (and cancels the slow one)', async () => {
    const yaml = `
name: multi-provider
inputs:
  company: { type: string }
steps:
  - id: providers
    parallel:
      join: allSettled
      steps:
        - { id: ok, call: { agent: provider-ok }, input: { company: "{{ inputs.company }}" } }
        - { id: down, call: { agent: provider-down }, input: { company: "{{ inputs.company }}" } }
        - { id: slow, call: { agent: provider-slow }, input: { company: "{{ inputs.company }}" }, timeout: 300ms }
outputs:
  merged: "{{ steps.providers.output }}"
  answered: "{{ steps.providers.output.ok.status == 'completed' }}"
`;
    const { merged, answered } = await completedOutputs(yaml, { company: 'Acme' });
    assert.equal(answered, true);
    assert.deepEqual(merged.ok, { status: 'completed', output: { provider: 'ok', company: 'Acme', employees: 420 } });
    assert.equal(merged.down.status, 'failed');
    assert.match(merged.down.error, /provider quota exhausted/);
    assert.equal(merged.slow.status, 'failed');
    assert.match(merged.slow.error, /timed out after 300 ms/);
    // The cancel travels through the caller's own retries: generous under a loaded 2-core machine.
    await until('the slow provider is canceled', () => log.count('provider-slow', 'canceled') === 1);
  });

  it('falls back from a failing provider to the next, calling each once', async () => {
    const yaml = `
name: fallback-chain
steps:
  - id: lookup
    fallback:
      - { id: primary, call: { agent: provider-down }, input: { company: Globex } }
      - { id: secondary, call: { agent: provider-ok }, input: { company: Globex } }
`;
    assert.deepEqual(await completedOutputs(yaml), { provider: 'ok', company: 'Globex', employees: 420 });
    assert.equal(log.count('provider-down', 'Globex'), 1);
    assert.equal(log.count('provider-ok', 'Globex'), 1);
  });

  it('passes over a fallback alternative whose when is false', async () => {
    const outputs = await completedOutputs(`
name: fallback-when
inputs:
  premium: { type: boolean, default: false }
steps:
  - id: lookup
    fallback:
      - { id: premium, when: "{{ inputs.premium }}", call: { agent: provider-down }, input: { company: Umbrella } }
      - { id: basic, call: { agent: provider-ok }, input: { company: Umbrella } }
`);
    assert.deepEqual(outputs, { provider: 'ok', company: 'Umbrella', employees: 420 });
    assert.equal(log.count('provider-down', 'Umbrella'), 0);
  });

  it('retries a failing step with backoff, then fails the run naming the step when attempts run out', async () => {
    const retried = await completedOutputs(`
name: retry-ok
steps:
  - { id: work, call: { agent: flaky }, input: { key: k1 }, retry: { attempts: 3, backoff: 10ms } }
`);
    assert.deepEqual(retried, { key: 'k1', tries: 3 });
    const exhausted = await runBlocking(
      orch.url,
      runMessage(`
name: retry-exhausted
steps:
  - { id: work, call: { agent: flaky }, input: { key: k2 }, retry: { attempts: 2, backoff: 10ms } }
`),
    );
    assert.equal(exhausted.status.state, 'TASK_STATE_FAILED');
    const reason = exhausted.status.message.parts.map((p: any) => p.text ?? '').join('');
    assert.match(reason, /work.*flaky failed.*transient failure 2/);
    assert.equal(log.count('flaky', 'k2'), 2);
  });

  it('does not retry a step whose input the agent refuses: the step fails at once with the refusal', async () => {
    const frames = await streamRun(
      orch.url,
      runMessage(`
name: refused-input
steps:
  - { id: enrich, call: { agent: enricher }, input: { leads: [a-1] }, retry: { attempts: 3, backoff: 10ms } }
`),
    );
    const last = frames.at(-1);
    assert.equal(last.statusUpdate?.status?.state, 'TASK_STATE_FAILED', JSON.stringify(last));
    const failures = runEvents(frames).filter((e) => e.type === 'step.failed');
    assert.equal(failures.length, 1, 'one attempt, no retry');
    assert.equal(failures[0].willRetry, false);
    assert.match(failures[0].error, /leadIds is required/);
    assert.equal(failures[0].code, 'AM_ERR_WORKFLOW_STEP_FAILED');
    assert.equal(runEvents(frames).filter((e) => e.type === 'step.started').length, 1);
  });

  it("keeps in a failed run's history the code each failed step and the run ended with", async () => {
    const branch = (id: string, agent: string) => ({ id, call: { agent }, input: { company: 'Initech' } });
    const definition = { name: 'coded-failure', steps: [{ id: 'providers', parallel: { join: 'all', steps: [branch('down', 'provider-down'), branch('ok', 'provider-ok')] } }] };
    const task = await runBlocking(orch.url, runMessage(JSON.stringify(definition)));
    assert.equal(task.status.state, 'TASK_STATE_FAILED', JSON.stringify(task.status));
    const { body } = await rpc(orch.url, 'GetTask', { id: task.id });
    const kept = body.result.history.map((m: any) => m.parts.find((p: any) => p.data)?.data?.['agentmesh.workflow']).filter(Boolean);
    assert.deepEqual(
      kept.filter((e: any) => e.type.endsWith('.failed')).map((e: any) => [e.type, e.path, e.code]),
      [
        ['step.failed', 'providers/down', 'AM_ERR_WORKFLOW_STEP_FAILED'],
        ['step.failed', 'providers', 'AM_ERR_WORKFLOW_PARALLEL_FAILED'],
        ['run.failed', 'providers', 'AM_ERR_WORKFLOW_PARALLEL_FAILED'],
      ],
    );
  });

  it('retries a composite step by running again what failed inside it, with new messages', async () => {
    const outputs = await completedOutputs(`
name: retry-composite
steps:
  - id: group
    retry: { attempts: 3, backoff: 10ms }
    sequence:
      - { id: steady, call: { agent: provider-ok }, input: { company: Hooli } }
      - { id: shaky, call: { agent: flaky }, input: { key: k3 } }
outputs:
  shaky: "{{ steps.group.output }}"
`);
    assert.deepEqual(outputs, { shaky: { key: 'k3', tries: 3 } });
    assert.equal(log.count('flaky', 'k3'), 3, 'the failing step ran once per attempt');
    assert.equal(log.count('provider-ok', 'Hooli'), 1, 'the step that completed was not called again');
  });

  it('resumes a failed run once, and refuses to resume a run still running', async () => {
    const resume = (runId: string) => runBlocking(orch.url, { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ data: { resumeFrom: runId } }], metadata: { skillId: 'run-workflow' } });
    const reasonOf = (task: any) => task.status.message.parts.map((p: any) => p.text ?? '').join('');
    const failed = await runBlocking(orch.url, runMessage(`
name: fails-once
steps:
  - { id: lookup, call: { agent: provider-down }, input: { company: Vandelay } }
`));
    assert.equal(failed.status.state, 'TASK_STATE_FAILED');
    const again = await resume(failed.id);
    assert.equal(again.status.state, 'TASK_STATE_FAILED', 'the resumed run meets the same failure');
    assert.match(reasonOf(again), /provider quota exhausted/);
    const twice = await resume(failed.id);
    assert.match(reasonOf(twice), new RegExp(`was resumed already, by run ${again.id}`));

    const sent = await rpc(orch.url, 'SendMessage', { message: runMessage(`
name: still-running
steps:
  - { id: wait, call: { agent: provider-slow }, input: { company: Kramerica } }
`), configuration: { returnImmediately: true } });
    const running = (sent.body.result.task ?? sent.body.result).id;
    await until('the slow provider is working', () => log.count('provider-slow', 'Kramerica') === 1);
    assert.match(reasonOf(await resume(running)), /is still running; cancel it first/);
    await rpc(orch.url, 'CancelTask', { id: running });
  });

  it('skips a step whose when is false', async () => {
    const outputs = await completedOutputs(`
name: conditional
inputs:
  launch: { type: boolean, default: false }
steps:
  - { id: go, when: "{{ inputs.launch }}", call: { agent: campaigner }, input: { name: never, audience: [] } }
outputs:
  status: "{{ steps.go.status }}"
`);
    assert.deepEqual(outputs, { status: 'skipped' });
    assert.equal(log.count('campaigner', 'never'), 0);
  });

  it('pauses on input-required and resumes with the answer given to the workflow task', async () => {
    const yaml = `
name: ask-then-launch
steps:
  - { id: segment, call: { agent: asker }, input: {} }
  - { id: launch, call: { agent: campaigner }, input: { name: "seg-{{ steps.segment.output.segment }}", audience: [] } }
outputs:
  campaignId: "{{ steps.launch.output.campaignId }}"
`;
    const frames = await streamRun(orch.url, runMessage(yaml));
    const paused = frames.at(-1);
    assert.equal(paused.statusUpdate?.status?.state, 'TASK_STATE_INPUT_REQUIRED', JSON.stringify(paused));
    const question = paused.statusUpdate.status.message.parts.map((p: any) => p.text ?? '').join('');
    assert.match(question, /Which segment should the campaign target\?/);
    const { taskId, contextId } = paused.statusUpdate;
    const answer = await rpc(orch.url, 'SendMessage', { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', taskId, contextId, parts: [{ text: 'enterprise' }] } });
    const task = answer.body.result.task ?? answer.body.result;
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    assert.deepEqual(outputsOf(task), { campaignId: 'cmp-seg-enterprise' });
    assert.equal(log.count('asker', 'asked'), 1);
  });

  it('cancels in-flight child tasks when the workflow task is canceled', async () => {
    const yaml = `
name: cancel-me
steps:
  - { id: wait, call: { agent: provider-slow }, input: { company: Initech } }
`;
    const sent = await rpc(orch.url, 'SendMessage', { message: runMessage(yaml), configuration: { returnImmediately: true } });
    const taskId = (sent.body.result.task ?? sent.body.result).id;
    await until('the slow provider is working', () => log.count('provider-slow', 'Initech') === 1);
    const before = log.count('provider-slow', 'canceled');
    const canceled = await rpc(orch.url, 'CancelTask', { id: taskId });
    assert.equal((canceled.body.result.task ?? canceled.body.result).status.state, 'TASK_STATE_CANCELED');
    await until('the child task is canceled', () => log.count('provider-slow', 'canceled') === before + 1);
    const run = await orch.orchestrator.engine.store.get(taskId);
    await until('the run is recorded canceled', async () => (await orch.orchestrator.engine.store.get(taskId))?.status === 'canceled');
    assert.equal(run?.id, taskId);
  });

  it('lists workflow runs as tasks of the orchestrator', async () => {
    const { body } = await rpc(orch.url, 'ListTasks', { pageSize: 100 });
    assert.ok(body.result.tasks.length >= 7, `runs listed: ${body.result.tasks.length}`);
  });
});
