import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSsrfGuard } from '../../../src/http/outbound/ssrf-guard.js';
import { cardLocations } from '../../../src/registry/intake/card-fetch.js';
import { createCardIntake } from '../../../src/registry/intake/card-intake.js';
import type { CardIntakeOptions } from '../../../src/registry/intake/card-intake-options.js';

describe('cardLocations', () => {
  test('a URL ending in .json is the card itself', () => {
    assert.deepEqual(cardLocations('https://agents.example.com/cards/sales.json?v=2#top'), ['https://agents.example.com/cards/sales.json?v=2']);
  });

  test('the base URL of an agent leads to its well-known card, then to the v0.3-era name', () => {
    assert.deepEqual(cardLocations('https://agents.example.com/agents/sales/'), [
      'https://agents.example.com/agents/sales/.well-known/agent-card.json',
      'https://agents.example.com/agents/sales/.well-known/agent.json',
    ]);
    assert.deepEqual(cardLocations('http://127.0.0.1:8080'), ['http://127.0.0.1:8080/.well-known/agent-card.json', 'http://127.0.0.1:8080/.well-known/agent.json']);
  });

  test('anything but an absolute http(s) URL is refused as an invalid argument', () => {
    for (const input of ['agents.example.com', 'ftp://agents.example.com/card.json', '', 42 as unknown as string]) {
      assert.throws(
        () => cardLocations(input),
        (err: any) => {
          assert.equal(err.code, 'AM_ERR_REGISTRY_INVALID_ARGUMENT');
          assert.deepEqual(err.violations, [{ field: 'cardUrl', description: 'must be an absolute http(s) URL' }]);
          return true;
        },
      );
    }
  });
});

describe('createCardIntake options', () => {
  const guard = createSsrfGuard();
  const refused: Array<[string, Partial<CardIntakeOptions> | undefined, RegExp]> = [
    ['no guard', {}, /"ssrfGuard" option is required/],
    ['no options', undefined, /needs an options object/],
    ['a zero timeout', { ssrfGuard: guard, fetchTimeoutMs: 0 }, /"fetchTimeoutMs" option must be a positive integer \(milliseconds\)/],
    ['a fractional size', { ssrfGuard: guard, maxCardBytes: 1.5 }, /"maxCardBytes" option must be a positive integer \(bytes\)/],
    ['a key without kid', { ssrfGuard: guard, trustedKeys: [{ kty: 'EC' } as never] }, /"trustedKeys\[0\]" must have a "kid"/],
    ['a repeated kid', { ssrfGuard: guard, trustedKeys: [{ kty: 'EC', kid: 'a' }, { kty: 'EC', kid: 'a' }] }, /"trustedKeys\[1\]" repeats kid "a"/],
    ['a string flag', { ssrfGuard: guard, requireSignature: 'yes' as never }, /"requireSignature" option must be true or false/],
    ['a zero key-set reuse time', { ssrfGuard: guard, keySetCache: { maxTtlMs: 0 } }, /"keySetCache.maxTtlMs" option must be a positive integer \(milliseconds\)/],
    ['a fractional key-set count', { ssrfGuard: guard, keySetCache: { maxSets: 2.5 } }, /"keySetCache.maxSets" option must be a positive integer \(key sets\)/],
    ['a cooldown given as text', { ssrfGuard: guard, keySetCache: { refetchCooldownMs: '5000' as never } }, /"keySetCache.refetchCooldownMs" option must be a positive integer/],
    ['key-set bounds that are no object', { ssrfGuard: guard, keySetCache: 60_000 as never }, /"keySetCache" option must be an object/],
    ['a misspelt key-set bound', { ssrfGuard: guard, keySetCache: { maxTtl: 60_000 } as never }, /"keySetCache" option has no member "maxTtl" \(members: minTtlMs, defaultTtlMs, maxTtlMs, refetchCooldownMs, maxSets\)/],
    ['key-set reuse times out of order', { ssrfGuard: guard, keySetCache: { minTtlMs: 90_000 } }, /"keySetCache" option needs minTtlMs <= defaultTtlMs <= maxTtlMs, got 90000, 60000, 120000/],
  ];
  for (const [what, options, message] of refused) {
    test(`refuses ${what}, naming the option`, () => {
      assert.throws(
        () => createCardIntake(options as CardIntakeOptions),
        (err: any) => {
          assert.equal(err.code, 'AM_ERR_CONFIG_INVALID');
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }
});
