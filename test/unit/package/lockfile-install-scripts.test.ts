import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * A fresh clone's `npm install` must leave package-lock.json as committed.
 * `npm ci` trusts the lock's `hasInstallScript` flags, but `npm install`
 * rewrites each from the package it has just unpacked: a package with a
 * preinstall, install or postinstall script, or a binding.gyp and neither
 * install nor preinstall (npm then runs node-gyp's default build, and does so
 * even when the package says `gypfile: false`, which the lock does not
 * record: better-sqlite3 is such a package). This holds every installed
 * package's flag to that rule; .ci/run also runs the fresh install and
 * compares the lock byte for byte.
 */
const root = new URL('../../../', import.meta.url).pathname;

interface LockEntry {
  link?: boolean;
  optional?: boolean;
  hasInstallScript?: boolean;
}

function npmRunsAnInstallScript(dir: string): boolean {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const scripts = pkg.scripts ?? {};
  if (scripts['preinstall'] || scripts['install'] || scripts['postinstall']) return true;
  return existsSync(join(dir, 'binding.gyp'));
}

test("each installed package's hasInstallScript in package-lock.json is what npm install writes for it", () => {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const wrong: string[] = [];
  const absent: string[] = [];
  let checked = 0;
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.link === true) continue;
    const dir = join(root, path);
    if (!existsSync(join(dir, 'package.json'))) {
      absent.push(path);
      continue;
    }
    checked += 1;
    const expected = npmRunsAnInstallScript(dir);
    if (expected !== (entry.hasInstallScript === true)) wrong.push(`${path}: npm install writes hasInstallScript ${expected ? 'true' : '(absent)'}, the lock has ${String(entry.hasInstallScript ?? '(absent)')}`);
  }
  assert.deepEqual(wrong, [], 'fix these entries of package-lock.json (what a fresh `npm install` writes)');
  // Only another platform's optional packages (esbuild's binaries) are not installed here.
  assert.deepEqual(absent.filter((path) => lock.packages[path]!.optional !== true), []);
  assert.ok(checked > 300, `only ${checked} installed packages checked: is node_modules installed?`);
});
