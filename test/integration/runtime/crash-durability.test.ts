import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime } from '../../../src/runtime/index.js';
import echo from '../../../agents/echo.js';
import { waitForOutput } from '../../helpers/child-output.js';
import { isolatedChildEnv } from '../../helpers/isolated-cli-env.js';
import { rpc, userMessage } from '../../helpers/runtime-fixture.js';
import { TS_CHILD_ARGV } from '../../helpers/typescript-child.js';

test('kill -9 under load loses no acknowledged task on the embedded SQLite store', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-crash-'));
  try {
    const child = spawn(process.execPath, [...TS_CHILD_ARGV, 'src/cli/bin.ts', 'agent', 'serve', 'agents/echo.ts', '--port', '0', '--data-dir', dataDir], {
      env: isolatedChildEnv({ LOG_LEVEL: 'silent' }),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const url = await waitForOutput(child, /listening on (http:\/\/\S+)/, 'agent serve');

    // 8 clients send back to back; after 300 acknowledgements the process is killed mid-stream.
    const acknowledged: string[] = [];
    let killed = false;
    const client = async () => {
      while (!killed) {
        try {
          const { body } = await rpc(url, 'SendMessage', { message: userMessage('durable?') });
          if (body.result?.task?.status?.state === 'TASK_STATE_COMPLETED') acknowledged.push(body.result.task.id);
          if (acknowledged.length >= 300 && !killed) {
            killed = true;
            child.kill('SIGKILL');
          }
        } catch {
          return; // the connection died with the process
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, client));
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    assert.equal(child.signalCode, 'SIGKILL');
    assert.ok(acknowledged.length >= 300);

    // Reopen the same store in a new process-local runtime: every acknowledged task is there, completed.
    const runtime = await createRuntime({ agents: [echo], config: { port: 0, dataDir, logLevel: 'silent' } });
    try {
      const { url: url2 } = await runtime.listen();
      const missing: string[] = [];
      for (const id of acknowledged) {
        const { body } = await rpc(url2, 'GetTask', { id, historyLength: 0 });
        if (body.result?.status?.state !== 'TASK_STATE_COMPLETED') missing.push(id);
      }
      assert.deepEqual(missing, [], `acknowledged tasks lost or changed after kill -9: ${missing.length} of ${acknowledged.length}`);
    } finally {
      await runtime.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
