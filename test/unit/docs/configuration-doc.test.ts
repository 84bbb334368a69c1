import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatewayConfigSchema } from '../../../src/gateway/config.js';
import { orchestratorConfigSchema } from '../../../src/orchestrator/config.js';
import { registryConfigSchema } from '../../../src/registry/config.js';
import { runtimeConfigSchema } from '../../../src/runtime/config.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const doc = readFileSync(join(root, 'docs/configuration.md'), 'utf8');

/** A name written in code style, not as the prefix of a longer one (`PORT` is not found in `PORTS`). */
const documented = (name: string): boolean => new RegExp(`\`${name}(?![A-Za-z0-9_])`).test(doc);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

test('docs/configuration.md lists every environment variable the CLI reads', () => {
  // Nothing below cli/ reads the environment (CONTRIBUTING.md, "Configuration is read once, at the edge"), so cli/ (and the example agents, outside src/) hold every variable.
  const names = new Set<string>();
  for (const file of [...sourceFiles(join(root, 'src/cli')), ...sourceFiles(join(root, 'agents'))]) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/env(?:\[['"]|\.)([A-Z][A-Z0-9_]*)/g)) names.add(match[1]!);
    // The role readers' tables: assignEnvTexts(config, env, { NAME: 'field', … }), likewise assignEnvInts.
    for (const [, entries] of text.matchAll(/assignEnv(?:Texts|Ints)\([^{)]*\{([^}]*)\}/g)) for (const [, name] of entries!.matchAll(/\b([A-Z][A-Z0-9_]{2,})\s*:/g)) names.add(name!);
  }
  assert.ok(names.has('DATABASE_URL') && names.has('GATEWAY_SECRET'), 'the scan finds the variables of src/cli');
  assert.ok(names.has('REGISTRY_PUBLIC_URL') && names.has('GATEWAY_CREDITS_FLUSH_MS'), "the scan finds the variables of the role readers' tables");
  const missing = [...names].filter((name) => !documented(name)).sort();
  assert.deepEqual(missing, [], `add these environment variables to docs/configuration.md: ${missing.join(', ')}`);
});

test('docs/configuration.md lists every config key of every role', () => {
  const schemas = { runtime: runtimeConfigSchema, registry: registryConfigSchema, gateway: gatewayConfigSchema, orchestrator: orchestratorConfigSchema };
  const missing = Object.entries(schemas).flatMap(([role, schema]) => Object.keys(schema.shape).filter((key) => !documented(key)).map((key) => `${role}.${key}`));
  assert.deepEqual(missing, [], `add these settings to docs/configuration.md: ${missing.join(', ')}`);
});
