/**
 * docs/benchmarks.md is the short page of current figures, the dated
 * measurements are in docs/perf-journal/ and the method in
 * docs/benchmark-method.md. ADRs, docs and code comments cite their
 * sections by link (`perf-journal/registry.md#registry-at-…`) or by name
 * (`docs/perf-journal/gateway-and-fleet-2026-11-26.md, "The answer
 * journal"`): every citation names a page that exists and a section it has.
 * And the current table is what bench/results/current-figures.json holds,
 * not figures typed by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PARTS } from '../../../bench/figures/figure-list.js';
import { figuresTable, TABLE_END, TABLE_START } from '../../../bench/figures/figures-table.js';
import { readKeptFigures } from '../../../bench/figures/kept-figures.js';
import { BENCHMARKS_PAGE, KEPT_FIGURES_FILE } from '../../../bench/figures/update-figures.js';
import { anchorsOf, headingsOf } from '../../helpers/markdown-headings.js';
import { joinedLines, repositoryTextFiles } from '../../helpers/repository-text.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const docs = join(root, 'docs');
const self = fileURLToPath(import.meta.url);
const scanned = repositoryTextFiles(root).filter((file) => file !== self);

/** The pages whose sections are cited: the benchmarks page, the method, the journal. */
function isBenchmarkPage(path: string): boolean {
  const inDocs = relative(docs, path);
  return inDocs === 'benchmarks.md' || inDocs === 'benchmark-method.md' || (dirname(inDocs) === 'perf-journal' && inDocs.endsWith('.md'));
}

const pages = new Map<string, string>();
function page(path: string): string | undefined {
  if (!pages.has(path) && existsSync(path)) pages.set(path, readFileSync(path, 'utf8'));
  return pages.get(path);
}

test('every link to a benchmark page or a section of one lands on a page and a heading it has', () => {
  const wrong: string[] = [];
  let linked = 0;
  for (const file of scanned.filter((f) => f.endsWith('.md'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\]\(([^)\s#]*)(?:#([^)\s]+))?\)/g)) {
      const path = m[1] === '' || m[1] === undefined ? file : resolve(dirname(file), m[1]);
      if (!isBenchmarkPage(path)) continue;
      linked++;
      const target = page(path);
      if (target === undefined) wrong.push(`${relative(root, file)}: ${m[0]} (no such page)`);
      else if (m[2] !== undefined && !anchorsOf(target).has(m[2])) wrong.push(`${relative(root, file)}: ${m[0]} (no such section)`);
    }
  }
  assert.ok(linked >= 20, `the scan finds the links (${linked})`);
  assert.deepEqual(wrong, []);
});

test('every citation of a benchmark page by section name names a section it has', () => {
  const wrong: string[] = [];
  let cited = 0;
  for (const file of scanned) {
    const text = joinedLines(readFileSync(file, 'utf8'));
    // `docs/perf-journal/x.md, "Name"` and `benchmarks.md ("Name")`; a name may stop short of the heading's end.
    for (const m of text.matchAll(/((?:docs\/)?(?:benchmarks|benchmark-method|perf-journal\/[\w.-]+)\.md)(?:,\s+|\s+\()"([^"]+)"/g)) {
      cited++;
      const path = join(root, m[1]!.startsWith('docs/') ? m[1]! : `docs/${m[1]!}`);
      const target = page(path);
      const name = m[2]!.replace(/\s+/g, ' ');
      if (target === undefined) wrong.push(`${relative(root, file)}: ${m[1]} (no such page)`);
      else if (!headingsOf(target).some((heading) => heading.startsWith(name))) wrong.push(`${relative(root, file)}: ${m[1]}, "${name}"`);
    }
  }
  assert.ok(cited >= 30, `the scan finds the citations (${cited})`);
  assert.deepEqual(wrong, [], 'no such section: the dated ones are in docs/perf-journal/ (its README lists the files)');
});

test('every part of the table that has no run yet points to a section of the journal that exists', () => {
  for (const { part, lastRecorded } of PARTS) {
    if (lastRecorded === undefined) continue;
    const [file, anchor] = lastRecorded.href.split('#');
    const target = page(join(docs, file!));
    assert.ok(target !== undefined && anchorsOf(target).has(anchor!), `${part}: ${lastRecorded.href}`);
  }
});

test("docs/benchmarks.md's current table is what bench/results/current-figures.json holds", async () => {
  const text = readFileSync(join(root, BENCHMARKS_PAGE), 'utf8');
  const between = text.slice(text.indexOf(TABLE_START), text.indexOf(TABLE_END));
  const expected = figuresTable(await readKeptFigures(join(root, KEPT_FIGURES_FILE)));
  assert.deepEqual(between.split('\n').slice(3, -1), expected, 'run `npm run bench:table` and commit the page with current-figures.json');
});
