/**
 * The options every `agentmesh agents …` command shares (`--registry`,
 * `--token`, `--json`, `--timeout`) and the runner that turns them into a
 * registry client, a deadline and an exit code.
 */
import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { ErrorCodes, Errors, isAgentmeshError, isRecord, relayed, errorMessage, errorCode } from '../../../protocol/index.js';
import type { CliContext } from '../../io/cli-io.js';
import { ExitCodes, type ExitCode } from '../../io/exit-codes.js';
import { addRoleTimeoutOption, runRoleCommand, type RoleCommandFlags } from '../../client/role-command.js';
import { openRegistry, type RegistryClient } from '../../role-apis/registry-client.js';
import { chooseRoleUrl, explainUnreachable, roleUrlDefaultHelp } from '../../role-apis/role-url-choice.js';

/** Parsed values of the shared options. */
/** The help text's "Examples:" section for `agentmesh <group>`'s subcommands: each line is shown after `$ agentmesh <group> `. */
export function examplesFor(group: string): (...lines: string[]) => string {
  return (...lines) => `\nExamples:\n${lines.map((l) => `  $ agentmesh ${group} ${l}\n`).join('')}`;
}

export interface RegistryFlags extends RoleCommandFlags {
  registry?: string;
  token?: string;
}

/** Adds the shared options to `command`. */
export function addRegistryOptions(command: Command): Command {
  return addRoleTimeoutOption(
    command
      .option('--registry <url>', `registry base URL (${roleUrlDefaultHelp('registry')})`)
      .option('--token <bearer>', 'bearer token, sent as Authorization; writes need registry:write (default: $REGISTRY_TOKEN)')
      .option('--json', "print the registry's JSON instead of tables"),
  );
}

/** What {@link agentNameCommand} builds: the command's name, description, help after the options, and its answer. */
export interface AgentNameCommandSpec {
  name: string;
  description: string;
  help: string;
  answer: (registry: RegistryClient, agent: string, output: { json: boolean }) => Promise<ExitCode>;
}

/** An `agents …` command on one agent, `<name>`, with the shared options: its answer runs under {@link runRegistryCommand}. */
export function agentNameCommand(ctx: CliContext, spec: AgentNameCommandSpec): Command {
  const command = new Command(spec.name).description(spec.description).argument('<name>', 'agent name');
  addRegistryOptions(command).addHelpText('after', spec.help);
  command.action(async (agent: string, flags: RegistryFlags) => {
    await runRegistryCommand(ctx, flags, (registry, output) => spec.answer(registry, agent, output));
  });
  return command;
}

/** Builds the registry client from the shared flags and runs `body` under the `--timeout` deadline ({@link runRoleCommand}). */
export async function runRegistryCommand(ctx: CliContext, flags: RegistryFlags, body: (registry: RegistryClient, output: { json: boolean }) => Promise<ExitCode>): Promise<void> {
  const where = chooseRoleUrl('registry', flags.registry, ctx.io.env);
  const url = where.url;
  let unknown: string | undefined;
  const onUnknownAgent = (name: string) => (unknown = name);
  try {
    await runRoleCommand(ctx, 'registry', flags, (signal) => openRegistry({ url, token: flags.token ?? ctx.io.env.REGISTRY_TOKEN, fetchImpl: ctx.io.fetchImpl, signal, onUnknownAgent }), body);
  } catch (err) {
    if (unknown === undefined || !isAgentmeshError(err) || err.code !== ErrorCodes.REGISTRY_AGENT_NOT_FOUND) throw explainUnreachable(err, where, ctx.io.env);
    // A name the registry does not have is a typo, most likely: the names near it, and where to see them all.
    const { unknownAgentHint } = await import('../../client/unknown-agent.js');
    const listCommand = `agentmesh agents list${flags.registry === undefined ? '' : ` --registry ${flags.registry}`}`;
    const hint = await unknownAgentHint(unknown, { registryUrl: url, listCommand, fetchImpl: ctx.io.fetchImpl });
    throw relayed(err.code, err.message, { cause: err, details: { hint } });
  }
}

/** Reads and parses a JSON file named on the command line; a bad one is a usage error (exit 2). */
export async function readJsonFile(path: string, option: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw Errors.cliFileUnreadable({ option, path, reason: errorCode(err) ?? errorMessage(err) }, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // JSON.parse quotes the text it choked on, line breaks included: one line is what we print.
    throw Errors.cliFileNotJson({ option, path, reason: errorMessage(err).replace(/\s+/g, ' ') }, { cause: err });
  }
}

/** Reads a JSON file that must hold an object. */
export async function readJsonObject(path: string, option: string): Promise<Record<string, unknown>> {
  const value = await readJsonFile(path, option);
  if (!isRecord(value)) throw Errors.cliFileNotObject({ option, path });
  return value;
}

/** Collects a repeatable `key=value` option into pairs. */
export function collectKeyValue(value: string, previous: Array<[string, string]> | undefined): Array<[string, string]> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected key=value');
  return [...(previous ?? []), [value.slice(0, eq).trim(), value.slice(eq + 1)]];
}

/** Prints a value as one line of JSON, like every `--json` of the CLI. */
export function printJson(ctx: CliContext, value: unknown): void {
  ctx.io.stdout.write(`${JSON.stringify(value)}\n`);
}

/**
 * Prints a command's answer: its JSON with `--json`, else `text` of it; the command succeeded.
 * `text` runs only when it is printed.
 */
export function printAnswer<T>(ctx: CliContext, output: { json: boolean }, value: T, text: (value: T) => string): ExitCode {
  if (output.json) printJson(ctx, value);
  else ctx.io.stdout.write(text(value));
  return ExitCodes.OK;
}
