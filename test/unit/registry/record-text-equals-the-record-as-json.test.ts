import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AgentCard } from '@a2a-js/sdk';
import { cardToJsonText, changeToJson, changeToJsonText, recordToJson, recordToJsonText } from '../../../src/contracts/registry/record-json.js';
import type { AgentRecord, RegistryChange } from '../../../src/contracts/registry/record.js';
import { sampleCard } from '../../helpers/registry-fixture.js';

// The registry writes records, changes and cards out as text, each card's text
// kept per card object; what a reader parses must be what the object form
// (the one every other path uses) says, whatever the record holds.

const text = fc.string({ maxLength: 12 });
const record = fc.record({
  name: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
  cardName: text,
  description: text,
  tags: fc.array(text, { maxLength: 3 }),
  metadata: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 4 }),
  revision: fc.integer({ min: 1, max: 1000 }),
  withCardUrl: fc.boolean(),
  withConfig: fc.boolean(),
}).map((r): AgentRecord => ({
  name: r.name,
  identifier: `urn:air:example.com:agent:${r.name}`,
  card: AgentCard.fromJSON({ ...sampleCard(r.cardName), description: r.description, skills: [{ id: 'work', name: 'Work', description: r.description, tags: r.tags }] }),
  ...(r.withCardUrl && { cardUrl: `https://agents.example.com/${r.name}/card` }),
  sourceProtocol: '1.0',
  signed: false,
  metadata: r.metadata,
  status: 'active',
  health: 'unknown',
  revision: r.revision,
  ...(r.withConfig && { activeConfigVersion: 3 }),
  createdAt: '2026-11-26T08:00:00.000Z',
  updatedAt: '2026-11-26T08:00:01.000Z',
}));

test('a record written as text parses to the record as JSON', () => {
  fc.assert(fc.property(record, (r) => assert.deepEqual(JSON.parse(recordToJsonText(r)), JSON.parse(JSON.stringify(recordToJson(r))))));
});

test('a change written as text parses to the change as JSON, with and without its record', () => {
  fc.assert(
    fc.property(record, fc.boolean(), fc.integer({ min: 1, max: 1e9 }), (r, withRecord, seq) => {
      const change: RegistryChange = { seq, kind: withRecord ? 'updated' : 'deregistered', agent: r.name, at: '2026-11-26T08:00:02.000Z', ...(withRecord && { record: r }), ...(!withRecord && { detail: { reason: 'gone' } }) };
      assert.deepEqual(JSON.parse(changeToJsonText(change)), JSON.parse(JSON.stringify(changeToJson(change))));
    }),
  );
});

test("a recent card's text is written once and reads back as the same card", () => {
  const card = AgentCard.fromJSON(sampleCard('Invoice matcher'));
  const first = cardToJsonText(card);
  assert.equal(cardToJsonText(card), first, 'the kept text, not a new one');
  assert.deepEqual(AgentCard.fromJSON(JSON.parse(first)), card);
});
