import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const doc = readFileSync(join(root, 'docs/conformance.md'), 'utf8');
const sections = doc.split(/^## /m).slice(1).map((text) => ({ title: text.slice(0, text.indexOf('\n')), text }));

test('docs/conformance.md: every section names its spec, its decision and its tests', () => {
  assert.ok(sections.length >= 10, `sections found: ${sections.length}`);
  for (const { title, text } of sections) {
    for (const label of ['**Spec:**', '**Decision:**', '**Tests:**']) assert.ok(text.includes(label), `"${title}" has ${label}`);
    const tests = text.slice(text.indexOf('**Tests:**'));
    assert.match(tests, /`test\/[^`]+\.test\.ts`/, `"${title}" names at least one test file`);
  }
});

test('docs/conformance.md: every file it names exists', () => {
  const named = [...doc.matchAll(/`((?:src|test|docs)\/[^`\s]+\.(?:ts|md|json|proto|yaml))`/g)].map((m) => m[1]!);
  assert.ok(named.length > 0);
  const missing = named.filter((path) => !existsSync(join(root, path)));
  assert.deepEqual(missing, []);
});

// A test file that pins one of the document's decisions says so in its header
// ("docs/conformance.md"); the document must name it back.
test('docs/conformance.md names every test file that points to it', () => {
  const files = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.test.ts') && e.name !== 'conformance-doc.test.ts' && readFileSync(join(root, dir, e.name), 'utf8').includes('docs/conformance.md') ? [join(dir, e.name)] : [],
    );
  assert.ok(files('test').length >= 11);
  const unnamed = files('test').filter((path) => !doc.includes(`\`${path}\``));
  assert.deepEqual(unnamed, []);
});
