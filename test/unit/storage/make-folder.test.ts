import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeFolderSync } from '../../../src/storage/make-folder.js';
import { TS_CHILD_ARGV } from '../../helpers/typescript-child.js';

function scratch(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-make-folder-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('makes a folder and the parents it lacks, with the mode asked for, and leaves an existing one alone', (t) => {
  const root = scratch(t);
  const deep = join(root, 'a', 'b', 'c');
  makeFolderSync(deep, 0o700);
  assert.equal(statSync(deep).isDirectory(), true);
  assert.equal(statSync(join(root, 'a')).mode & 0o777, 0o700);
  makeFolderSync(deep, 0o700);
  makeFolderSync(root, 0o700);
  assert.equal(statSync(deep).isDirectory(), true);
});

test('throws the system error for a file at the path or among its parents', (t) => {
  const root = scratch(t);
  writeFileSync(join(root, 'file'), 'x');
  assert.throws(() => makeFolderSync(join(root, 'file'), 0o700), { code: 'EEXIST' });
  assert.throws(() => makeFolderSync(join(root, 'file', 'inside'), 0o700), { code: 'ENOTDIR' });
  assert.equal(existsSync(join(root, 'file', 'inside')), false);
});

// Node's recursive mkdir spins forever on this path (at full CPU, deaf to SIGTERM): run it in a child with a deadline.
test('returns an error, instead of spinning, where a parent that exists refuses new entries with ENOENT', { skip: !existsSync('/proc/self') && 'needs /proc' }, () => {
  const module = new URL('../../../src/storage/make-folder.ts', import.meta.url).pathname;
  const script = `import('${module}').then(({ makeFolderSync }) => { try { makeFolderSync('/proc/agentmesh-never/data', 0o700); console.log('made'); } catch (err) { console.log(err.code); } });`;
  const child = spawnSync(process.execPath, [...TS_CHILD_ARGV, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
  assert.equal(child.signal, null, `killed after 30 s: makeFolderSync did not return (${child.stderr})`);
  assert.equal(child.stdout.trim(), 'ENOENT', child.stderr);
});
