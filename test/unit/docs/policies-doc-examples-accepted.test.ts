/**
 * Every policy docs/policies.md shows is one the gateway accepts as written:
 * an example a reader copies must not be refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { validatePolicy } from '../../../src/gateway/policies/index.js';

test('the policies in docs/policies.md are accepted as written', () => {
  const doc = readFileSync(new URL('../../../docs/policies.md', import.meta.url), 'utf8');
  const policies = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>).filter((v) => v['effect'] !== undefined);
  assert.ok(policies.length >= 11, `${policies.length} policies found`);
  for (const p of policies) assert.doesNotThrow(() => validatePolicy(p), String(p['id']));
});
