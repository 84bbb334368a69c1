import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type IConfiguration, type IViolation } from 'dependency-cruiser';

/*
 * The import rules `npm run lint` enforces (.dependency-cruiser.mjs,
 * docs/architecture.md), run on a small tree of planted files: each rule
 * reports the arrow it forbids, and lets through the arrows it allows.
 */
const root = new URL('../../../', import.meta.url).pathname;
const rules = ((await import(join(root, '.dependency-cruiser.mjs'))) as { default: IConfiguration }).default;

/** The planted tree: file → what it imports. */
const TREE: Record<string, string[]> = {
  // Allowed: the lowest floors on node-version, the check every entry point runs first.
  'src/protocol/index.ts': ['../node-version/check-on-import.js'],
  'src/contracts/registry-client/index.ts': ['../../node-version/check-on-import.js'],
  'src/node-version/check-on-import.ts': ['./index.js'],
  // Forbidden: node-version importing anything else of ours.
  'src/node-version/index.ts': ['../ranking/index.js'],
  'src/ranking/index.ts': [],
  'src/contracts/registry/index.ts': ['../../protocol/index.js'],
  'src/storage/index.ts': ['../protocol/index.js'],
  // Allowed: a role on contracts and a floor.
  'src/registry/index.ts': ['../contracts/registry/index.js', '../storage/index.js'],
  // Forbidden: a role importing another role (type-only counts).
  'src/gateway/index.ts': ['../contracts/registry/index.js', 'type:../registry/index.js'],
  // Forbidden: a cycle.
  'src/http/server-state.ts': ['./probes.js'],
  'src/http/probes.ts': ['./server-state.js'],
  // Forbidden: a floor importing upwards, contracts importing a floor.
  'src/audit/index.ts': ['../runtime/index.js'],
  'src/runtime/index.ts': ['../contracts/registry/index.js'],
  'src/contracts/agent/index.ts': ['../../storage/index.js'],
  // Allowed: where roles meet.
  'src/compose/index.ts': ['../runtime/index.js', '../registry/index.js'],
};

let dir: string;
let violations: IViolation[];

function arrow(from: string, to: string): string[] {
  return violations.filter((v) => v.from === from && v.to === to).map((v) => v.rule.name);
}

describe('the import rules of src/', () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentmesh-import-rules-'));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true }, include: ['src'] }));
    for (const [file, imports] of Object.entries(TREE)) {
      mkdirSync(join(dir, dirname(file)), { recursive: true });
      const lines = imports.map((i, n) => (i.startsWith('type:') ? `import type { T${n} } from '${i.slice(5)}';\nexport type { T${n} };` : `import * as m${n} from '${i}';\nexport { m${n} };`));
      writeFileSync(join(dir, file), `${lines.join('\n')}\nexport type T0 = 0;\nexport type T1 = 1;\n`);
    }
    const cwd = process.cwd();
    // The rules' paths are relative to the folder cruised from, as `npm run lint` runs them from the repository.
    process.chdir(dir);
    try {
      const result = await cruise(['src'], { ...rules.options, ruleSet: { forbidden: rules.forbidden ?? [] }, validate: true, outputType: 'json' } as never);
      const output = (typeof result.output === 'string' ? JSON.parse(result.output) : result.output) as { summary: { violations: IViolation[] } };
      violations = output.summary.violations;
    } finally {
      process.chdir(cwd);
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('reports a role importing another role, even for a type only', () => {
    assert.deepEqual(arrow('src/gateway/index.ts', 'src/registry/index.ts'), ['no-role-to-role']);
  });

  test('reports an import cycle', () => {
    assert.ok(violations.some((v) => v.rule.name === 'no-circular' && ['src/http/server-state.ts', 'src/http/probes.ts'].includes(v.from)), JSON.stringify(violations));
  });

  test('reports a floor importing a role, and contracts importing anything but protocol', () => {
    assert.deepEqual(arrow('src/audit/index.ts', 'src/runtime/index.ts'), ['no-floor-upwards']);
    assert.deepEqual(arrow('src/contracts/agent/index.ts', 'src/storage/index.ts'), ['contracts-stand-on-protocol']);
  });

  test('reports node-version importing anything of ours but itself, and lets protocol and contracts import it', () => {
    assert.deepEqual(arrow('src/node-version/index.ts', 'src/ranking/index.ts'), ['node-version-stands-alone']);
    assert.deepEqual(arrow('src/protocol/index.ts', 'src/node-version/check-on-import.ts'), []);
    assert.deepEqual(arrow('src/contracts/registry-client/index.ts', 'src/node-version/check-on-import.ts'), []);
  });

  test('lets roles stand on contracts and the floors, and compose put roles together', () => {
    const allowed = ['src/registry/index.ts', 'src/runtime/index.ts', 'src/compose/index.ts', 'src/contracts/registry/index.ts', 'src/storage/index.ts'];
    assert.deepEqual(violations.filter((v) => allowed.includes(v.from)), []);
  });
});
