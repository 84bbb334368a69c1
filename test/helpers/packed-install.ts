/**
 * agentmesh installed as a user gets it, without the network: `npm pack`
 * (which builds through `prepare`), the tarball unpacked as
 * node_modules/agentmesh of a project, and the project's other dependencies
 * linked to this repository's installed ones.
 * test/unit/package/dependencies.test.ts holds every import of the shipped
 * code to a declared dependency, so the links stand for what npm would install.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);

/** This repository's root. */
export const repo = new URL('../../', import.meta.url).pathname;

/** The repository's TypeScript compiler, for compiling a project against the installed package. */
export const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');

/** Packs this repository into `dir` and resolves with the tarball's path. */
export async function packAgentmesh(dir: string): Promise<string> {
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: repo, maxBuffer: 16 << 20 });
  return join(dir, stdout.trim().split('\n').pop()!);
}

/**
 * Installs `tarball` as `project`/node_modules/agentmesh and links every
 * other package of this repository's node_modules beside it. With `bins`,
 * node_modules/.bin holds the repository's executables and `agentmesh`, as
 * `npm install` would make it, so the project's npm scripts run.
 */
export async function installPacked(project: string, tarball: string, options: { bins?: boolean } = {}): Promise<void> {
  const modules = join(project, 'node_modules');
  const installed = join(modules, 'agentmesh');
  mkdirSync(installed, { recursive: true });
  await run('tar', ['xzf', tarball, '-C', installed, '--strip-components=1']);
  for (const entry of readdirSync(join(repo, 'node_modules'))) {
    if (entry !== 'agentmesh' && !entry.startsWith('.')) symlinkSync(join(repo, 'node_modules', entry), join(modules, entry));
  }
  if (!options.bins) return;
  const bin = join(modules, '.bin');
  mkdirSync(bin);
  for (const entry of readdirSync(join(repo, 'node_modules', '.bin'))) symlinkSync(join(repo, 'node_modules', '.bin', entry), join(bin, entry));
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
