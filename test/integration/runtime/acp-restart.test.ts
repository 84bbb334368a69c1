/**
 * An ACP run is an A2A task, so a restart of the runtime
 * mid-run treats it as the durable core treats any task: an idempotent run
 * is re-run by the next process and completes, a run that is not idempotent
 * ends failed with the reason, and both stay readable by run id over ACP.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineAgent, type Runtime } from '../../../src/runtime/index.js';
import { AcpTestClient, outputText, userText } from '../../helpers/acp-client.js';
import { until } from '../../helpers/until.js';
import { holdUntilCanceled, resumableAfterStop } from '../../helpers/runtime-fixture.js';
import { closeInTurn, directoryRemoval } from '../../helpers/close-in-turn.js';

/** The steady skill: its first attempt is still running when the runtime stops. */
const steadySkill = resumableAfterStop('Idempotent: safe to run again after a crash');

const worker = defineAgent({
  card: { name: 'worker', description: 'Long work' },
  defaultSkill: 'steady',
  skills: { steady: steadySkill.skill },
});
const fragile = defineAgent({
  card: { name: 'fragile', description: 'Fragile work' },
  defaultSkill: 'fragile',
  skills: {
    fragile: holdUntilCanceled({ description: 'Not idempotent: interrupted means failed', progress: 'working' }),
  },
});

describe('ACP runs across a restart of the runtime', () => {
  let dataDir: string;
  let runtime: Runtime | undefined;

  const start = async (): Promise<AcpTestClient> => {
    runtime = await createRuntime({ agents: [worker, fragile], config: { port: 0, host: '127.0.0.1', logLevel: 'silent', dataDir } });
    const { url } = await runtime.listen();
    return new AcpTestClient(`${url}/acp`);
  };

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-acp-restart-'));
  });
  after(() => closeInTurn(runtime, directoryRemoval(dataDir)));

  test('an async run in progress survives the restart (re-run, completed); a non-idempotent one fails with the reason', async () => {
    let acp = await start();
    const steady = await acp.call('POST', '/runs', { agent_name: 'worker', input: [userText('report')], mode: 'async' });
    const broken = await acp.call('POST', '/runs', { agent_name: 'fragile', input: [userText('report')], mode: 'async' });
    assert.equal(steady.status, 202);
    for (const id of [steady.body.run_id, broken.body.run_id]) {
      await until(`run ${id} in progress`, async () => (await acp.call('GET', `/runs/${id}`)).body.status === 'in-progress');
    }

    await runtime!.close();
    runtime = undefined;
    acp = await start();
    await runtime!.recoverNow();

    let run: any;
    await until('the idempotent run to complete after the restart', async () => {
      run = (await acp.call('GET', `/runs/${steady.body.run_id}`)).body;
      return run.status === 'completed';
    });
    assert.equal(outputText(run), 'done: report');
    assert.equal(steadySkill.attempts(), 2, 'the run was executed again by the new process');
    assert.equal(run.session_id, steady.body.session_id);

    const failed = (await acp.call('GET', `/runs/${broken.body.run_id}`)).body;
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error.code, 'server_error');
    assert.match(failed.error.message, /shut down|interrupted/);
    const events = (await acp.call('GET', `/runs/${steady.body.run_id}/events`)).body.events.map((e: any) => e.type);
    assert.equal(events[0], 'run.created');
    assert.equal(events.at(-1), 'run.completed');
  });
});
