/**
 * The figures the current table shows, kept in
 * `bench/results/current-figures.json` (in git, unlike the rest of
 * bench/results/): each figure from the latest run that measured it, with
 * that run's host, load and command. A run of one part (`--only gateway`)
 * updates that part's figures and leaves the others as they were, so the
 * table never loses a figure because a later run did not measure it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Measured, RunFigures, RunInfo, Side } from './figures-of-run.js';

export interface KeptFigure extends Measured {
  /** The `startedAt` of the run it comes from, a key of `runs`. */
  run: string;
}

export interface KeptFigures {
  runs: Record<string, RunInfo>;
  figures: Record<string, KeptFigure>;
}

export const NO_FIGURES: KeptFigures = Object.freeze({ runs: {}, figures: {} });

const side = z.union([z.object({ value: z.number() }), z.object({ missing: z.string() })]);
const keptFile = z.object({
  runs: z.record(
    z.string(),
    z.object({ startedAt: z.string(), command: z.string(), cpuModel: z.string(), cpus: z.number(), node: z.string(), platform: z.string(), loadAtStart: z.number(), loadAtEnd: z.number() }),
  ),
  figures: z.record(z.string(), z.object({ value: side, anchor: side, ratio: z.number().optional(), run: z.string() })),
});

const measured = (s: Side): boolean => 'value' in s;
const complete = (figure: Measured): boolean => measured(figure.value) && measured(figure.anchor);

/**
 * `kept` with a run's figures taken in. A figure of the run replaces the
 * kept one when it has both sides, or when the kept one has not; a run
 * older than the kept figure's does not replace it. Runs no figure comes
 * from any more are dropped.
 */
export function mergeRun(kept: KeptFigures, { run, figures }: RunFigures): KeptFigures {
  const merged: Record<string, KeptFigure> = { ...kept.figures };
  for (const [id, figure] of Object.entries(figures)) {
    const before = merged[id];
    const newer = before === undefined || run.startedAt >= before.run;
    if (newer && (before === undefined || complete(figure) || !complete(before))) merged[id] = { ...figure, run: run.startedAt };
  }
  const runs: Record<string, RunInfo> = {};
  for (const figure of Object.values(merged)) runs[figure.run] ??= figure.run === run.startedAt ? run : kept.runs[figure.run]!;
  return { runs, figures: merged };
}

/** The kept figures, or none when the file does not exist yet. */
export async function readKeptFigures(path: string): Promise<KeptFigures> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return NO_FIGURES;
    throw err;
  }
  const parsed = keptFile.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${path} is not a file of kept figures: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Writes the kept figures, keys in a stable order so a run changes only the lines of what it measured. */
export async function writeKeptFigures(path: string, kept: KeptFigures): Promise<void> {
  const sorted = <T>(record: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
  await writeFile(path, `${JSON.stringify({ runs: sorted(kept.runs), figures: sorted(kept.figures) }, null, 2)}\n`);
}
