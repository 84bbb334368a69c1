import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimDataDir } from '../../../src/cli/commands/up/up-claim.js';

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
