/**
 * Takes a run's figures into bench/results/current-figures.json and
 * rewrites the current table of docs/benchmarks.md from it. run.ts calls it
 * at the end of every `npm run bench`; `npm run bench:table`
 * (bench-table.ts) calls it by hand.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { figuresOfRun } from './figures-of-run.js';
import { figuresTable, withFiguresTable } from './figures-table.js';
import { mergeRun, readKeptFigures, writeKeptFigures } from './kept-figures.js';

/** Where the kept figures live, from the repository's root. */
export const KEPT_FIGURES_FILE = join('bench', 'results', 'current-figures.json');
/** The page whose table is rewritten, from the repository's root. */
export const BENCHMARKS_PAGE = join('docs', 'benchmarks.md');

export interface FiguresUpdate {
  /** Figures of the results file that are now in the table (0 without one). */
  taken: number;
  /** Figures the table shows in all. */
  kept: number;
  /** Whether the page's text changed. */
  pageChanged: boolean;
}

/**
 * Takes `resultsFile`'s figures in (when given), then rewrites the table.
 *
 * @example
 * ```ts
 * await updateFigures({ root: process.cwd(), resultsFile: 'bench/results/latest.json' });
 * ```
 */
export async function updateFigures({ root, resultsFile }: { root: string; resultsFile?: string }): Promise<FiguresUpdate> {
  const keptPath = join(root, KEPT_FIGURES_FILE);
  let kept = await readKeptFigures(keptPath);
  let taken = 0;
  if (resultsFile !== undefined) {
    const run = figuresOfRun(JSON.parse(await readFile(resultsFile, 'utf8')));
    kept = mergeRun(kept, run);
    taken = Object.values(kept.figures).filter((figure) => figure.run === run.run.startedAt).length;
    await writeKeptFigures(keptPath, kept);
  }
  const pagePath = join(root, BENCHMARKS_PAGE);
  const page = await readFile(pagePath, 'utf8');
  const rewritten = withFiguresTable(page, figuresTable(kept));
  if (rewritten !== page) await writeFile(pagePath, rewritten);
  return { taken, kept: Object.keys(kept.figures).length, pageChanged: rewritten !== page };
}
