import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TS_CHILD_ARGV } from '../../helpers/typescript-child.js';
import { claimDataDir, takeOver } from '../../../src/cli/commands/up/up-claim.js';

test('a data dir held by a live process is refused, naming its pid; released, it can be claimed again', () => {
  const dir = mkdtempSync(join(tmpdir(), 'up-claim-'));
  const first = claimDataDir(dir);
  assert.equal(statSync(join(dir, 'up.lock')).mode & 0o777, 0o600);
  assert.throws(() => claimDataDir(dir), new RegExp(`already runs on .*pid ${process.pid}.*--data-dir`));
  first.release();
  assert.equal(existsSync(join(dir, 'up.lock')), false);
  claimDataDir(dir).release();
});

test('a claim whose pid no longer runs, or is another process now, is taken over with a note', () => {
  const dir = mkdtempSync(join(tmpdir(), 'up-claim-'));
  writeFileSync(join(dir, 'up.lock'), JSON.stringify({ pid: 2 ** 22 + 1 }));
  const taken = claimDataDir(dir);
  assert.match(taken.note, /took over .*no longer runs/);
  taken.release();
  writeFileSync(join(dir, 'up.lock'), JSON.stringify({ pid: process.pid, started: 'not-this-start' }));
  const reused = claimDataDir(dir);
  assert.match(reused.note, /took over/);
  reused.release();
});

test('ups starting together on a data dir with a stale claim: exactly one takes it over, the others are refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'up-claim-'));
  writeFileSync(join(dir, 'up.lock'), JSON.stringify({ pid: 2 ** 22 + 1 }));
  const claimer = fileURLToPath(new URL('../../fixtures/claim-data-dir.ts', import.meta.url));
  // Each claims when the line arrives, says what it got, and holds its claim until its stdin ends.
  const children = Array.from({ length: 6 }, () => spawn(process.execPath, [...TS_CHILD_ARGV, claimer, dir], { stdio: ['pipe', 'pipe', 'inherit'] }));
  const answers = children.map(async (child) => {
    const lines = createInterface({ input: child.stdout! });
    const iterator = lines[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value, 'ready');
    return iterator;
  });
  const iterators = await Promise.all(answers);
  for (const child of children) child.stdin!.write('claim\n');
  const outcomes = await Promise.all(iterators.map(async (it) => String((await it.next()).value)));
  for (const child of children) child.stdin!.end();
  await Promise.all(children.map((child) => once(child, 'exit')));
  assert.deepEqual(outcomes.filter((o) => o === 'claimed').length, 1, outcomes.join('\n'));
  assert.ok(outcomes.every((o) => o === 'claimed' || /already runs on/.test(o)), outcomes.join('\n'));
  assert.equal(existsSync(join(dir, 'up.lock')), false, 'released by the one that held it');
  assert.deepEqual(readdirSync(dir), [], 'no claim file left aside');
});

test('an up that judged a claim stale leaves alone the fresh claim another up placed meanwhile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'up-claim-'));
  const file = join(dir, 'up.lock');
  const stale = { pid: 2 ** 22 + 1 };
  writeFileSync(file, JSON.stringify(stale));
  // Another up judged it stale too, took it over first, and holds the dir.
  const first = claimDataDir(dir);
  const fresh = readFileSync(file, 'utf8');
  // This one now acts on what it judged before: the claim it finds is not that one.
  assert.equal(takeOver(file, stale), false);
  assert.equal(readFileSync(file, 'utf8'), fresh, 'the fresh claim is back in place');
  assert.throws(() => claimDataDir(dir), /already runs on/);
  first.release();
  assert.deepEqual(readdirSync(dir), []);
});
