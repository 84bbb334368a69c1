/**
 * An idempotent task whose runtime stops midway, then re-run by the next runtime on the same data
 * dir: the scene of the re-run tests (docs/conformance.md), each pinning what the re-run leaves.
 */
import type { TestContext } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, type AgentDefinition } from '../../src/runtime/index.js';
import { rpc, userMessage } from './runtime-fixture.js';
import { until } from './until.js';

/** What {@link stoppedAndRerun} needs of the test. */
export interface RerunScene {
  /** The agent of one idempotent skill, whose first run waits until stopped. */
  agent: AgentDefinition;
  /** What the first run must have reached before its runtime stops, said as `until` says it. */
  stopWhen: { what: string; reached: (task: any) => boolean };
  /** Called between the two runtimes: the agent's next run goes to the end. */
  beforeRerun: () => void;
}

/** The re-run task, completed, and the agent URL of the runtime that re-ran it (open until the test ends). */
export async function stoppedAndRerun(t: TestContext, scene: RerunScene): Promise<{ agentUrl: string; id: string; task: any }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-rerun-'));
  const open = new Set<{ close(): Promise<void> }>();
  // The runtimes still open close before their data dir goes: removing the folder under a runtime still
  // writing its SQLite files fails, and a runtime left open keeps the test's process alive.
  t.after(async () => {
    for (const runtime of open) await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const config = { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent' as const };
  const name = scene.agent.name;
  const getTask = async (agentUrl: string, id: string) => (await rpc(agentUrl, 'GetTask', { id })).body.result;

  const first = await createRuntime({ agents: [scene.agent], config });
  open.add(first);
  const firstUrl = `${(await first.listen()).url}/agents/${name}`;
  const sent = await rpc(firstUrl, 'SendMessage', { message: userMessage('go'), configuration: { returnImmediately: true } });
  const id = sent.body.result.task.id as string;
  await until(scene.stopWhen.what, async () => scene.stopWhen.reached(await getTask(firstUrl, id)));
  // The process stops midway; the idempotent task is left for the next start to run again.
  await first.close();
  open.delete(first);

  scene.beforeRerun();
  const second = await createRuntime({ agents: [scene.agent], config });
  open.add(second);
  const agentUrl = `${(await second.listen()).url}/agents/${name}`;
  await second.recoverNow();
  await until('the re-run to complete', async () => (await getTask(agentUrl, id))?.status?.state === 'TASK_STATE_COMPLETED');
  return { agentUrl, id, task: await getTask(agentUrl, id) };
}
