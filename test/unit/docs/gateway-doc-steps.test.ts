/**
 * The steps of a call through the gateway (docs/gateway.md, "What happens on
 * each call") are a numbered list that grows; other passages name a step by
 * its title in italics (*Settle*), which a new step cannot shift, and every
 * title they name is one the list has.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const docs = fileURLToPath(new URL('../../../docs/', import.meta.url));
const gateway = readFileSync(join(docs, 'gateway.md'), 'utf8');
const steps = gateway.slice(gateway.indexOf('## What happens on each call'), gateway.indexOf('\n## ', gateway.indexOf('## What happens on each call') + 1));
/** The list's titles: `1. **Read and classify, once.**` → `Read and classify, once`. */
const titles = [...steps.matchAll(/^\d+\. \*\*([^*]+?)\.?\*\*/gm)].map((m) => m[1]!);

test('the steps of a call have their titles', () => {
  assert.ok(titles.length >= 14, titles.join(' | '));
  for (const title of ['Authenticate', 'Tenant visibility', 'Quotas', 'Reserve credits', 'Settle']) assert.ok(titles.includes(title), title);
});

test('docs name the steps of a call by title, never by a number the list may move', () => {
  const outside = gateway.replace(steps, '');
  assert.deepEqual([...outside.matchAll(/\(steps? \d+[^)]*\)/g)].map((m) => m[0]), [], 'name the step by its title in italics');
  const named: string[] = [];
  for (const file of readdirSync(docs).filter((f) => f.endsWith('.md'))) {
    const text = readFileSync(join(docs, file), 'utf8').replace(/\n/g, ' ');
    // `the *Authenticate* step` anywhere; in gateway.md also `(*Quotas*)`, `(*Reserve credits* and *Settle*: …)`.
    const pattern = file === 'gateway.md' ? /the \*([^*]+)\* step|\(\*([^*]+)\*(?: and \*([^*]+)\*)?[:;)]/g : /the \*([^*]+)\* step()()/g;
    for (const m of text.matchAll(pattern)) named.push(...[m[1], m[2], m[3]].filter((t): t is string => t !== undefined && t !== '').map((t) => `${file}: ${t}`));
  }
  assert.ok(named.length >= 3, named.join(', '));
  assert.deepEqual(named.filter((n) => !titles.includes(n.slice(n.indexOf(': ') + 2))), []);
});
