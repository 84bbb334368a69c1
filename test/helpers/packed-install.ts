/**
 * agentmesh installed as a user gets it, without the network: `npm pack`
 * (which builds through `prepare`), the tarball unpacked as
 * node_modules/agentmesh of a project, and the project's other dependencies
 * linked to this repository's installed ones.
 * test/unit/package/dependencies.test.ts holds every import of the shipped
 * code to a declared dependency, so the links stand for what npm would install.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);

/** This repository's root. */
export const repo = new URL('../../', import.meta.url).pathname;

/** The repository's TypeScript compiler, for compiling a project against the installed package. */
export const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * Packs this repository and resolves with a copy of the tarball in `dir`.
 * One pack per state of the sources, shared by the test files that ask at
 * the same time (they run in parallel): `npm pack` builds into dist/, and
 * two builds writing one dist/ at once would race. The pack is cached in the
 * temp dir under a hash of HEAD and the working tree's changes; a lock
 * directory makes the others wait for the first.
 */
export async function packAgentmesh(dir: string): Promise<string> {
  const head = (await run('git', ['rev-parse', 'HEAD'], { cwd: repo })).stdout;
  const changes = (await run('git', ['diff', 'HEAD', '--binary'], { cwd: repo, maxBuffer: 256 << 20 })).stdout;
  const untracked = (await run('git', ['ls-files', '--others', '--exclude-standard'], { cwd: repo, maxBuffer: 16 << 20 })).stdout;
  const key = createHash('sha256').update(head).update(changes).update(untracked).digest('hex').slice(0, 16);
  const cacheDir = join(tmpdir(), 'agentmesh-pack-cache');
  mkdirSync(cacheDir, { recursive: true });
  const cached = join(cacheDir, `agentmesh-${key}.tgz`);
  const lock = join(cacheDir, `agentmesh-${key}.lock`);
  while (!existsSync(cached)) {
    try {
      mkdirSync(lock);
    } catch {
      // Another test file is packing: wait for its tarball (a lock left by a killed run is dropped after 10 minutes).
      const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
      if (since !== undefined && Date.now() - since > 600_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    try {
      const staging = mkdtempSync(join(cacheDir, 'pack-'));
      const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', staging], { cwd: repo, maxBuffer: 16 << 20 });
      renameSync(join(staging, stdout.trim().split('\n').pop()!), cached);
      rmSync(staging, { recursive: true, force: true });
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  const tarball = join(dir, 'agentmesh.tgz');
  copyFileSync(cached, tarball);
  return tarball;
}

/**
 * Installs `tarball` as `project`/node_modules/agentmesh and links every
 * other package of this repository's node_modules beside it, but those
 * `without` names (and their executables): a project that does not have
 * them. With `bins`, node_modules/.bin holds the repository's executables
 * and `agentmesh`, as `npm install` would make it, so the project's npm
 * scripts run.
 */
export async function installPacked(project: string, tarball: string, options: { bins?: boolean; without?: readonly string[] } = {}): Promise<void> {
  const modules = join(project, 'node_modules');
  const installed = join(modules, 'agentmesh');
  const without = new Set(['agentmesh', ...(options.without ?? [])]);
  mkdirSync(installed, { recursive: true });
  await run('tar', ['xzf', tarball, '-C', installed, '--strip-components=1']);
  for (const entry of readdirSync(join(repo, 'node_modules'))) {
    if (!without.has(entry) && !entry.startsWith('.')) symlinkSync(join(repo, 'node_modules', entry), join(modules, entry));
  }
  if (!options.bins) return;
  const bin = join(modules, '.bin');
  mkdirSync(bin);
  for (const entry of readdirSync(join(repo, 'node_modules', '.bin'))) {
    const target = realpathSync(join(repo, 'node_modules', '.bin', entry));
    // An executable of a package left out is left out with it.
    if ([...without].some((name) => target.startsWith(join(realpathSync(join(repo, 'node_modules')), name) + sep))) continue;
    symlinkSync(join(repo, 'node_modules', '.bin', entry), join(bin, entry));
  }
  symlinkSync(join('..', 'agentmesh', 'dist', 'src', 'cli', 'bin.js'), join(bin, 'agentmesh'));
  // npm makes a package's bin executable when it links it; so does this.
  chmodSync(join(installed, 'dist', 'src', 'cli', 'bin.js'), 0o755);
}

/** An environment for a test runner started inside a test: without NODE_TEST_CONTEXT it reports to this process's runner instead of printing. */
export function childTestEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['NODE_TEST_CONTEXT'];
  return env;
}
