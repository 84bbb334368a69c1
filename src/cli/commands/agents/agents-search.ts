/** `agentmesh agents search "<text>"`: ARD search, results ranked by score (0–100). */
import { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { addRegistryOptions, collectKeyValue, printAnswer, runRegistryCommand, type RegistryFlags } from './agents-options.js';
import { positiveInteger } from '../../io/positive-integer.js';
import { formatSearchResults } from './agents-render.js';

interface SearchFlags extends RegistryFlags {
  filter?: Array<[string, string]>;
  limit?: number;
}

/** The registry caps pageSize at 100. */
const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 10;

const EXAMPLES = `
Examples:
  $ agentmesh agents search "score leads similar to my best customers"
  $ agentmesh agents search "contract review" --filter metadata.department=legal --limit 3
  $ agentmesh agents search "invoices" --filter tags=finance,billing --json

--filter takes a dot path into the catalog entry (tags, capabilities,
metadata.department, metadata.slaTier, metadata.health, …) and a value;
commas give alternatives (OR), several --filter must all hold (AND).
`;

/**
 * `key=a,b` filters → the ARD filter object: one value stays a string,
 * alternatives become an array, and a key given twice joins its values.
 */
export function buildFilter(pairs: ReadonlyArray<readonly [string, string]>): Record<string, string | string[]> {
  const merged = new Map<string, string[]>();
  for (const [key, value] of pairs) merged.set(key, [...(merged.get(key) ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)]);
  return Object.fromEntries([...merged].map(([key, values]) => [key, values.length === 1 ? values[0]! : values]));
}

/** Builds `agents search`. */
export function agentsSearchCommand(ctx: CliContext): Command {
  const command = new Command('search')
    .description('find agents by what they do: ranked results with a 0-100 score')
    .argument('<text>', 'what you need, in your words')
    .option('--filter <key=value>', 'only entries where this field has this value (repeatable; value a,b = either)', collectKeyValue)
    .option('--limit <n>', `at most this many results (1-${MAX_LIMIT}, default ${DEFAULT_LIMIT})`, positiveInteger('results', MAX_LIMIT));
  addRegistryOptions(command).addHelpText('after', EXAMPLES);

  command.action(async (text: string, flags: SearchFlags) => {
    await runRegistryCommand(ctx, flags, async (registry, output) => {
      const filter = flags.filter ? buildFilter(flags.filter) : undefined;
      const page = await registry.search({ query: { text, ...(filter && { filter }) }, pageSize: flags.limit ?? DEFAULT_LIMIT });
      return printAnswer(ctx, output, page, () => formatSearchResults(page.results));
    });
  });
  return command;
}
