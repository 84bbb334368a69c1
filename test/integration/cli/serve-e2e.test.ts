import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './cli-harness.js';
import { spawnCli, stopChild, waitForOutput } from '../../helpers/child-output.js';

/** Runs the real CLI in-process and captures its output. */
describe('agentmesh agent serve, driven by agentmesh send and tasks', () => {
  let child: ChildProcess;
  let url: string;
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-serve-'));
    child = spawnCli(['agent', 'serve', 'agents/echo.ts', '--port', '0', '--data-dir', dataDir]);
    // Wait for the line that names the listening URL (an event, not a sleep).
    url = await waitForOutput(child, /listening on (http:\/\/\S+)/, 'agent serve');
  });

  after(async () => {
    await stopChild(child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('serves the module at the root and answers agentmesh send', async () => {
    const result = await cli(['send', url, 'hello mesh']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /You said: hello mesh/);
  });

  test('input-required: the CLI prints the question and a follow-up answers it', async () => {
    const first = await cli(['send', url, 'ask me', '--json']);
    assert.equal(first.code, 3, 'exit code 3 means the task waits for input');
    const task = JSON.parse(first.stdout) as { id: string; status: { state: string } };
    assert.equal(task.status.state, 'TASK_STATE_INPUT_REQUIRED');
    const second = await cli(['send', url, 'ping', '--task', task.id]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /You said: ping/);
    const listed = await cli(['tasks', 'list', url, '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(listed.stdout.includes(task.id));
  });

  test('SIGTERM drains and exits 0', async () => {
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
  });
});
