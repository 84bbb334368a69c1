/**
 * Every port `agentmesh up` binds follows a flag, so two meshes run side by
 * side on one host; a port another mesh holds is reported with the component
 * that wanted it and the flag (and variable) that moves it, not as Node's
 * bare `listen EADDRINUSE`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { upPorts } from '../../../src/cli/commands/up/up.js';
import { runCli } from '../../../src/cli/index.js';
import { freePort } from '../../helpers/free-port.js';
import { isolatedChildEnv } from '../../helpers/isolated-cli-env.js';
import { TS_CHILD_ARGV } from '../../helpers/typescript-child.js';

const ROOT = new URL('../../..', import.meta.url).pathname;
const FLAGS = ['--port', '--registry-port', '--gateway-port', '--orchestrator-port', '--metrics-port', '--acp-port'] as const;
type Ports = Record<(typeof FLAGS)[number], number>;

/** The environment of an operator's shell, without anything that would pick a port for `up` (isolatedChildEnv). */
const cleanEnv = (): NodeJS.ProcessEnv => isolatedChildEnv({ LOG_LEVEL: 'warn' });

interface Up {
  child: ChildProcess;
  dataDir: string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the banner once ready, or with the exit code if `up` stops first. */
  settled: Promise<{ ready: true } | { ready: false; code: number | null }>;
}

function up(ports: Ports, dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-up-side-'))): Up {
  const args = FLAGS.flatMap((flag) => [flag, String(ports[flag])]);
  const child = spawn(process.execPath, [...TS_CHILD_ARGV, 'src/cli/bin.ts', 'up', ...args, '--host', '127.0.0.1', '--data-dir', dataDir, '--workflows', join(ROOT, 'workflows')], { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const settled = new Promise<{ ready: true } | { ready: false; code: number | null }>((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/agentmesh is ready in/.test(out)) resolve({ ready: true });
    });
    child.once('exit', (code) => resolve({ ready: false, code }));
  });
  return { child, dataDir, stdout: () => out, stderr: () => err, settled };
}

async function stop(mesh: Up | undefined, { keepDataDir = false } = {}): Promise<void> {
  if (mesh === undefined) return;
  if (mesh.child.exitCode === null && mesh.child.signalCode === null) {
    mesh.child.kill('SIGTERM');
    await once(mesh.child, 'exit');
  }
  if (!keepDataDir) rmSync(mesh.dataDir, { recursive: true, force: true });
}

async function freePorts(): Promise<Ports> {
  const ports = {} as Ports;
  for (const flag of FLAGS) ports[flag] = await freePort();
  return ports;
}

test('ports follow their flags; the two without a role port of their own sit beside the port they follow', () => {
  assert.deepEqual(upPorts({}, {}), { agents: 4000, registry: 4100, gateway: 4200, orchestrator: 4300, metrics: 4290, acp: 4010 });
  assert.deepEqual(upPorts({ port: '5000', registryPort: '5100', gatewayPort: '5200', orchestratorPort: '5300' }, {}), { agents: 5000, registry: 5100, gateway: 5200, orchestrator: 5300, metrics: 5290, acp: 5010 });
  assert.deepEqual(upPorts({ port: '0', gatewayPort: '0' }, {}), { agents: 0, registry: 4100, gateway: 0, orchestrator: 4300, metrics: 0, acp: 0 });
  assert.deepEqual(upPorts({ metricsPort: '9100', acpPort: '9101' }, { GATEWAY_METRICS_PORT: '1', ACP_EXAMPLE_PORT: '2' }), { agents: 4000, registry: 4100, gateway: 4200, orchestrator: 4300, metrics: 9100, acp: 9101 });
  assert.deepEqual(upPorts({}, { PORT: '6000', GATEWAY_PORT: '6200', GATEWAY_METRICS_PORT: '6999', ACP_EXAMPLE_PORT: '6998' }).metrics, 6999);
  assert.equal(upPorts({ gatewayPort: '65500' }, {}).metrics, 0, 'past the last port: any free one');
  assert.throws(() => upPorts({ acpPort: 'x' }, {}), /--acp-port must be a port from 0 to 65535/);
});

test('up --help names every port it binds, with its flag and variable', async () => {
  let out = '';
  const code = await runCli(['up', '--help'], { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true }, env: {} });
  assert.equal(code, 0);
  for (const [flag, variable] of [['--port', 'PORT'], ['--registry-port', 'REGISTRY_PORT'], ['--gateway-port', 'GATEWAY_PORT'], ['--orchestrator-port', 'ORCHESTRATOR_PORT'], ['--metrics-port', 'GATEWAY_METRICS_PORT'], ['--acp-port', 'ACP_EXAMPLE_PORT']]) {
    assert.match(out, new RegExp(`${flag} <port>[\\s\\S]*?env\\s+${variable}\\b`), `${flag} / ${variable}`);
  }
});

describe('two agentmesh up side by side on one host', () => {
  let a: Up | undefined;
  let b: Up | undefined;
  let portsA: Ports;
  let portsB: Ports;

  before(async () => {
    portsA = await freePorts();
    portsB = await freePorts();
    a = up(portsA);
    const readyA = await a.settled;
    assert.ok(readyA.ready, `the first mesh did not start: ${a.stdout()}\n${a.stderr()}`);
    b = up(portsB);
    const readyB = await b.settled;
    assert.ok(readyB.ready, `the second mesh did not start: ${b.stdout()}\n${b.stderr()}`);
  });
  after(async () => {
    await stop(a);
    await stop(b);
  });

  test('both run, each on the ports it was given, printed in its banner', async () => {
    for (const [mesh, ports] of [[a!, portsA], [b!, portsB]] as const) {
      const banner = mesh.stdout();
      assert.match(banner, new RegExp(`gateway listening on http://(127\\.0\\.0\\.1|localhost):${ports['--gateway-port']}\\b`));
      assert.match(banner, new RegExp(`metrics on http://127\\.0\\.0\\.1:${ports['--metrics-port']}/metrics`));
      assert.match(banner, new RegExp(`ACP example listening on http://(127\\.0\\.0\\.1|localhost):${ports['--acp-port']}/acp`));
      assert.equal((await fetch(`http://127.0.0.1:${ports['--metrics-port']}/metrics`)).status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${ports['--acp-port']}/acp/ping`)).status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${ports['--gateway-port']}/ready`)).status, 200);
    }
  });

  for (const [flag, component, variable] of [
    ['--acp-port', 'the ACP example agent', 'ACP_EXAMPLE_PORT'],
    ['--metrics-port', "the gateway's metrics listener", 'GATEWAY_METRICS_PORT'],
  ] as const) {
    test(`a ${flag} the other mesh holds is refused naming ${component} and ${flag}`, async () => {
      const ports = { ...(await freePorts()), [flag]: portsA[flag] };
      const c = up(ports);
      try {
        const settled = await c.settled;
        assert.equal(settled.ready, false, 'a third mesh on a port in use must not start');
        assert.notEqual((settled as { code: number | null }).code, 0);
        const said = c.stderr();
        assert.ok(said.includes(`${component} cannot listen on 127.0.0.1:${portsA[flag]}`), said);
        assert.ok(said.includes(`${flag} (env ${variable})`), said);
        assert.doesNotMatch(said, /^error: listen EADDRINUSE/m);
      } finally {
        await stop(c);
      }
    });
  }

  // A second `npm start` in the same folder: the likely mistake is starting the mesh twice, not a port to move.
  test('a second up on the data dir a running mesh holds is told that mesh runs there, not which port to move', async () => {
    const again = up(portsA, a!.dataDir);
    try {
      const settled = await again.settled;
      assert.equal(settled.ready, false, 'a second mesh on the same ports must not start');
      assert.equal((settled as { code: number | null }).code, 1);
      const said = again.stderr();
      assert.ok(said.startsWith(`error: agentmesh up already runs on ${a!.dataDir} (pid ${a!.child.pid}, gateway http://localhost:${portsA['--gateway-port']}`), said);
      assert.match(said, /use that mesh, or stop it .*needs its own --data-dir/);
      assert.equal((await fetch(`http://127.0.0.1:${portsA['--gateway-port']}/ready`)).status, 200, 'the running mesh is untouched');
    } finally {
      await stop(again, { keepDataDir: true });
    }
  });
});

test('a second up on a running mesh\'s data dir exits at once naming the first; after an orderly stop a new up starts', async () => {
  const zero = Object.fromEntries(FLAGS.map((flag) => [flag, 0])) as Ports;
  const first = up(zero);
  let second: Up | undefined;
  let third: Up | undefined;
  try {
    assert.deepEqual(await first.settled, { ready: true }, first.stderr());
    second = up(zero, first.dataDir);
    const refused = await second.settled;
    assert.equal(refused.ready, false);
    assert.notEqual(refused.ready === false && refused.code, 0);
    assert.match(second.stderr(), new RegExp(`already runs on .*pid ${first.child.pid}, gateway http://`));
    await stop(first, { keepDataDir: true });
    third = up(zero, first.dataDir);
    assert.deepEqual(await third.settled, { ready: true }, third.stderr());
  } finally {
    await stop(second, { keepDataDir: true });
    await stop(third, { keepDataDir: true });
    await stop(first);
  }
});
