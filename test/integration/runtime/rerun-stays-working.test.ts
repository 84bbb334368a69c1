/**
 * A task re-run after its replica stopped goes on as working, with the reason in its status
 * message: it never goes back to submitted. A client that saw it working (a GetTask, a stream)
 * and then saw it submitted would have seen a state the A2A state machine has no way back to; the
 * nemesis runs' checker flags it (`forbidden-transition`, docs/reliability.md, "Anomalies found").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSse, untilAborted } from '../../helpers/runtime-fixture.js';
import { stoppedAndRerun } from '../../helpers/stopped-and-rerun.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';

let firstRun = true;
const redoer = oneSkillAgent({ name: 'redoer', description: 'Works; its first run is stopped midway' }, 'work', {
  description: 'Idempotent: the same work on every run',
  idempotent: true,
  handler: async (_: string, ctx) => {
    ctx.progress('working');
    if (firstRun) await untilAborted(ctx.signal);
  },
});

test('a re-run task goes on working, never back to submitted, and says why', async (t) => {
  const { agentUrl, id, task } = await stoppedAndRerun(t, {
    agent: redoer,
    stopWhen: { what: 'the task to be working', reached: (task) => task?.status?.state === 'TASK_STATE_WORKING' },
    beforeRerun: () => (firstRun = false),
  });

  // The whole log, replayed from its start.
  const response = await fetch(agentUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', accept: 'text/event-stream', 'last-event-id': '0' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SubscribeToTask', params: { id } }),
  });
  const states = (await readSse(response)).map((f) => f.data.result?.statusUpdate?.status?.state ?? f.data.result?.task?.status?.state).filter((s): s is string => s !== undefined);
  const firstWorking = states.indexOf('TASK_STATE_WORKING');
  assert.ok(firstWorking >= 0, `the task was working: ${states.join(', ')}`);
  assert.ok(!states.slice(firstWorking).includes('TASK_STATE_SUBMITTED'), `no submitted after working: ${states.join(', ')}`);
  assert.ok(task.history.some((m: { parts: Array<{ text?: string }> }) => /Re-running/.test(m.parts[0]?.text ?? '')), 'the re-run says why');
});
