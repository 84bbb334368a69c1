import { test } from 'node:test';
import assert from 'node:assert/strict';
import { negotiateCardVersion } from '../../../src/protocol/versions.js';

// ADR 0033: a card request that names no version gets the v1.0 card at agent-card.json (A2A §8.2, §4.4.1)
// and the v0.3 shape at the v0.2-era agent.json; a named version is negotiated as for any request.

test('no version named: 1.0 at agent-card.json, 0.3 at agent.json', () => {
  for (const none of [undefined, '', '  ']) {
    assert.equal(negotiateCardVersion(none, 'agent-card.json'), '1.0');
    assert.equal(negotiateCardVersion(none, 'agent.json'), '0.3');
  }
});

test('a named version wins on either path, and an unknown one is refused', () => {
  for (const file of ['agent-card.json', 'agent.json'] as const) {
    assert.equal(negotiateCardVersion('0.3', file), '0.3');
    assert.equal(negotiateCardVersion('0.3.0', file), '0.3');
    assert.equal(negotiateCardVersion('1.0', file), '1.0');
    assert.equal(negotiateCardVersion('1', file), '1.0');
    assert.throws(() => negotiateCardVersion('2.0', file), { code: 'AM_ERR_PROTOCOL_VERSION_NOT_SUPPORTED' });
  }
});
