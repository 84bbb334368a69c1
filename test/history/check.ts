/**
 * Checks a history file and prints its report (test/history/README.md, "Running the checker"):
 *
 *   node --import ./scripts/ts-hooks.mjs test/history/check.ts <history.jsonl> [--json] [--max-steps=N]
 *
 * Exits 0 when every property holds, 1 on any anomaly, 2 when no anomaly was found but a check could
 * not finish (unknown is not a pass), 3 when the file cannot be read as a history.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkHistoryText } from './check-history.js';
import { reportText } from './report-text.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { json: { type: 'boolean' }, 'max-steps': { type: 'string' } } });
if (positionals.length !== 1) {
  process.stderr.write('usage: check.ts <history.jsonl> [--json] [--max-steps=N]\n');
  process.exit(3);
}
const maxSteps = values['max-steps'] === undefined ? undefined : Number(values['max-steps']);
if (maxSteps !== undefined && !(Number.isInteger(maxSteps) && maxSteps > 0)) {
  process.stderr.write('--max-steps must be a positive whole number\n');
  process.exit(3);
}
let report;
try {
  report = checkHistoryText(readFileSync(positionals[0]!, 'utf8'), maxSteps === undefined ? {} : { budget: { maxSteps } });
} catch (err) {
  process.stderr.write(`${positionals[0]}: ${(err as Error).message}\n`);
  process.exit(3);
}
process.stdout.write(values.json === true ? `${JSON.stringify(report, null, 2)}\n` : reportText(report));
process.exitCode = report.verdict === 'valid' ? 0 : report.verdict === 'invalid' ? 1 : 2;
