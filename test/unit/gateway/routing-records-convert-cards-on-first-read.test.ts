import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentCard } from '@a2a-js/sdk';
import { recordFromJson, recordFromJsonLazily, recordToJson, type WireAgentRecord } from '../../../src/contracts/registry/record-json.js';
import { sampleCard } from '../../helpers/registry-fixture.js';

// A gateway loading a large registry keeps each record's card as the wire sent it
// and converts it when a call first reads it: what it reads must be what the
// eager conversion gave, however the record is then used.

const wire = {
  name: 'invoice-matcher',
  identifier: 'urn:air:acme.com:agent:invoice-matcher',
  // With a security scheme: a oneof in the card's proto form, converted too.
  card: sampleCard('invoice-matcher', { securitySchemes: { bearer: { httpAuthSecurityScheme: { scheme: 'Bearer' } } } }),
  sourceProtocol: '1.0',
  signed: false,
  metadata: { department: 'finance' },
  status: 'active',
  health: 'healthy',
  revision: 3,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-02T00:00:00.000Z',
} as unknown as WireAgentRecord;

test('a record converted on first read equals the eager conversion, field by field and card included', () => {
  const lazy = recordFromJsonLazily(wire);
  const eager = recordFromJson(wire);
  assert.equal(lazy.name, eager.name);
  assert.equal(lazy.revision, eager.revision);
  assert.deepEqual(lazy.card, eager.card);
  assert.deepEqual(AgentCard.toJSON(lazy.card), AgentCard.toJSON(eager.card));
});

test('the card is converted once: every read returns the same object', () => {
  const lazy = recordFromJsonLazily(wire);
  assert.equal(lazy.card, lazy.card);
});

test('copies, JSON and key listings of a lazy record carry the converted card', () => {
  const lazy = recordFromJsonLazily(wire);
  const eager = recordFromJson(wire);
  assert.deepEqual({ ...lazy }, { ...eager });
  assert.ok(Object.keys(lazy).includes('card'));
  assert.deepEqual(JSON.parse(JSON.stringify(recordToJson(lazy))), JSON.parse(JSON.stringify(recordToJson(eager))));
});

test('lazy records keep fast properties and share one hidden class, so the code that reads them stays optimized', async () => {
  const { setFlagsFromString } = await import('node:v8');
  setFlagsFromString('--allow-natives-syntax');
  // Compiled after the flag: V8's own checks, which no JavaScript API offers.
  const fast = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
  const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
  setFlagsFromString('--no-allow-natives-syntax');
  const first = recordFromJsonLazily(wire);
  const second = recordFromJsonLazily({ ...wire, revision: 4 } as WireAgentRecord);
  const third = recordFromJsonLazily(wire);
  void third.card;
  assert.ok(fast(first) && fast(second) && fast(third));
  assert.ok(sameMap(first, second));
  assert.ok(sameMap(first, third));
  assert.equal(second.revision, 4);
  assert.deepEqual(second.card, recordFromJson(wire).card);
});

test('an object made with a lazy record as prototype reads its card', () => {
  const lazy = recordFromJsonLazily(wire);
  const child = Object.create(lazy) as typeof lazy;
  assert.equal(child.card, lazy.card);
});
