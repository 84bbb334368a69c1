import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

/*
 * What the package ships (src/, agents/) may import only what
 * package.json declares as a dependency. A devDependency imported at runtime
 * works in this repository and breaks every installed copy.
 */
const root = new URL('../../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
const declared = new Set([...Object.keys(pkg['dependencies'] ?? {}), ...Object.keys(pkg['optionalDependencies'] ?? {}), ...Object.keys(pkg['peerDependencies'] ?? {}), 'agentmesh']);
const builtins = new Set(builtinModules);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Package name of a bare specifier: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Specifiers of imports that exist at run time (not `import type`, not `import { type … }` only). */
function runtimeImports(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(?!type\s)([^'";]*?)\s*from\s*'([^']+)'/gm)) {
    const clause = m[2]!;
    const onlyTypes = /^\{[^}]*\}$/.test(clause) && clause.slice(1, -1).split(',').every((n) => n.trim() === '' || n.trim().startsWith('type '));
    if (!onlyTypes) found.push(m[3]!);
  }
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) found.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) found.push(m[1]!);
  // `require('x')`, and `load('x')`: the createRequire helper optional features load through.
  for (const m of text.matchAll(/\b(?:require|load)\(\s*'([^']+)'\s*\)/g)) found.push(m[1]!);
  return found;
}

/** Specifiers of `import type … from` (erased at run time, kept in the declarations). */
function typeImports(text: string): string[] {
  return [...text.matchAll(/^\s*import\s+type\s[^'";]*?from\s*'([^']+)'/gm)].map((m) => m[1]!);
}

/**
 * Dependencies the shipped code never imports but a dependency it uses loads
 * as its own peer: the SDK's gRPC server and client (`@a2a-js/sdk/server/grpc`,
 * `/client/grpc`, the gRPC binding) decode protobuf with `@bufbuild/protobuf`.
 */
const PEERS_OF_USED: Readonly<Record<string, string>> = { '@bufbuild/protobuf': '@a2a-js/sdk' };

describe('the shipped code imports only declared dependencies', () => {
  test('every bare import under src/ and agents/ is a dependency or a Node built-in', () => {
    const undeclared: string[] = [];
    for (const file of [...sourceFiles(join(root, 'src')), ...sourceFiles(join(root, 'agents'))]) {
      const text = readFileSync(file, 'utf8');
      // Type-only imports count: they are in the shipped declarations, which users' compilers read.
      for (const specifier of [...runtimeImports(text), ...typeImports(text)]) {
        if (specifier.startsWith('.') || specifier.startsWith('node:') || builtins.has(specifier)) continue;
        if (!declared.has(packageOf(specifier))) undeclared.push(`${file.slice(root.length)}: ${specifier}`);
      }
    }
    assert.deepEqual(undeclared, []);
  });

  test('every dependency is imported by the shipped code (none carried for nothing)', () => {
    const used = new Set<string>();
    for (const file of [...sourceFiles(join(root, 'src')), ...sourceFiles(join(root, 'agents'))]) {
      const text = readFileSync(file, 'utf8');
      for (const specifier of runtimeImports(text)) used.add(packageOf(specifier));
      // A type-only import is a use too: the shipped declarations (.d.ts) import it, so users' compilers need it.
      for (const specifier of typeImports(text)) used.add(packageOf(specifier));
    }
    // A peer a used dependency loads itself: declared here so installs get it, imported only by that dependency.
    for (const [peer, of] of Object.entries(PEERS_OF_USED)) {
      assert.ok(used.has(of), `${of} is used`);
      const ofPkg = JSON.parse(readFileSync(join(root, 'node_modules', of, 'package.json'), 'utf8')) as { peerDependencies?: Record<string, string> };
      assert.ok(ofPkg.peerDependencies?.[peer] !== undefined, `${peer} is a peer dependency of ${of}`);
      used.add(peer);
    }
    assert.deepEqual(Object.keys(pkg['dependencies'] ?? {}).filter((name) => !used.has(name)), []);
  });

  test('the scanner sees what it must: a value import, a dynamic import, and not a type-only import', () => {
    const text = "import { a } from 'dep-a';\nimport type { B } from 'dep-b';\nimport { type C } from 'dep-c';\nconst d = await import('dep-d');\nexport { e } from 'dep-e';";
    assert.deepEqual(runtimeImports(text).sort(), ['dep-a', 'dep-d', 'dep-e']);
  });
});
