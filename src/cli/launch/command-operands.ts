/**
 * Which top-level commands a run names, read from argv alone. Kept apart
 * from program.ts so that `bin.ts` can choose how to load the CLI before it
 * loads commander or any command (ADR 0016).
 */

/**
 * The top-level commands a run with `argv` uses: the first operand
 * (`agentmesh send …`), or the one `help` names (`agentmesh help send`).
 * The program has no global option that takes a value, so the first
 * argument not starting with `-` is the command.
 */
export function commandsNamedIn(argv: readonly string[]): Set<string> {
  const operands = argv.filter((a) => !a.startsWith('-'));
  const named = new Set<string>();
  if (operands[0] !== undefined) named.add(operands[0]);
  if (operands[0] === 'help' && operands[1] !== undefined) named.add(operands[1]);
  return named;
}
