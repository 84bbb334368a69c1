/**
 * The entry points of agentmesh, run on a Node.js it does not run on: the
 * `agentmesh` and `create-agentmesh` executables of an installed copy, each
 * module the package exports imported by a project, and the repository's
 * `npm start` (scripts/start.mjs). Shared by the test on a Node that plays an
 * older one (test/integration/package/node-version-entries.test.ts) and the
 * one on a real older Node (older-node.test.ts, tools tier).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installPacked, packAgentmesh, repo } from './packed-install.js';

/** A module project under `work` with agentmesh packed from this checkout and installed, its executables included: where the entries run. */
export async function installedProject(work: string): Promise<string> {
  const project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'older-node', private: true, type: 'module' }));
  await installPacked(project, await packAgentmesh(work), { bins: true });
  return project;
}

/** What one run printed and how it ended. */
export interface EntryRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node [nodeArgs…] args…` in `cwd` to its end (60 s at most). */
export function runNode(node: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<EntryRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The `agentmesh/…` specifiers of package.json `exports` (`agentmesh` for `.`), the package.json itself left out. */
export function exportedSpecifiers(): string[] {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  return Object.keys(pkg.exports)
    .filter((key) => key !== './package.json')
    .map((key) => (key === '.' ? 'agentmesh' : `agentmesh/${key.slice(2)}`));
}

/**
 * A module that imports each of `specifiers` in turn and prints, one line
 * each, `<specifier> imported` or `<specifier> <name>: <message>` of the error
 * its import failed with. One process for all: the modules they share are
 * read once.
 */
export function importProgram(specifiers: readonly string[]): string {
  return `for (const specifier of ${JSON.stringify(specifiers)}) {
  try { await import(specifier); console.log(specifier, 'imported'); } catch (err) { console.log(specifier, \`\${err.name}: \${err.message}\`); }
}`;
}

/** Commands of the `agentmesh` executable each run checks: help, the mesh (where Node 20 crashed), a client command. */
export const AGENTMESH_ARGS: readonly (readonly string[])[] = [['--help'], ['up', '--port', '0', '--registry-port', '0', '--gateway-port', '0', '--orchestrator-port', '0'], ['agents', 'list']];
