/**
 * `npm run bench:table [-- --from <results file>]`: rewrites the current
 * table of docs/benchmarks.md from bench/results/current-figures.json,
 * after taking in the figures of a results file when `--from` names one
 * (`bench/results/latest.json` is what the last `npm run bench` wrote).
 * Run from the repository's root, as npm runs its scripts.
 */
import { parseArgs } from 'node:util';
import { BENCHMARKS_PAGE, KEPT_FIGURES_FILE, updateFigures } from './update-figures.js';

try {
  const { values } = parseArgs({ options: { from: { type: 'string' } }, strict: true, allowPositionals: false });
  const update = await updateFigures({ root: process.cwd(), ...(values.from !== undefined && { resultsFile: values.from }) });
  const from = values.from === undefined ? '' : `${update.taken} figures taken from ${values.from}; `;
  process.stdout.write(`${from}${update.kept} figures in ${KEPT_FIGURES_FILE}; ${BENCHMARKS_PAGE} ${update.pageChanged ? 'rewritten' : 'already current'}\n`);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
