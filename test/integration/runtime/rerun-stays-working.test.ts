/**
 * A task re-run after its replica stopped goes on as working, with the reason in its status
 * message: it never goes back to submitted. A client that saw it working (a GetTask, a stream)
 * and then saw it submitted would have seen a state the A2A state machine has no way back to; the
 * nemesis runs' checker flags it (`forbidden-transition`, docs/reliability.md, "Anomalies found").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime } from '../../../src/runtime/index.js';
import { readSse, rpc, userMessage, untilAborted } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';
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
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-rerun-'));
  const open = new Set<{ close(): Promise<void> }>();
  t.after(async () => {
    for (const runtime of open) await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const config = { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent' as const };

  const first = await createRuntime({ agents: [redoer], config });
  open.add(first);
  const { url: firstUrl } = await first.listen();
  const sent = await rpc(`${firstUrl}/agents/redoer`, 'SendMessage', { message: userMessage('go'), configuration: { returnImmediately: true } });
  const id = sent.body.result.task.id as string;
  await until('the task to be working', async () => (await rpc(`${firstUrl}/agents/redoer`, 'GetTask', { id })).body.result?.status?.state === 'TASK_STATE_WORKING');
  await first.close();
  open.delete(first);

  firstRun = false;
  const second = await createRuntime({ agents: [redoer], config });
  open.add(second);
  const { url } = await second.listen();
  await second.recoverNow();
  await until('the re-run to complete', async () => (await rpc(`${url}/agents/redoer`, 'GetTask', { id })).body.result?.status?.state === 'TASK_STATE_COMPLETED');

  // The whole log, replayed from its start.
  const response = await fetch(`${url}/agents/redoer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', accept: 'text/event-stream', 'last-event-id': '0' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SubscribeToTask', params: { id } }),
  });
  const states = (await readSse(response)).map((f) => f.data.result?.statusUpdate?.status?.state ?? f.data.result?.task?.status?.state).filter((s): s is string => s !== undefined);
  const firstWorking = states.indexOf('TASK_STATE_WORKING');
  assert.ok(firstWorking >= 0, `the task was working: ${states.join(', ')}`);
  assert.ok(!states.slice(firstWorking).includes('TASK_STATE_SUBMITTED'), `no submitted after working: ${states.join(', ')}`);
  const task = (await rpc(`${url}/agents/redoer`, 'GetTask', { id })).body.result;
  assert.ok(task.history.some((m: { parts: Array<{ text?: string }> }) => /Re-running/.test(m.parts[0]?.text ?? '')), 'the re-run says why');
});
