/**
 * The fleet recipe of docs/operations.md ("A fleet on one machine") runs as
 * written: its copy-paste blocks are read out of the Markdown and run by bash
 * against real PostgreSQL and a Redis of the test's own, so the docs cannot
 * drift from the code. The only changes are the ones an operator on a shared
 * host makes: free ports for the fixed ones, a fresh folder for /tmp/fleet, a
 * deployment name of its own (MESH), and `npx agentmesh` running this
 * checkout's source (the recipe runs the repository's build).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/free-port.js';
import { until } from '../helpers/until.js';
import { DATABASE_URL, postgresSkipReason, randomSuffix } from '../helpers/services.js';
import { TS_CHILD_ARGV } from '../helpers/typescript-child.js';
import { testDataDir, testHome } from '../helpers/isolated-cli-env.js';

const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const RECIPE_PORTS = [4000, 4001, 4100, 4200, 4201, 4290, 4291, 4300];

/** The ```sh blocks of a section of a Markdown file, from its heading to the next heading of any level (outside code). */
export function shellBlocksOf(markdown: string, heading: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  assert.ok(start >= 0, `docs/operations.md has no "${heading}"`);
  const blocks: string[] = [];
  let block: string[] | undefined;
  let fenced = false;
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('```')) {
      if (!fenced && line === '```sh') block = [];
      else if (fenced && block !== undefined) {
        blocks.push(`${block.join('\n')}\n`);
        block = undefined;
      }
      fenced = !fenced;
      continue;
    }
    if (!fenced && /^#{1,6} /.test(line)) break;
    block?.push(line);
  }
  return blocks;
}

const pg = new URL(DATABASE_URL);
const skip = await postgresSkipReason();
const redisServer = spawnSync('redis-server', ['--version']).status === 0 ? false : 'redis-server is not installed (the recipe test runs a Redis of its own)';

describe('the fleet recipe of docs/operations.md, as written', { skip: skip || redisServer }, () => {
  const mesh = `fleet${randomSuffix()}`;
  const folder = mkdtempSync(join(tmpdir(), 'agentmesh-fleet-'));
  let redis: ChildProcess | undefined;
  let shell: ChildProcess | undefined;
  let output = '';
  let code: number | null = null;
  const ports = new Map<number, number>();

  const psql = (sql: string) => spawnSync('psql', ['-h', pg.hostname, '-p', pg.port || '5432', '-U', pg.username || 'postgres', '-d', 'postgres', '-qXc', sql], { encoding: 'utf8' });

  before(async () => {
    for (const port of RECIPE_PORTS) ports.set(port, await freePort());
    const redisPort = await freePort();
    redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const markdown = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
    const blocks = shellBlocksOf(markdown, '## A fleet on one machine');
    assert.equal(blocks.length, 2, 'the recipe is two blocks: the fleet, then a tenant and its calls');
    let script = blocks.join('\n');
    for (const [from, to] of ports) script = script.replace(new RegExp(`\\b${from}\\b`, 'g'), String(to));
    script = script
      .replaceAll('redis://127.0.0.1:6379', `redis://127.0.0.1:${redisPort}`)
      .replaceAll('127.0.0.1:5432', `${pg.hostname}:${pg.port || '5432'}`)
      .replaceAll('-p 5432', `-p ${pg.port || '5432'}`)
      .replaceAll('/tmp/fleet', folder)
      .replace(/^export MESH=fleet\b/m, `export MESH=${mesh}`);
    assert.ok(script.includes(`export MESH=${mesh}`), 'the recipe names its deployment in MESH');
    const preamble = [
      'set -eo pipefail',
      // The repository's CLI, from this checkout's source (the recipe says: run from the repository after a build).
      `npx() { if [ "$1" = agentmesh ]; then shift; node ${TS_CHILD_ARGV.join(' ')} ${ROOT}/src/cli/bin.ts "$@"; else command npx "$@"; fi; }`,
      `until redis-cli -p ${redisPort} ping > /dev/null 2>&1; do sleep 0.1; done`,
    ].join('\n');
    // A HOME and a default data dir of the test's own: the recipe runs in the clone, where a developer's own
    // `agentmesh up` may have left its admin token and endpoints in ./.agentmesh.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: testHome(), AGENTMESH_DATA_DIR: testDataDir(), LANG: 'C.UTF-8' };
    // Its own process group, so everything the recipe starts in the background is stopped with it.
    shell = spawn('bash', ['-c', `${preamble}\n${script}\necho RECIPE-DONE`], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    shell.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    shell.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = setTimeout(() => stopGroup('SIGKILL'), 8 * 60_000);
    [code] = (await once(shell, 'exit')) as [number | null];
    clearTimeout(deadline);
  });

  function stopGroup(signal: NodeJS.Signals): void {
    if (shell?.pid === undefined) return;
    try {
      process.kill(-shell.pid, signal);
    } catch {
      // The group is gone already.
    }
  }

  /** True while a process of the recipe's group is left (a zombie counts: it ends the wait at the deadline, as before). */
  function groupLeft(): boolean {
    if (shell?.pid === undefined) return false;
    try {
      process.kill(-shell.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  after(async () => {
    stopGroup('SIGTERM');
    // The roles drain on SIGTERM: up to 3 s for the group to go, then whatever is left is killed.
    await until('the recipe to stop', () => !groupLeft(), 3000).catch(() => undefined);
    stopGroup('SIGKILL');
    redis?.kill('SIGKILL');
    // Only what this test made: its database and its deployment's roles.
    spawnSync('dropdb', ['-h', pg.hostname, '-p', pg.port || '5432', '-U', pg.username || 'postgres', '--if-exists', mesh]);
    psql(`DROP ROLE IF EXISTS ${mesh}_app, ${mesh}_migrator, ${mesh}_owner`);
    rmSync(folder, { recursive: true, force: true });
  });

  test('every step succeeds, the calls through both gateway replicas included', (t) => {
    t.diagnostic(output.slice(-1500));
    assert.equal(code, 0, output.slice(-6000));
    assert.match(output, /RECIPE-DONE/);
    // The send through the second replica was answered (12 × 49), the workflow ran, the balance printed, the audit chain verified.
    assert.match(output, /"total":588\b/, output.slice(-3000));
    assert.match(output, /run \S+: completed in/);
    assert.match(output, /^balance\s+\d/m);
    assert.match(output, /^audit chain ok/m);
  });

  test('the secrets and the client files are readable by their owner alone', () => {
    const secrets = join(folder, 'secrets');
    const files = readdirSync(secrets);
    for (const name of ['gateway_secret', 'gateway_admin_token', 'db_app_password', 'orchestrator.json', 'app.json']) assert.ok(files.includes(name), `${name} was written`);
    for (const name of files) assert.equal(statSync(join(secrets, name)).mode & 0o077, 0, `${name} is mode ${(statSync(join(secrets, name)).mode & 0o777).toString(8)}`);
  });

  test('the serving processes run as the application role, without the migrator\'s credentials', () => {
    const group = shell!.pid!;
    const serving: string[] = [];
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let stat: string;
      let cmdline: string;
      let environ: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      } catch {
        continue;
      }
      // Field 5 of /proc/<pid>/stat (after the parenthesised name) is the process group.
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp !== group || !/\bserve (registry|gateway|agents|orchestrator)\b/.test(cmdline) || !cmdline.startsWith('node')) continue;
      serving.push(cmdline);
      const vars = new Map(environ.split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
      assert.equal(vars.has('DATABASE_MIGRATION_URL'), false, `${cmdline} was given the migrator's credentials`);
      assert.match(vars.get('DATABASE_URL') ?? '', new RegExp(`^postgres://${mesh}_app:`), cmdline);
    }
    assert.ok(serving.length >= 6, `found the serving processes: ${serving.join('\n')}`);
  });
});
