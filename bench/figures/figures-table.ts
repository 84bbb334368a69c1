/**
 * The current table of docs/benchmarks.md, written from the kept figures:
 * each figure beside its anchor and the ratio between them, the goal and
 * whether it is met, and a numbered list of the runs the figures come from
 * (date, command, host, load). A figure or anchor that was not measured
 * says why in its own cell; a part no run has measured yet says how to
 * measure it and where the journal last recorded it.
 */
import { FIGURES, PARTS, type FigureDefinition, type Unit } from './figure-list.js';
import type { KeptFigure, KeptFigures } from './kept-figures.js';
import type { RunInfo, Side } from './figures-of-run.js';

export const TABLE_START = '<!-- current-figures:start -->';
export const TABLE_END = '<!-- current-figures:end -->';

const grouped = (n: number): string => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

function formatted(value: number, unit: Unit): string {
  if (unit === 'per s') return `${grouped(value)}/s`;
  if (unit === 'MB') return `${grouped(value)} MB`;
  if (unit === 'ms') return `${value.toFixed(value < 1 ? 3 : 1)} ms`;
  return `${value < 10 ? value.toFixed(1) : grouped(value)} µs`;
}

/** A table cell's text: `|` would end the cell, a line break the row. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

const sideText = (side: Side, unit: Unit): string => ('value' in side ? formatted(side.value, unit) : `*${cell(side.missing)}*`);

function ratioOf(figure: KeptFigure): number | undefined {
  if (!('value' in figure.value) || !('value' in figure.anchor) || figure.anchor.value <= 0) return undefined;
  return figure.ratio ?? figure.value.value / figure.anchor.value;
}

function goalText(definition: FigureDefinition, figure: KeptFigure | undefined): string {
  const { goal } = definition;
  if (goal === undefined) return '';
  const judged = figure === undefined ? undefined : goal.on === 'ratio' ? ratioOf(figure) : 'value' in figure.value ? figure.value.value : undefined;
  if (judged === undefined) return goal.text;
  return `${goal.text}: ${goal.met(judged) ? 'met' : '**not met**'}`;
}

const when = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

function runLine(run: RunInfo, n: number): string {
  return `${n}. ${when(run.startedAt)}: \`${run.command}\`; ${run.cpuModel.trim()} (${run.cpus} cores), Node ${run.node}, ${run.platform}; load average ${run.loadAtStart.toFixed(2)} at the start, ${run.loadAtEnd.toFixed(2)} at the end.`;
}

/**
 * The table and the list of its runs, as markdown lines (without the
 * markers).
 *
 * @example
 * ```ts
 * const lines = figuresTable(await readKeptFigures('bench/results/current-figures.json'));
 * ```
 */
export function figuresTable(kept: KeptFigures): string[] {
  // Newest run first: its number is the one a reader meets most.
  const runs = Object.keys(kept.runs).sort().reverse();
  const runNumber = (startedAt: string): string => `[${runs.indexOf(startedAt) + 1}]`;
  const rows: string[] = [];
  for (const part of PARTS) {
    const definitions = FIGURES.filter((d) => d.part === part.part);
    const measured = definitions.filter((d) => kept.figures[d.id] !== undefined);
    if (measured.length === 0) {
      const last = part.lastRecorded === undefined ? '' : `; last recorded by hand in [${part.lastRecorded.title}](${part.lastRecorded.href})`;
      rows.push(`| **${part.title}**: no run kept yet; \`${part.command}\` measures it${last} | | | | | | |`);
      continue;
    }
    rows.push(`| **${part.title}** | | | | | | |`);
    for (const definition of definitions) {
      const figure = kept.figures[definition.id];
      if (figure === undefined) {
        rows.push(`| ${definition.label} | *not measured by the kept runs* | ${definition.anchor} | | | ${goalText(definition, undefined)} | |`);
        continue;
      }
      const ratio = ratioOf(figure);
      rows.push(
        `| ${definition.label} | ${sideText(figure.value, definition.unit)} | ${definition.anchor} | ${sideText(figure.anchor, definition.unit)} | ${ratio === undefined ? '' : `${ratio.toFixed(2)}×`} | ${goalText(definition, figure)} | ${runNumber(figure.run)} |`,
      );
    }
  }
  return [
    '| figure | agentmesh | anchor | anchor, same run | agentmesh ÷ anchor | goal | run |',
    '| --- | ---: | --- | ---: | ---: | --- | :---: |',
    ...rows,
    '',
    runs.length === 0 ? 'No run has been kept yet: every part above says how to measure it.' : 'Runs:',
    ...(runs.length === 0 ? [] : ['', ...runs.map((startedAt, i) => runLine(kept.runs[startedAt]!, i + 1))]),
  ];
}

/** `doc` with the text between the markers replaced by `table`; everything else as it was. */
export function withFiguresTable(doc: string, table: readonly string[]): string {
  const start = doc.indexOf(TABLE_START);
  const end = doc.indexOf(TABLE_END);
  if (start === -1 || end === -1 || end < start || doc.indexOf(TABLE_START, start + 1) !== -1 || doc.indexOf(TABLE_END, end + 1) !== -1) {
    throw new Error(`the page needs exactly one ${TABLE_START} followed by one ${TABLE_END}`);
  }
  const generated = [TABLE_START, '<!-- Written by `npm run bench` and `npm run bench:table` (bench/figures/): change bench/figures/figure-list.ts, not these lines. -->', '', ...table, TABLE_END].join('\n');
  return doc.slice(0, start) + generated + doc.slice(end + TABLE_END.length);
}
