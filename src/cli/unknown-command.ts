/**
 * A command line that names no command where one is expected, found before
 * commander parses it. Commander prints the help asked for before it looks
 * at the command (`agentmesh nosuch --help`, `agentmesh help nosuch` printed
 * the whole help and exited 0), and suggests only names of the same group
 * (`agentmesh agent list` got no hint, though `agents list` exists). runCli
 * reports such a line as the usage error it is.
 */
import type { Command, Option } from 'commander';

/** Where a command line names no command: the group that expected one, the words leading to it, and the word. */
export interface UnknownCommand {
  group: Command;
  /** The command words from the program down to `group` (empty at the top). */
  path: string[];
  word: string;
}

/**
 * The first operand of `argv` (the user arguments) that should name a
 * subcommand of the group reached so far and names none, read as commander
 * reads it: options are skipped with the value they take, and the operands
 * of a command without subcommands are its arguments. `help <word>` asks for
 * `<word>` at that level.
 *
 * @example
 * unknownCommandIn(program, ['agent', 'list'])?.word; // 'list'
 */
export function unknownCommandIn(program: Command, argv: readonly string[]): UnknownCommand | undefined {
  let group = program;
  const path: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--') return undefined;
    if (arg.startsWith('-')) {
      if (takesSeparateValue(group.options, arg)) i += 1;
      continue;
    }
    // A command without subcommands (or one that also takes arguments) reads its operands as arguments.
    if (group.commands.length === 0 || group.registeredArguments.length > 0) return undefined;
    // `help <word>`: the help of a command of this group (commander's own help command is not in `commands`).
    const word = arg === 'help' && !findCommand(group, 'help') ? argv[i + 1] : arg;
    if (word === undefined) return undefined;
    const sub = findCommand(group, word);
    if (sub === undefined) return { group, path, word };
    if (word !== arg) return undefined;
    group = sub;
    path.push(word);
  }
  return undefined;
}

/**
 * Of the top-level commands, the one that differs from `unknown`'s group by
 * a plural `s` (`agent`, `agents`) and has a subcommand named as the word,
 * built with `load` (it may not be loaded yet): `agents list` for
 * `agent list`. Undefined when there is none.
 */
export async function siblingCommand(unknown: UnknownCommand, topLevel: readonly { name: string; load: () => Promise<Command> }[]): Promise<string | undefined> {
  if (unknown.path.length !== 1) return undefined;
  const name = unknown.path[0]!;
  for (const entry of topLevel) {
    if (entry.name !== `${name}s` && `${entry.name}s` !== name) continue;
    const command = await entry.load();
    if (findCommand(command, unknown.word) !== undefined) return `${entry.name} ${unknown.word}`;
  }
  return undefined;
}

/**
 * `agent serve <file>` for `serve <file>`: `serve` runs a role by name, and
 * a module path given to it is an agent the user wrote, which `agent serve`
 * runs. Undefined for anything else.
 *
 * @example
 * agentModuleCommand({ group, path: ['serve'], word: './greeter.ts' }); // 'agent serve ./greeter.ts'
 */
export function agentModuleCommand(unknown: UnknownCommand): string | undefined {
  if (unknown.path.length !== 1 || unknown.path[0] !== 'serve') return undefined;
  return /\.[cm]?[jt]s$/.test(unknown.word) || unknown.word.includes('/') ? `agent serve ${unknown.word}` : undefined;
}

function findCommand(group: Command, name: string): Command | undefined {
  return group.commands.find((c) => c.name() === name || c.aliases().includes(name));
}

/** Whether `arg` is an option of `options` whose value is the next argument (`--registry URL`, not `--registry=URL`). */
function takesSeparateValue(options: readonly Option[], arg: string): boolean {
  if (arg.includes('=')) return false;
  const option = options.find((o) => o.long === arg || o.short === arg);
  return option !== undefined && (option.required || option.optional);
}
