/**
 * An idempotent task re-run after its process stopped ends with the
 * artifacts of one run, not the killed run's partial artifact beside the new
 * one: artifact ids a skill does not choose are derived from the task and the
 * order of emission, the same in every run, so the re-run's first chunk
 * replaces the partial one.
 *
 * The decision this pins is in docs/conformance.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime } from '../../../src/runtime/index.js';
import { rpc, userMessage, untilAborted } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';

let firstRun = true;
const redoer = oneSkillAgent({ name: 'redoer', description: 'Streams a two-chunk artifact; the first run is stopped midway' }, 'write', {
  description: 'Idempotent: writes the same artifact on every run',
  idempotent: true,
  handler: async (_: string, ctx) => {
    const id = ctx.artifact({ name: 'out', parts: [{ text: 'part-1 ' }] });
    if (firstRun) await untilAborted(ctx.signal);
    ctx.artifact({ artifactId: id, append: true, lastChunk: true, parts: [{ text: 'part-2' }] });
  },
});

test('a re-run replaces the stopped run\'s partial artifact instead of adding a second one', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-rerun-'));
  const open = new Set<{ close(): Promise<void> }>();
  // The runtimes still open close before their data dir goes: removing the folder under a runtime still
  // writing its SQLite files fails, and a runtime left open keeps the test's process alive.
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
  await until('the partial artifact to be stored', async () => (await rpc(`${firstUrl}/agents/redoer`, 'GetTask', { id })).body.result?.artifacts?.length === 1);
  // The process stops midway; the idempotent task is left for the next start to run again.
  await first.close();
  open.delete(first);

  firstRun = false;
  const second = await createRuntime({ agents: [redoer], config });
  open.add(second);
  const { url } = await second.listen();
  await second.recoverNow();
  await until('the re-run to complete', async () => (await rpc(`${url}/agents/redoer`, 'GetTask', { id })).body.result?.status?.state === 'TASK_STATE_COMPLETED');
  const task = (await rpc(`${url}/agents/redoer`, 'GetTask', { id })).body.result;
  assert.equal(task.artifacts.length, 1, `one artifact, not the partial one beside the new: ${JSON.stringify(task.artifacts)}`);
  assert.deepEqual(task.artifacts[0].parts.map((p: { text: string }) => p.text), ['part-1 ', 'part-2']);
  assert.ok(task.history.some((m: { parts: Array<{ text?: string }> }) => /Re-running/.test(m.parts[0]?.text ?? '')), 'it was a re-run');
});
