/**
 * The house rules live in CONTRIBUTING.md, and code cites them by section
 * name (`CONTRIBUTING.md, "Load what you use"`) or link
 * (`CONTRIBUTING.md#load-what-you-use`): every citation names a section that
 * exists, and nothing cites a rule by a number in a file readers cannot open.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { anchorOf } from '../../helpers/markdown-headings.js';
import { joinedLines as joined, repositoryTextFiles } from '../../helpers/repository-text.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const self = fileURLToPath(import.meta.url);

const headings = [...readFileSync(join(root, 'CONTRIBUTING.md'), 'utf8').matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1]!);

const scanned = repositoryTextFiles(root).filter((file) => file !== self && file !== join(root, 'CONTRIBUTING.md'));

test('CONTRIBUTING.md has the house rules a citation may name', () => {
  for (const name of ['One door per folder', 'Who may import whom', 'Hot paths', 'Hostile input', 'Load what you use', 'One wire table for errors']) assert.ok(headings.includes(name), name);
  assert.equal(anchorOf("Compose, don't inherit"), 'compose-dont-inherit');
});

test('every citation of CONTRIBUTING.md names a section it has', () => {
  const anchors = new Set(headings.map(anchorOf));
  const wrong: string[] = [];
  let cited = 0;
  for (const file of scanned) {
    const text = joined(readFileSync(file, 'utf8'));
    for (const [, name] of text.matchAll(/CONTRIBUTING\.md,\s+"([^"]+)"/g)) {
      cited++;
      if (!headings.includes(name!)) wrong.push(`${relative(root, file)}: "${name}"`);
    }
    for (const [, anchor] of text.matchAll(/CONTRIBUTING\.md#([\w-]+)/g)) {
      cited++;
      if (!anchors.has(anchor!)) wrong.push(`${relative(root, file)}: #${anchor}`);
    }
  }
  assert.ok(cited >= 20, `the scan finds the citations (${cited})`);
  assert.deepEqual(wrong, [], `no such section in CONTRIBUTING.md (sections: ${headings.join('; ')})`);
});

test('no file cites a house rule by number, or the design notes outside the repository', () => {
  const found: string[] = [];
  for (const file of scanned) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bSTYLE(?:\.md)?\s+(?:rule\s+)?\d+|\.\.\/shared\/design/g)) found.push(`${relative(root, file)}: ${m[0]}`);
  }
  assert.deepEqual(found, [], 'cite CONTRIBUTING.md by section name, or give the reason inline');
});
