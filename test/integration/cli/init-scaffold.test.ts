import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { childTestEnv, installPacked, packAgentmesh, run } from '../../helpers/packed-install.js';

/*
 * `agentmesh init` as a user meets it. The packed agentmesh,
 * installed in a folder, writes a project with its own CLI; the project gets
 * the same packed agentmesh (no network: see packed-install.ts), then its own
 * `npm test` compiles it with its tsconfig and runs its test-kit test, and
 * `agentmesh agent serve` serves the compiled agent, answering JSON-RPC.
 */
describe('agentmesh init, installed and run as a user would', () => {
  let work: string;
  let tarball: string;
  let tool: string;
  let project: string;
  let initOutput: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'agentmesh-init-'));
    tarball = await packAgentmesh(work);
    tool = join(work, 'tool');
    await installPacked(tool, tarball);
    project = join(work, 'greeter-bot');
    const init = await run(process.execPath, [join(tool, 'node_modules', 'agentmesh', 'dist', 'src', 'cli', 'bin.js'), 'init', project], { cwd: work });
    initOutput = init.stdout;
    await installPacked(project, tarball, { bins: true });
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('writes the project named after its folder, depending on the agentmesh it ran from, and says what to do next', () => {
    const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { name: string; type: string; dependencies: Record<string, string> };
    assert.equal(pkg.name, 'greeter-bot');
    assert.equal(pkg.type, 'module');
    assert.equal(pkg.dependencies['agentmesh'], `file:${join(tool, 'node_modules', 'agentmesh')}`);
    assert.match(readFileSync(join(project, 'src', 'agent.ts'), 'utf8'), /name: 'greeter-bot'/);
    for (const file of ['.gitignore', '.dockerignore', 'Dockerfile', 'README.md', 'tsconfig.json', 'test/agent.test.ts']) assert.match(initOutput, new RegExp(`^  ${file.replace('.', '\\.')}$`, 'm'));
    assert.match(initOutput, /Next:\n {2}cd greeter-bot\n {2}npm install\n {2}npm test/);
  });

  test('create-agentmesh, the bin npm create runs, writes the same project', async () => {
    const pkg = JSON.parse(readFileSync(join(tool, 'node_modules', 'agentmesh', 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const created = join(work, 'created-bot');
    await run(process.execPath, [join(tool, 'node_modules', 'agentmesh', pkg.bin['create-agentmesh']!), created], { cwd: work });
    assert.match(readFileSync(join(created, 'src', 'agent.ts'), 'utf8'), /name: 'created-bot'/);
  });

  test("the project's own npm test compiles it and passes its test-kit tests", async () => {
    const { stdout } = await run('npm', ['test', '--silent'], { cwd: project, env: { ...childTestEnv(), npm_config_offline: 'true' }, maxBuffer: 16 << 20 }).catch(
      (err: { stdout?: string; stderr?: string }) => assert.fail(`npm test failed:\n${err.stdout ?? ''}${err.stderr ?? String(err)}`),
    );
    // tap (# pass) when not on a terminal in Node 20, spec (ℹ pass) in later versions.
    assert.match(stdout, /[#ℹ] pass 3\n[#ℹ] fail 0/);
  });

  test('agentmesh agent serve serves the compiled agent, which answers a JSON-RPC SendMessage', async () => {
    const bin = join(project, 'node_modules', '.bin', 'agentmesh');
    const server = spawn(bin, ['agent', 'serve', './dist/src/agent.js', '--port', '0', '--data-dir', join(work, 'data')], { cwd: project, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let url: string | undefined;
      for await (const line of createInterface({ input: server.stdout })) {
        url = /^\s+greeter-bot\s+(\S+)/.exec(line)?.[1];
        if (url !== undefined) break;
      }
      assert.ok(url, 'the agent URL is printed');
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{ data: { name: 'Ada', language: 'es' } }] } } }),
      });
      const body = (await response.json()) as { result: { task: { status: { state: string }; artifacts: Array<{ parts: Array<{ data?: unknown }> }> } } };
      assert.equal(body.result.task.status.state, 'TASK_STATE_COMPLETED');
      assert.deepEqual(body.result.task.artifacts[0]!.parts[0]!.data, { greeting: 'Hola, Ada!' });
    } finally {
      server.kill('SIGTERM');
      if (server.exitCode === null) await once(server, 'exit');
    }
  });
});
