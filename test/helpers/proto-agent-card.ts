import { readFileSync } from 'node:fs';

/**
 * The fields of A2A v1.0's `AgentCard` message (A2A §4.4.1), read from the
 * specification's own `a2a.proto` (test/fixtures), in their ProtoJSON names
 * (lowerCamelCase): every field a v1.0 card may carry, and the ones marked
 * REQUIRED. A test that holds a served card to them needs no copy of the
 * list that could drift from the specification.
 *
 * @example
 * const { fields, required } = agentCardFields();
 * assert.deepEqual(Object.keys(card).filter((k) => !fields.has(k)), []);
 */
export function agentCardFields(): { fields: ReadonlySet<string>; required: readonly string[] } {
  const text = readFileSync(new URL('../fixtures/a2a-v1.0.1.proto', import.meta.url), 'utf8');
  const body = /^message AgentCard \{([\s\S]*?)^\}/m.exec(text)?.[1];
  if (body === undefined) throw new Error('a2a-v1.0.1.proto declares no AgentCard');
  const fields = new Set<string>();
  const required: string[] = [];
  for (const f of body.matchAll(/^\s+(?:repeated |optional )?[\w.<>, ]+? (\w+) = \d+([^;]*);/gm)) {
    const name = f[1]!.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    fields.add(name);
    if (f[2]!.includes('REQUIRED')) required.push(name);
  }
  return { fields, required };
}
