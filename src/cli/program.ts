/**
 * The `agentmesh` command: builds the commander program from the command
 * list below and runs it in-process, returning an exit code instead of
 * exiting, so tests and embedders drive the real CLI.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { resolveCliIO, type CliContext, type CliIO } from './cli-io.js';
import { agentCommand } from './commands/agent-serve.js';
import { agentsCommand } from './commands/agents.js';
import { sendCommand } from './commands/send.js';
import { upCommand } from './commands/up.js';
import { serveCommand } from './commands/serve.js';
import { clientsCommand } from './commands/clients.js';
import { keysCommand } from './commands/keys.js';
import { tokenCommand } from './commands/token.js';
import { auditCommand } from './commands/audit.js';
import { creditsCommand } from './commands/credits.js';
import { tasksCommand } from './commands/tasks.js';
import { workflowCommand } from './commands/workflow.js';
import { reportError } from './error-report.js';
import { ExitCodes } from './exit-codes.js';

/** Builds one top-level command; it reports its exit code through `ctx.setExitCode`. */
export type CommandFactory = (ctx: CliContext) => Command;

/**
 * Every top-level command, in help order. This is the one place commands are
 * registered: append `up`, `serve`, `agent` here.
 */
export const COMMANDS: readonly CommandFactory[] = [upCommand, serveCommand, agentCommand, sendCommand, tasksCommand, workflowCommand, agentsCommand, clientsCommand, keysCommand, tokenCommand, creditsCommand, auditCommand];

const EXAMPLES = `
Examples:
  $ agentmesh send http://localhost:8080/agents/sales "Score last week's leads" --stream
  $ agentmesh tasks list http://localhost:8080/agents/sales --state working
  $ agentmesh agents search "score leads" --registry http://localhost:4100
  $ agentmesh <command> --help

Environment: AGENTMESH_TOKEN (default bearer token), AGENTMESH_DEBUG=1 (print full errors).
`;

/** Exit-code holder per built program; commander ignores action return values. */
const exitCodes = new WeakMap<Command, { code: number }>();

/**
 * Builds the program with every command of {@link COMMANDS}, writing to `io`.
 *
 * @example
 * const program = buildProgram(resolveCliIO());
 * program.helpInformation();
 */
export function buildProgram(io: CliIO): Command {
  const state = { code: ExitCodes.OK as number };
  const ctx: CliContext = {
    io,
    setExitCode: (code) => {
      state.code = code;
    },
  };
  const program = new Command('agentmesh')
    .description('agentmesh: talk to A2A agents and run the agent mesh')
    .version(readOwnVersion(), '-V, --version', 'print the agentmesh version')
    .addHelpText('after', EXAMPLES);
  for (const factory of COMMANDS) program.addCommand(factory(ctx));
  applySettings(program, io);
  exitCodes.set(program, state);
  return program;
}

/**
 * Runs the CLI with `argv` (the user arguments, without `node` and the
 * script) and resolves to the exit code: 0 ok, 1 failure, 2 bad usage,
 * 3 task waiting for input.
 *
 * @example
 * const out: string[] = [];
 * const code = await runCli(['tasks', 'get', url, id, '--json'], { stdout: { write: (s) => out.push(s) } });
 */
export async function runCli(argv: readonly string[], io: Partial<CliIO> = {}): Promise<number> {
  const resolved = resolveCliIO(io);
  const program = buildProgram(resolved);
  // Commands registered after buildProgram get the same output and exit handling.
  applySettings(program, resolved);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCodes.get(program)?.code ?? ExitCodes.OK;
  } catch (err) {
    // Commander already printed its message (help, version, usage error).
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCodes.OK : ExitCodes.USAGE;
    return reportError(resolved, err);
  }
}

/** Entry point of the `agentmesh` binary: runs with `process.argv` and sets the exit code. */
export async function main(argv: readonly string[]): Promise<void> {
  process.exitCode = await runCli(argv.slice(2));
}

/**
 * Output, exit handling and error help on every command: commander copies
 * these only into commands made with `.command()`, not `addCommand()`.
 */
function applySettings(command: Command, io: CliIO): void {
  command
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(add --help for usage)');
  for (const sub of command.commands) applySettings(sub, io);
}

/** The package version, found by walking up from this file (src/ under tsx, dist/src/ when built). */
function readOwnVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'agentmesh' && typeof pkg.version === 'string') return pkg.version;
    }
    if (dirname(dir) === dir) return '0.0.0';
  }
}
