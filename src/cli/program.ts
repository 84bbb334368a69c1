/**
 * The `agentmesh` command: builds the commander program from the command
 * list below and runs it in-process, returning an exit code instead of
 * exiting, so tests and embedders drive the real CLI.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { resolveCliIO, type CliContext, type CliIO } from './io/cli-io.js';
import { commandsNamedIn } from './launch/command-operands.js';
import { ExitCodes } from './io/exit-codes.js';
import { withSecretFiles } from './config/secret-files.js';
import { agentModuleCommand, siblingCommand, unknownCommandIn } from './unknown-command.js';

/** Builds one top-level command; it reports its exit code through `ctx.setExitCode`. */
export type CommandFactory = (ctx: CliContext) => Command;

/**
 * A top-level command as `agentmesh --help` lists it, and how to load it.
 * Only the command a run names is imported (CONTRIBUTING.md, "Load what you use"): its module pulls
 * in a role, the SDK or the schemas, and `--help` should cost what Node costs.
 * `term` and `summary` are what the help lists; a test holds them equal to
 * what the loaded command says of itself.
 */
export interface CommandEntry {
  name: string;
  /** The help's left column: `send [options] <url> [text]`. */
  term: string;
  summary: string;
  load: () => Promise<CommandFactory>;
}

export { commandsNamedIn } from './launch/command-operands.js';

/** Every top-level command, in help order. This is the one place commands are registered. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'up', term: 'up [options]', summary: 'run the mesh in one process on the embedded SQLite store (registry, gateway, example agents, orchestrator)', load: async () => (await import('./commands/up/up.js')).upCommand },
  { name: 'serve', term: 'serve', summary: 'run one agentmesh role', load: async () => (await import('./commands/serve.js')).serveCommand },
  { name: 'init', term: 'init [options] <dir>', summary: 'create a new agent project: a typed skill, its test, a README and a Dockerfile', load: async () => (await import('./commands/init/init.js')).initCommand },
  { name: 'agent', term: 'agent', summary: 'run an agent you wrote', load: async () => (await import('./commands/agent-serve.js')).agentCommand },
  { name: 'send', term: 'send [options] <url> [text]', summary: 'send a message to an A2A agent and print the task or reply', load: async () => (await import('./commands/send.js')).sendCommand },
  { name: 'tasks', term: 'tasks', summary: 'inspect, list, cancel and follow tasks of an A2A agent', load: async () => (await import('./commands/tasks/tasks.js')).tasksCommand },
  { name: 'workflow', term: 'workflow', summary: 'run workflows on the orchestrator and follow, list, show, cancel and resume their runs', load: async () => (await import('./commands/workflow/workflow.js')).workflowCommand },
  { name: 'route', term: 'route [options] <text>', summary: 'show where the router would send a request and why (nothing is sent)', load: async () => (await import('./commands/route.js')).routeCommand },
  { name: 'agents', term: 'agents', summary: 'find, inspect and manage agents in the registry', load: async () => (await import('./commands/agents/agents.js')).agentsCommand },
  { name: 'clients', term: 'clients', summary: "manage the gateway's OAuth clients (client credentials)", load: async () => (await import('./commands/clients/clients.js')).clientsCommand },
  { name: 'keys', term: 'keys', summary: "manage the gateway's API keys (X-API-Key)", load: async () => (await import('./commands/keys/keys.js')).keysCommand },
  { name: 'token', term: 'token [options]', summary: 'get an access token from the gateway (OAuth 2.0 client credentials)', load: async () => (await import('./commands/token.js')).tokenCommand },
  { name: 'credits', term: 'credits', summary: "read tenants' credit balances, usage and holds, add credits, release holds", load: async () => (await import('./commands/credits/credits.js')).creditsCommand },
  { name: 'approvals', term: 'approvals', summary: 'list the calls waiting for an approval, approve or deny them, and manage the rules that park them', load: async () => (await import('./commands/approvals/approvals.js')).approvalsCommand },
  { name: 'policy', term: 'policy', summary: "manage the gateway's policies: who may call what, when, and how often", load: async () => (await import('./commands/policy/policy.js')).policyCommand },
  { name: 'audit', term: 'audit', summary: 'verify, tail and export the hash-chained audit trail (reads the database directly)', load: async () => (await import('./commands/audit/audit.js')).auditCommand },
  { name: 'migrate', term: 'migrate [options]', summary: "apply every role's schema migrations to the configured database, then exit", load: async () => (await import('./commands/migrate.js')).migrateCommand },
  { name: 'secrets', term: 'secrets', summary: 'finish a rotation of GATEWAY_SECRET or AGENTMESH_SECRET: re-seal what the previous one sealed (reads the database directly)', load: async () => (await import('./commands/secrets/secrets.js')).secretsCommand },
  {
    name: 'completion',
    term: 'completion <shell>',
    summary: 'print a shell completion script (bash or zsh)',
    // The script lists every command: the command gets the whole program's builder, since it cannot import this file back.
    load: async () => {
      const { completionCommand } = await import('./commands/completion.js');
      return (ctx) => completionCommand(ctx, () => buildProgram(ctx.io, 'all'));
    },
  },
];

const EXAMPLES = `
Examples:
  $ agentmesh send http://localhost:4200/agents/lead-scorer "Score last week's leads" --stream
  $ agentmesh tasks list http://localhost:4200/agents/lead-scorer --state working
  $ agentmesh agents search "score leads" --registry http://localhost:4100
  $ agentmesh <command> --help

Environment: AGENTMESH_TOKEN (default bearer token), AGENTMESH_DEBUG=1 (print full errors).
`;

/** Exit-code holder per built program; commander ignores action return values. */
const exitCodes = new WeakMap<Command, { code: number }>();

/**
 * Builds the program: the commands `load` names are imported and built in
 * full, the others are listed by name and summary only ({@link COMMANDS}).
 * `'all'` (the default) loads every command.
 *
 * @example
 * const program = await buildProgram(resolveCliIO());
 * program.helpInformation();
 */
export async function buildProgram(io: CliIO, load: ReadonlySet<string> | 'all' = 'all'): Promise<Command> {
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
  const terms = new Map(COMMANDS.map((entry) => [entry.name, entry.term]));
  const defaultTerm = program.createHelp().subcommandTerm.bind(program.createHelp());
  program.configureHelp({ subcommandTerm: (cmd) => terms.get(cmd.name()) ?? defaultTerm(cmd) });
  const factories = await Promise.all(COMMANDS.map((entry) => (load === 'all' || load.has(entry.name) ? entry.load() : undefined)));
  COMMANDS.forEach((entry, i) => {
    const factory = factories[i];
    program.addCommand(factory ? factory(ctx) : new Command(entry.name).description(entry.summary));
  });
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
  const program = await buildProgram(resolved, commandsNamedIn(argv));
  // Commands registered after buildProgram get the same output and exit handling.
  applySettings(program, resolved);
  try {
    // A word naming no command is a usage error, even with --help (which commander would answer
    // first, with the whole help and exit 0); a word another group has gets its name as the hint.
    const unknown = unknownCommandIn(program, argv);
    if (unknown !== undefined) {
      // Built to read its subcommands only: it never runs.
      const inspect: CliContext = { io: resolved, setExitCode: () => undefined };
      const sibling = agentModuleCommand(unknown) ?? (await siblingCommand(unknown, COMMANDS.map((entry) => ({ name: entry.name, load: async () => (await entry.load())(inspect) }))));
      if (sibling !== undefined) {
        resolved.stderr.write(`error: unknown command '${[...unknown.path, unknown.word].join(' ')}'\n(Did you mean ${sibling}?)\n(add --help for usage)\n`);
        return ExitCodes.USAGE;
      }
      // Commander's own words and suggestion, for the word alone at its level.
      await program.parseAsync([...unknown.path, unknown.word], { from: 'user' });
      return ExitCodes.USAGE;
    }
    // Read before any command runs, so every command and role sees the secrets the same way.
    resolved.env = withSecretFiles(resolved.env);
    await presentClientCertificate(resolved);
    await program.parseAsync([...argv], { from: 'user' });
    return exitCodes.get(program)?.code ?? ExitCodes.OK;
  } catch (err) {
    // Commander already printed its message (help, version, usage error).
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCodes.OK : ExitCodes.USAGE;
    // Loaded when needed: it reads the wire error table and the SDK's error classes.
    const { reportError } = await import('./io/error-report.js');
    return reportError(resolved, err);
  }
}

/**
 * With `TLS_CLIENT_CERT_FILE`/`TLS_CLIENT_KEY_FILE` or `TLS_CA_FILE` set (and
 * no fetch given by an embedder), every outbound call of the command goes
 * through a fetch that presents and trusts them on https URLs; the modules
 * load only then, and the files are read at the first https call.
 */
async function presentClientCertificate(io: CliIO): Promise<void> {
  if (io.fetchImpl !== undefined || !(io.env['TLS_CLIENT_CERT_FILE'] || io.env['TLS_CLIENT_KEY_FILE'] || io.env['TLS_CA_FILE'])) return;
  const [{ cliTlsFromEnv }, { createHttpFetch }, { withTraceparent }] = await Promise.all([import('./client/cli-tls.js'), import('./client/http-fetch.js'), import('./client/outbound-fetch.js')]);
  const tls = cliTlsFromEnv(io.env);
  if (tls !== undefined) io.fetchImpl = withTraceparent(createHttpFetch({ tls }));
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
