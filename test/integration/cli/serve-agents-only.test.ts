import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../../../src/cli/index.js';
import { spawnCli, stopChild } from '../../helpers/child-output.js';

describe('agentmesh serve agents --only', () => {
  it('serves just the named agents', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-only-'));
    const child = spawnCli(['serve', 'agents', '--only', 'sales,legal', '--port', '0', '--data-dir', dataDir]);
    try {
      let stdout = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout!.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = /health (http:\/\/\S+)\/health/.exec(stdout);
          if (match) resolve(match[1]!);
        });
        child.once('exit', (code) => reject(new Error(`serve agents exited early with ${code}: ${stdout}`)));
      });
      const served = [...stdout.matchAll(/^ {2}(\S+) +http:\/\/\S+\/agents\//gm)].map((m) => m[1]);
      assert.deepEqual(served, ['sales', 'legal']);
      assert.equal((await fetch(`${url}/agents/legal/.well-known/agent-card.json`)).status, 200);
      assert.equal((await fetch(`${url}/agents/lead-scorer/.well-known/agent-card.json`)).status, 404);
    } finally {
      await stopChild(child, 'SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a name that is no example agent, listing the agents', async () => {
    let err = '';
    const code = await runCli(['serve', 'agents', '--only', 'sales,marketing'], { stdout: { write: () => undefined }, stderr: { write: (s: string) => (err += s) }, env: {} });
    assert.equal(code, 2);
    assert.match(err, /--only names no example agent: marketing; the agents are .*lead-scorer/);
  });
});
