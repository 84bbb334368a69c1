/**
 * Ctrl-C in the terminal of `npm start` stops the mesh in order: the
 * terminal sends SIGINT to the whole foreground process group (npm and the
 * node it runs), and npm forwards the SIGINT it got to its child as well, so
 * `agentmesh up` receives one key press twice. The second signal must not
 * end it before it drained and took its instances out of the registry (it
 * did, 3 runs in 4: the registry then listed every agent as degraded until
 * the leases were forgotten). A serving role stopped by SIGTERM (Kubernetes)
 * leaves the registry the same way.
 *
 * Real processes: npm running a start script shaped like the repository's
 * (`exec node …`, no shell left between npm and node) on the sources, in
 * a process group of its own, signaled as a terminal signals it.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { TS_CHILD_ARGV } from '../../helpers/typescript-child.js';
import { until } from '../../helpers/until.js';
import { cleanEnv, ROOT } from '../e2e/mesh-process.js';

const PORT_FLAGS = ['--port', '--registry-port', '--gateway-port', '--orchestrator-port', '--metrics-port', '--acp-port'].flatMap((flag) => [flag, '0']);

interface Started {
  child: ChildProcess;
  dataDir: string;
  stdout: () => string;
  stderr: () => string;
}

const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function tempFolder(prefix: string): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  folders.push(folder);
  return folder;
}

/**
 * `npm start` in a project whose start script runs `agentmesh up` from the
 * sources as the repository's runs it from dist/ (scripts/start.mjs imports
 * the CLI into its own process, so node is npm's child either way).
 */
function npmStartUp(): Started {
  const repoStart = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start'];
  assert.equal(repoStart, 'exec node scripts/start.mjs', 'the repository starts node in place of the shell: what this test reproduces');
  assert.match(readFileSync(join(ROOT, 'scripts/start.mjs'), 'utf8'), /'up', \.\.\.process\.argv\.slice\(2\)\];\nawait import\(/, 'scripts/start.mjs runs agentmesh up in its own process');
  const project = tempFolder('agentmesh-npm-start-');
  const dataDir = join(project, '.agentmesh');
  const node = [process.execPath, ...TS_CHILD_ARGV, join(ROOT, 'src/cli/bin.ts')].map((word) => JSON.stringify(word)).join(' ');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'orderly-stop', private: true, scripts: { start: `exec ${node} up` } }));
  // detached: a process group of its own, as a terminal's foreground job is.
  const child = spawn('npm', ['start', '--silent', '--', ...PORT_FLAGS, '--data-dir', dataDir], { cwd: project, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  return collect(child, dataDir);
}

function collect(child: ChildProcess, dataDir: string): Started {
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  after(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  });
  return { child, dataDir, stdout: () => out, stderr: () => err };
}

/** Resolves once `text()` matches `pattern`; rejects if the process ends first. */
async function printed(started: Started, pattern: RegExp, what: string): Promise<string> {
  let exited = false;
  started.child.once('exit', () => (exited = true));
  await until(what, () => {
    if (exited && !pattern.test(started.stdout())) throw new Error(`exited before ${what}:\n${started.stdout()}\n${started.stderr()}`);
    return pattern.test(started.stdout());
  });
  return pattern.exec(started.stdout())![0];
}

/** The agents holding an instance in the registry's SQLite file, read beside the running process or after it. */
function registeredAgents(dataDir: string): string[] {
  const db = new DatabaseSync(join(dataDir, 'mesh.db'), { readOnly: true });
  try {
    return (db.prepare('select distinct agent from registry_instances order by agent').all() as Array<{ agent: string }>).map((row) => row.agent);
  } finally {
    db.close();
  }
}

/** Every agent `up`'s banner names: the example agents, the ACP example's and the orchestrator. */
function agentsInBanner(banner: string): string[] {
  const examples = /runtime listening on \S+ {2}\(agents: ([^;]+);/.exec(banner)![1]!.split(', ');
  const acp = /\(ACP agents: ([^;]+);/.exec(banner)![1]!.split(', ');
  return [...examples, ...acp, 'orchestrator'].sort();
}

async function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return { code, signal };
}

describe('Ctrl-C on npm start: agentmesh up drains and leaves the registry', () => {
  for (const presses of [1, 2]) {
    test(`${presses === 1 ? 'one SIGINT' : 'two SIGINTs 50 ms apart'} to the process group (npm forwarding each): exit 0, the drain finished, no instance left registered`, async () => {
      const up = npmStartUp();
      await printed(up, /agentmesh is ready in [^\n]*\n(?:.*\n){3}/, 'the banner');
      const expected = agentsInBanner(up.stdout());
      await until('every agent of the banner to hold an instance', () => expected.every((name) => registeredAgents(up.dataDir).includes(name)));
      process.kill(-up.child.pid!, 'SIGINT');
      if (presses === 2) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        // A drain done within the 50 ms leaves no process to signal, as a terminal would find.
        if (up.child.exitCode === null && up.child.signalCode === null) process.kill(-up.child.pid!, 'SIGINT');
      }
      const { code, signal } = await exitOf(up.child);
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, up.stderr());
      assert.match(up.stderr(), /^SIGINT: draining…\nstopped in \d+\.\d s\n$/m, up.stderr());
      assert.deepEqual(registeredAgents(up.dataDir), [], 'instances left in the registry');
    });
  }
});

describe('SIGTERM on serve agents: its instances leave the registry', () => {
  test('twice in a row, as a process manager may send it: exit 0, drained, no instance left', async () => {
    const dataDir = tempFolder('agentmesh-serve-stop-');
    const spawnServe = (args: string[], env: Record<string, string> = {}) =>
      collect(spawn(process.execPath, [...TS_CHILD_ARGV, 'src/cli/bin.ts', 'serve', ...args], { cwd: ROOT, env: cleanEnv({ LOG_LEVEL: 'warn', ...env }), stdio: ['ignore', 'pipe', 'pipe'], detached: true }), dataDir);
    // The registry fetches the agents' cards and key sets on loopback: allowed for this test.
    const registry = spawnServe(['registry', '--port', '0', '--dev', '--data-dir', join(dataDir, 'registry')], { AGENTMESH_ALLOW_HOSTS: 'localhost,127.0.0.1' });
    const registryUrl = (await printed(registry, /registry listening on \S+/, 'the registry')).split(' ').pop()!;
    const agents = spawnServe(['agents', '--only', 'echo,lead-scorer', '--port', '0', '--dev', '--data-dir', join(dataDir, 'agents')], { REGISTRY_URL: registryUrl });
    await printed(agents, /runtime listening on \S+/, 'the agents');
    const instances = async () => {
      const counts = await Promise.all(['echo', 'lead-scorer'].map(async (name) => {
        const answer = await fetch(`${registryUrl}/v1/agents/${name}/instances`);
        return answer.status === 404 ? 0 : ((await answer.json()) as { instances: unknown[] }).instances.length;
      }));
      return counts.reduce((a, b) => a + b, 0);
    };
    await until('both agents to register an instance', async () => (await instances()) === 2);
    agents.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 50));
    agents.child.kill('SIGTERM');
    const { code, signal } = await exitOf(agents.child);
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, agents.stderr());
    assert.match(agents.stderr(), /^SIGTERM: draining…\nstopped in \d+\.\d s\n$/m);
    assert.equal(await instances(), 0);
    registry.child.kill('SIGTERM');
    assert.equal((await exitOf(registry.child)).code, 0);
  });
});
