import assert from 'node:assert/strict';
import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { isolatedChildEnv } from './isolated-cli-env.js';
import { TS_CHILD_ARGV } from './typescript-child.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `agentmesh <args>` (the CLI from its TypeScript source) as a child process with stdout and stderr piped,
 * run from the repository root (paths in `args` are relative to it). Its environment is this process's
 * without agentmesh's variables, on a HOME and a data dir of the test's own (isolatedChildEnv), with
 * LOG_LEVEL=warn and `env` on top; a variable given as undefined is left out.
 */
export function spawnCli(args: string[], env: Record<string, string | undefined> = {}): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, [...TS_CHILD_ARGV, 'src/cli/bin.ts', ...args], { cwd: REPO, env: isolatedChildEnv({ LOG_LEVEL: 'warn', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Sends `signal` to `child` unless it has already exited, and resolves with its exit code once it has. */
export async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
  child.kill(signal);
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

/**
 * Resolves with the first group of `pattern`'s first match in a child's stdout (a
 * "listening on …" line: an event, not a sleep); rejects, with what it
 * printed, if the child exits first.
 */
export function waitForOutput(child: ChildProcess, pattern: RegExp, what: string): Promise<string> {
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = pattern.exec(out);
      if (match) resolve(match[1] ?? match[0]);
    });
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`${what} exited early with ${code}: ${out}`)));
  });
}

/** How long a failed start may take from its `error: …` line to the exit: 5 s. */
export const EXIT_BOUND_MS = 5_000;

/**
 * Runs `agentmesh <args>` (the CLI from its TypeScript source) to its exit, resolving with its
 * exit code and output. The bound runs from the CLI's error report (`error: …`):
 * loading the CLI from its TypeScript source is not the role's start-up. A child still alive
 * EXIT_BOUND_MS after it is killed, and the call fails.
 */
export async function runToExit(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  const child = spawnCli(args, env);
  let output = '';
  let bound: NodeJS.Timeout | undefined;
  const onOutput = (c: Buffer) => {
    output += c.toString();
    if (bound === undefined && /^error: /m.test(output)) bound = setTimeout(() => child.kill('SIGKILL'), EXIT_BOUND_MS);
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(bound);
  assert.equal(signal, null, `still running ${EXIT_BOUND_MS} ms after its error, killed; output: ${output}`);
  return { code, output };
}
