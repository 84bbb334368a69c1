/** Runs the real CLI in-process and captures what it prints. */
import { Readable } from 'node:stream';
import { CommanderError, type Command } from 'commander';
import { resolveCliIO, runCli } from '../../../src/cli/index.js';
import type { CliContext, CliIO } from '../../../src/cli/index.js';
import { reportError } from '../../../src/cli/io/error-report.js';
import { isolatedCliEnv } from '../../helpers/isolated-cli-env.js';

/** A write sink that keeps the text and lets a test await a substring. */
export class Capture {
  text = '';
  readonly #waiters: { needle: string; resolve: () => void }[] = [];

  write(chunk: string): boolean {
    this.text += chunk;
    for (const waiter of [...this.#waiters]) {
      if (this.text.includes(waiter.needle)) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
    return true;
  }

  /** Resolves once the captured text contains `needle`. */
  waitFor(needle: string): Promise<void> {
    if (this.text.includes(needle)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ needle, resolve }));
  }

  get lines(): string[] {
    return this.text.split('\n').filter((l) => l !== '');
  }
}

/** Result of one CLI run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link cli} besides argv. */
export interface CliRunOptions {
  env?: Record<string, string | undefined>;
  stdin?: string;
  fetchImpl?: typeof fetch;
  stdout?: Capture;
  stderr?: Capture;
}

/**
 * Runs `agentmesh <argv>` in-process, with the environment `options.env` on a HOME and a data dir of the
 * test process's own (isolatedCliEnv): never the clone's `./.agentmesh`.
 */
export async function cli(argv: string[], options: CliRunOptions = {}): Promise<CliRun> {
  const stdout = options.stdout ?? new Capture();
  const stderr = options.stderr ?? new Capture();
  const io: Partial<CliIO> = { stdout, stderr, env: isolatedCliEnv(options.env), stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]) };
  if (options.fetchImpl) io.fetchImpl = options.fetchImpl;
  const code = await runCli(argv, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/**
 * Runs `argv` through the command `build` makes (one command group, or a program holding several)
 * in-process, the way runCli does: its output captured, a Commander exit 0 for help and 2 for a
 * usage error, any other error reported as runCli reports it. `lines` are stdout's non-empty lines.
 * The environment is `env` on a HOME and a data dir of the test process's own (isolatedCliEnv).
 */
export async function runCommand(build: (ctx: CliContext) => Command, argv: string[], env: Record<string, string | undefined> = {}): Promise<CliRun & { lines: string[] }> {
  const stdout = new Capture();
  const stderr = new Capture();
  let code = 0;
  const ctx: CliContext = { io: resolveCliIO({ stdout, stderr, env: isolatedCliEnv(env) }), setExitCode: (c) => (code = c) };
  const command = build(ctx);
  const settle = (c: Command): void => {
    c.exitOverride().configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) });
    for (const sub of c.commands) settle(sub);
  };
  settle(command);
  try {
    await command.parseAsync(argv, { from: 'user' });
  } catch (err) {
    code = err instanceof CommanderError ? (err.exitCode === 0 ? 0 : 2) : await reportError(ctx.io, err);
  }
  return { code, stdout: stdout.text, stderr: stderr.text, lines: stdout.lines };
}

/** Runs the CLI with `--json` and parses stdout as one JSON document. */
export async function cliJson(argv: string[], options: CliRunOptions = {}): Promise<CliRun & { json: Record<string, unknown> }> {
  const run = await cli([...argv, '--json'], options);
  return { ...run, json: JSON.parse(run.stdout) as Record<string, unknown> };
}
