/**
 * A registration whose card or metadata nests thousands of levels deep is
 * refused as a bad request before anything walks it: it overflowed the stack
 * of the JSON text the store writes (a 500), and a review hold's diff walks it
 * too (CONTRIBUTING.md, "Hostile input").
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, sampleCard, startRegistry } from '../../helpers/registry-fixture.js';

let reg: Awaited<ReturnType<typeof startRegistry>>;
before(async () => {
  reg = await startRegistry({ review: { required: true } });
});
after(() => reg.close());

/** JSON text nesting `{"a": …}` `depth` levels deep, written as text (building it as objects would overflow the test's own stack). */
const nested = (depth: number) => `${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}`;
const withParams = (params: string) => JSON.stringify(sampleCard('deep', { capabilities: { streaming: true, extensions: [{ uri: 'https://x.example/e', params: { marker: 1 } }] } })).replace('{"marker":1}', params);

test('a card or metadata nested past 100 levels is a 400 naming the limit, held or not; one within it is registered', async () => {
  assert.equal((await call(reg.url, 'PUT', '/v1/agents/deep', { card: sampleCard('deep') })).status, 201);
  for (const body of [`{"card":${withParams(nested(20_000))}}`, `{"card":${JSON.stringify(sampleCard('deep'))},"metadata":{"configSchema":${nested(5_000)}}}`]) {
    const refused = await call(reg.url, 'PUT', '/v1/agents/deep', body);
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.error.message, 'The request body nests deeper than 100 levels');
  }
  const within = await call(reg.url, 'PUT', '/v1/agents/deep', `{"card":${withParams(nested(60))}}`);
  assert.equal(within.status, 202, 'held for review, its diff walked');
});
