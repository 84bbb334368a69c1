/**
 * A map over an earlier map's output reads that list a page at a time as it
 * takes its units, and a step passing a map's output on records where the
 * list is (docs/adr/0079-maps-paged.md): a 100,000-item map chained into a
 * second one and into the workflow's outputs does not hold the list while
 * the second map runs (held whole, it is ~30 MB of heap).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TS_CHILD_ARGV } from '../../../helpers/typescript-child.js';

test("a 100,000-item map chained into a second map and the workflow's outputs: the second map holds a page of the list, and takes it in order", { timeout: 180_000 }, async () => {
  const child = fileURLToPath(new URL('./chained-maps-child.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [...TS_CHILD_ARGV, '--expose-gc', child], { maxBuffer: 1024 * 1024 });
  const result = JSON.parse(stdout) as { before: number; during: number[]; first: number; second: number; outOfOrder: number; whole: boolean };
  assert.equal(result.first, 100_000);
  assert.equal(result.second, 1_000);
  assert.equal(result.outOfOrder, 0, "the second map took the first one's outputs in order");
  assert.ok(result.whole, "the workflow's outputs hold every batch's answer");
  const grown = result.during.map((heap) => heap - result.before);
  assert.ok(Math.max(...grown) < 10e6, `the heap grew while the second map ran: ${grown.map((g) => (g / 1e6).toFixed(1)).join(', ')} MB`);
});
