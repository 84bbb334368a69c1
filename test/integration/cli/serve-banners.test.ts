/**
 * What `serve` prints is true: a gateway replica says the port it bound (and
 * the public URL it names in tokens and cards, as such), and agents that take
 * calls only through the gateway print no `Try:` line that calls them directly
 * (they would refuse it). Off a terminal it prints for people, unless
 * LOG_FORMAT=json asks for one JSON entry per line.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../helpers/free-port.js';

const ROOT = new URL('../../..', import.meta.url).pathname;
const children: ChildProcess[] = [];
const dirs: string[] = [];

after(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Starts `agentmesh serve …` and resolves with its output once `until` matches it. */
async function serve(args: string[], env: Record<string, string>, until: RegExp): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-banner-'));
  dirs.push(dataDir);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'serve', ...args, '--host', '127.0.0.1', '--data-dir', dataDir], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (until.test(out)) resolve(out);
    });
    child.stderr!.on('data', (c: Buffer) => {
      out += c.toString();
      if (until.test(out)) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
}

/**
 * A registry serving off a terminal with its logs at info, started once for the file: the human-format
 * test reads what it printed, and the gateway replica follows it. Against no registry a gateway waits its
 * whole start deadline (10 s) for the registry's first load before it listens and prints anything.
 */
let humanRegistry: Promise<{ url: string; out: string }> | undefined;
function registryForPeople(): Promise<{ url: string; out: string }> {
  humanRegistry ??= freePort().then(async (port) => ({
    url: `http://127.0.0.1:${port}`,
    out: await serve(['registry', '--port', String(port)], { LOG_LEVEL: 'info' }, /registry listening\b.*\n[\s\S]*agentmesh registry listening on .*\n/),
  }));
  return humanRegistry;
}

test('a gateway replica prints the port it bound, and its public URL as such', async () => {
  const registry = await registryForPeople();
  const port = await freePort();
  const publicPort = await freePort();
  const out = await serve(['gateway', '--port', String(port)], { GATEWAY_PUBLIC_URL: `http://localhost:${publicPort}`, GATEWAY_METRICS_PORT: '0', REGISTRY_URL: registry.url }, /public URL|metrics /);
  assert.match(out, new RegExp(`^agentmesh gateway listening on http://localhost:${port}$`, 'm'));
  assert.match(out, new RegExp(`^ {2}public URL http://localhost:${publicPort} `, 'm'));
});

test('agents behind AGENTMESH_REQUIRE_GATEWAY=1 print no direct Try: line, but where to call them', async () => {
  const port = await freePort();
  const out = await serve(['agents', '--port', String(port)], { AGENTMESH_REQUIRE_GATEWAY: '1', GATEWAY_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json', GATEWAY_ISSUER: 'http://localhost:4200' }, /calls only through the gateway|^Try:/m);
  assert.doesNotMatch(out, /^Try:/m);
  assert.match(out, /calls only through the gateway .*http:\/\/localhost:4200\/agents\/\S+/);
});

test('off a terminal, the banner and the logs are lines for people; with LOG_FORMAT=json every line of both streams is JSON', async () => {
  const { out: human } = await registryForPeople();
  assert.doesNotMatch(human, /^\{/m, human);
  assert.match(human, /^\d\d:\d\d:\d\d INFO {2}registry {2}registry listening {2}url=/m);
  const jsonPort = await freePort();
  // Until the banner, its warning and a line of the role's own are all in: the role's logger and the banner are
  // different writers (the warning on stderr), so the order their lines reach the pipes in is not fixed.
  const json = await serve(['registry', '--port', String(jsonPort)], { LOG_LEVEL: 'info', LOG_FORMAT: 'json' }, /^(?=[\s\S]*"msg":"agentmesh registry listening on)(?=[\s\S]*"msg":"warning: REGISTRY_TOKEN)(?=[\s\S]*"component":"(?!cli")[^"]*")/);
  const lines = json.trimEnd().split('\n');
  for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `not JSON: ${line}`);
  assert.ok(lines.some((line) => (JSON.parse(line) as { msg?: string }).msg === `agentmesh registry listening on http://localhost:${jsonPort}`), json);
  // The role's own log lines (its `registry listening`), not only the CLI's.
  assert.ok(lines.some((line) => (JSON.parse(line) as { component?: string }).component !== 'cli'), json);
});
