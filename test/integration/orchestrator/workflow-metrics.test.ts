import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRuntime } from '../../helpers/runtime-fixture.js';
import { batchWorker, CallLog, mapReduceWorkflow, runBlocking, runMessage, specialists, startOrchestrator, workflow } from '../../helpers/orchestrator-fixture.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

/** The value of one series in a Prometheus text exposition (undefined when absent). */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('workflow metrics on the orchestrator /metrics', () => {
  const log = new CallLog();
  let agents: Awaited<ReturnType<typeof startRuntime>>;
  let orch: Awaited<ReturnType<typeof startOrchestrator>>;
  const registered = workflow(mapReduceWorkflow('sum-map', { batchSize: 2, concurrency: 2 }));

  before(async () => {
    agents = await startRuntime([...specialists(log), batchWorker(log)]);
    orch = await startOrchestrator(agents.agents, { workflows: [registered] });
  });
  after(() => closeInTurn(orch, agents));

  it('counts runs by workflow and state, steps by kind and outcome, and map items', async () => {
    const before = await (await fetch(`${new URL(orch.url).origin}/metrics`)).text();
    // A registered workflow shows up (at zero) before its first run.
    assert.equal(sample(before, 'agentmesh_workflow_runs_active{workflow="sum-map",state="running"}'), 0);
    assert.equal(sample(before, 'agentmesh_workflow_run_idle_seconds_max'), 0);

    const done = await runBlocking(orch.url, { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ data: { items: [1, 2, 3, 4, 5] } }], metadata: { skillId: 'sum-map' } });
    assert.equal(done.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(done.status));
    const failed = await runBlocking(orch.url, runMessage('name: private-name-of-a-tenant\nsteps:\n  - id: down\n    call: { agent: provider-down }\n    input: { company: acme }\n'));
    assert.equal(failed.status.state, 'TASK_STATE_FAILED', JSON.stringify(failed.status));

    const body = await (await fetch(`${new URL(orch.url).origin}/metrics`)).text();
    assert.equal(sample(body, 'agentmesh_workflow_runs_started_total{workflow="sum-map"}'), 1);
    assert.equal(sample(body, 'agentmesh_workflow_runs_ended_total{workflow="sum-map",state="completed"}'), 1);
    // A workflow sent in a message is `adhoc`: its name is the caller's text and never a label.
    assert.equal(sample(body, 'agentmesh_workflow_runs_ended_total{workflow="adhoc",state="failed"}'), 1);
    assert.doesNotMatch(body, /private-name-of-a-tenant/);
    // Five items in batches of two: three map units, five items; plus the map step itself.
    assert.equal(sample(body, 'agentmesh_workflow_map_items_total{workflow="sum-map",outcome="completed"}'), 5);
    assert.equal(sample(body, 'agentmesh_workflow_step_duration_seconds_count{workflow="sum-map",kind="call",outcome="completed"}'), 3);
    assert.equal(sample(body, 'agentmesh_workflow_step_duration_seconds_count{workflow="sum-map",kind="map",outcome="completed"}'), 1);
    assert.equal(sample(body, 'agentmesh_workflow_step_duration_seconds_count{workflow="adhoc",kind="call",outcome="failed"}'), 1);
    assert.equal(sample(body, 'agentmesh_workflow_run_duration_seconds_count{workflow="sum-map",state="completed"}'), 1);
    assert.equal(sample(body, 'agentmesh_workflow_runs_active{workflow="sum-map",state="running"}'), 0, 'no run is left active');
  });
});
