#!/usr/bin/env node
/**
 * Installs the n8n the n8n tests run against into a cache folder kept
 * between runs (as .ci/run keeps Node): `n8n@2.40.7` from the npm registry
 * with `--ignore-scripts` (its Kafka node's install script downloads C
 * sources from the internet), then its one native module on SQLite,
 * `sqlite3`, built from the sources it ships against the running Node's
 * headers. About 3 minutes and 2.8 GB the first time; nothing after.
 *
 * The folder is `$AGENTMESH_N8N_HOME`, else `$XDG_CACHE_HOME/agentmesh-ci/n8n-<version>`
 * (`~/.cache/…`). A finished install is marked with `.agentmesh-ready`; an
 * install is made in a folder beside it (`….partial`) and renamed into
 * place, so a run cut short never leaves a half install that looks finished.
 * Two installs into one folder at once are not supported.
 *
 * Usage: node scripts/install-n8n.mjs        (prints the folder; exits 1 when it cannot install)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const N8N_VERSION = '2.40.7';
const READY = '.agentmesh-ready';

/** Where the n8n of the tests lives (installed or not). */
export function n8nHome(env = process.env) {
  return env.AGENTMESH_N8N_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'agentmesh-ci', `n8n-${N8N_VERSION}`);
}

/** True when the folder holds a finished install. */
export function n8nInstalled(home = n8nHome()) {
  return existsSync(join(home, READY)) && existsSync(join(home, 'node_modules', 'n8n', 'bin', 'n8n'));
}

function run(what, command, args, options) {
  process.stderr.write(`install-n8n: ${what}\n`);
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.status !== 0) throw new Error(`${what} failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`})`);
}

/** Installs n8n into `home` unless it is there already. */
export function installN8n(home = n8nHome()) {
  if (n8nInstalled(home)) return home;
  // One folder for the install in progress: a run cut short leaves it, and the next run starts it over.
  const work = `${home}.partial`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    writeFileSync(join(work, 'package.json'), `${JSON.stringify({ name: 'agentmesh-n8n', private: true }, null, 2)}\n`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    // node-gyp builds against these headers instead of downloading them: the Node running this script (.ci/run's).
    const nodedir = process.env.npm_config_nodedir || dirname(dirname(process.execPath));
    const env = { ...process.env, npm_config_nodedir: nodedir };
    run(`npm install n8n@${N8N_VERSION} --ignore-scripts into ${work}`, npm, ['install', `n8n@${N8N_VERSION}`, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: work, env });
    run('npm rebuild sqlite3 --build-from-source', npm, ['rebuild', 'sqlite3', '--loglevel=error'], { cwd: work, env: { ...env, npm_config_build_from_source: 'true' } });
    run('loading sqlite3', process.execPath, ['-e', "require('sqlite3')"], { cwd: work, env });
    writeFileSync(join(work, READY), `n8n@${N8N_VERSION}\n`);
    rmSync(home, { recursive: true, force: true });
    renameSync(work, home);
    return home;
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  try {
    process.stdout.write(`${installN8n()}\n`);
  } catch (err) {
    process.stderr.write(`install-n8n: could not install n8n@${N8N_VERSION}: ${err.message}\n`);
    process.exit(1);
  }
}
