import type { Command } from 'commander';

/** The parts of a command group below its name and description. */
export interface Subcommands {
  /** The subcommands, in the order `--help` lists them. */
  commands: readonly Command[];
  /** Printed after the group's help: examples, and where its calls go. */
  helpAfter: string;
}

/**
 * `group` (a `new Command(name).description(…)`) with its subcommands and
 * the help text after them: what every command family's group file
 * (`agentmesh clients …`, `agentmesh agents config …`) is made of.
 *
 * @example
 * return withSubcommands(new Command('keys').description("manage the gateway's API keys"), {
 *   commands: [keysCreateCommand(ctx), credentialListCommand(ctx, API_KEYS)],
 *   helpAfter: '\nExamples:\n  $ agentmesh keys list\n',
 * });
 */
export function withSubcommands(group: Command, parts: Subcommands): Command {
  for (const command of parts.commands) group.addCommand(command);
  return group.addHelpText('after', parts.helpAfter);
}
