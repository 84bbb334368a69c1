/** `agentmesh agents config get|put|history|rollback`: an agent's versioned configs (seed 002). */
import { Command } from 'commander';
import { ErrorCodes, isAgentmeshError, Errors, isRecord } from '../../../protocol/index.js';
import type { CliContext } from '../../io/cli-io.js';
import { withSubcommands } from '../command-group.js';
import type { RegistryClient } from '../../role-apis/registry-client.js';
import { addRegistryOptions, agentNameCommand, examplesFor, collectKeyValue, printAnswer, readJsonObject, runRegistryCommand, type RegistryFlags } from './agents-options.js';
import { positiveInteger } from '../../io/positive-integer.js';
import { formatConfigHistory, formatConfigVersion } from './agents-render.js';

interface PutFlags extends RegistryFlags {
  file?: string;
  set?: Array<[string, string]>;
  comment?: string;
}

/**
 * Applies `--set a.b=value` pairs to a copy of `base`: dots make nested
 * objects, and a value that parses as JSON (`3`, `true`, `["x"]`, `"007"`)
 * is taken as that JSON, anything else as a string.
 */
export function applySets(base: Record<string, unknown>, sets: ReadonlyArray<readonly [string, string]>): Record<string, unknown> {
  const out = structuredClone(base);
  for (const [key, raw] of sets) {
    const path = key.split('.');
    if (path.some((p) => p === '')) throw Errors.cliConfigSetEmptySegment({ key });
    let target: Record<string, unknown> = out;
    for (const segment of path.slice(0, -1)) {
      const next = target[segment];
      if (isRecord(next)) target = next;
      else {
        const fresh: Record<string, unknown> = {};
        target[segment] = fresh;
        target = fresh;
      }
    }
    target[path[path.length - 1]!] = parseValue(raw);
  }
  return out;
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

const examples = examplesFor('agents config');

/** The active config, or `{}` when the agent has none yet (so `--set` can start one). */
async function activeOrEmpty(registry: RegistryClient, name: string): Promise<Record<string, unknown>> {
  try {
    return (await registry.activeConfig(name)).config;
  } catch (err) {
    if (isAgentmeshError(err) && err.code === ErrorCodes.REGISTRY_CONFIG_NOT_FOUND) return {};
    throw err;
  }
}

function getCommand(ctx: CliContext): Command {
  const command = new Command('get')
    .description('print the active config, or an older version')
    .argument('<name>', 'agent name')
    // A positional, not --version: the program's own --version would take that flag.
    .argument('[version]', 'this version instead of the active one', positiveInteger('config version'));
  addRegistryOptions(command).addHelpText('after', examples('get lead-scorer', 'get lead-scorer 2', 'get lead-scorer --json | jq .config'));
  command.action(async (name: string, wanted: number | undefined, flags: RegistryFlags) => {
    await runRegistryCommand(ctx, flags, async (registry, output) => {
      const version = wanted === undefined ? await registry.activeConfig(name) : await registry.configVersion(name, wanted);
      return printAnswer(ctx, output, version, formatConfigVersion);
    });
  });
  return command;
}

function putCommand(ctx: CliContext): Command {
  const command = new Command('put')
    .description('put a new config version, from --file and/or --set key=value (it becomes active)')
    .argument('<name>', 'agent name')
    .option('--file <config.json>', 'the whole config, from this JSON file')
    .option('--set <key=value>', 'set one key on the active config (or on --file); dots nest, JSON values parse (repeatable)', collectKeyValue)
    .option('--comment <text>', 'why this version exists (kept in the history)');
  addRegistryOptions(command).addHelpText(
    'after',
    examples('put lead-scorer --file ./scorer-config.json --comment "new weights"', 'put lead-scorer --set threshold=0.8 --set weights.recency=2', "put lead-scorer --set regions='[\"eu\",\"us\"]'") +
      '\n--set applies on the active config (or on --file when given); a value that parses as JSON is\ntaken as JSON, anything else as a string.\n',
  );
  command.action(async (name: string, flags: PutFlags) => {
    if (flags.file === undefined && flags.set === undefined) throw Errors.cliConfigNeedsInput({});
    const fromFile = flags.file === undefined ? undefined : await readJsonObject(flags.file, '--file');
    await runRegistryCommand(ctx, flags, async (registry, output) => {
      const base = fromFile ?? (await activeOrEmpty(registry, name));
      const config = applySets(base, flags.set ?? []);
      const version = await registry.putConfig(name, config, flags.comment);
      return printAnswer(ctx, output, version, () => `${name}: config version ${version.version} is active\n`);
    });
  });
  return command;
}

function historyCommand(ctx: CliContext): Command {
  return agentNameCommand(ctx, {
    name: 'history',
    description: 'list config versions, newest first',
    help: examples('history lead-scorer', 'history lead-scorer --json'),
    answer: async (registry, name, output) => {
      const versions = await registry.configVersions(name);
      return printAnswer(ctx, output, { versions }, () => formatConfigHistory(versions));
    },
  });
}

function rollbackCommand(ctx: CliContext): Command {
  const command = new Command('rollback')
    .description('make an old version active again (as a new version with its content)')
    .argument('<name>', 'agent name')
    .argument('<version>', 'the version to return to', positiveInteger('config version'));
  addRegistryOptions(command).addHelpText('after', examples('rollback lead-scorer 3'));
  command.action(async (name: string, version: number, flags: RegistryFlags) => {
    await runRegistryCommand(ctx, flags, async (registry, output) => {
      const created = await registry.rollbackConfig(name, version);
      return printAnswer(ctx, output, created, () => `${name}: config version ${created.version} is active (the content of version ${version})\n`);
    });
  });
  return command;
}

/** Builds the `agents config` group. */
export function agentsConfigCommand(ctx: CliContext): Command {
  return withSubcommands(new Command('config').description("read and change an agent's versioned config: get, put, history, rollback"), {
    commands: [getCommand(ctx), putCommand(ctx), historyCommand(ctx), rollbackCommand(ctx)],
    helpAfter: `
Examples:
  $ agentmesh agents config get lead-scorer
  $ agentmesh agents config get lead-scorer 2
  $ agentmesh agents config put lead-scorer --file ./scorer-config.json --comment "new weights"
  $ agentmesh agents config put lead-scorer --set threshold=0.8 --set weights.recency=2
  $ agentmesh agents config history lead-scorer
  $ agentmesh agents config rollback lead-scorer 3

Every put makes a new immutable version and activates it; agents running
with REGISTRY_URL pick it up at once (ctx.config). Rollback copies an old
version into a new one, so the history stays linear.
`,
  });
}
