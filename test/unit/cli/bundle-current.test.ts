import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleIsCurrent } from '../../../src/cli/load-cli.js';

test('the CLI bundle is used unless TypeScript compiled after it was built (ADR 0016)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-bundle-current-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bundle = join(dir, 'bundle.cjs');
  const buildInfo = join(dir, '.tsbuildinfo.build');
  writeFileSync(bundle, '// bundle');
  // No build info (an installed package ships none): the bundle is trusted.
  assert.equal(bundleIsCurrent(bundle, buildInfo), true);
  writeFileSync(buildInfo, '{}');
  utimesSync(buildInfo, new Date(1_000_000), new Date(1_000_000));
  utimesSync(bundle, new Date(2_000_000), new Date(2_000_000));
  assert.equal(bundleIsCurrent(bundle, buildInfo), true, 'built after the last compile');
  utimesSync(buildInfo, new Date(3_000_000), new Date(3_000_000));
  assert.equal(bundleIsCurrent(bundle, buildInfo), false, 'a tsc-only rebuild after the bundle');
});
