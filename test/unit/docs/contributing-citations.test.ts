/**
 * The house rules live in CONTRIBUTING.md, and code cites them by section
 * name (`CONTRIBUTING.md, "Load what you use"`) or link
 * (`CONTRIBUTING.md#load-what-you-use`): every citation names a section that
 * exists, and nothing cites a rule by a number in a file readers cannot open.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const self = fileURLToPath(import.meta.url);

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as dashes. */
export function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .replace(/ /g, '-');
}

const headings = [...readFileSync(join(root, 'CONTRIBUTING.md'), 'utf8').matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1]!);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : files(path);
    return /\.(ts|mts|mjs|js|md|css|html|yaml|yml)$/.test(entry.name) ? [path] : [];
  });
}

const scanned = [
  ...['src', 'test', 'scripts', 'bench', 'agents', 'console', 'docs', 'templates', 'workflows', 'deploy'].flatMap((dir) => (statSync(join(root, dir), { throwIfNoEntry: false })?.isDirectory() ? files(join(root, dir)) : [])),
  ...['README.md', 'eslint.config.js', '.dependency-cruiser.mjs'].map((file) => join(root, file)),
].filter((file) => file !== self);

/** A file's text with comment line breaks joined, so a citation wrapped over two lines reads as one. */
function joined(text: string): string {
  return text.replace(/\n\s*(?:\*|\/\/)?\s*/g, ' ');
}

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
