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
