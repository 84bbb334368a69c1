import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from '../../../../src/protocol/errors.js';
import { RegistryReader } from '../../../../src/orchestrator/router/registry-reader.js';
import { call, sampleCard, startRegistry } from '../../../helpers/registry-fixture.js';

describe('RegistryReader', () => {
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  before(async () => {
    registry = await startRegistry();
    for (const name of ['alpha', 'beta']) {
      const skills = [{ id: 'translate', name: 'Translate', description: 'Translates text into French', tags: ['translation', name], examples: [] }];
      assert.equal((await call(registry.url, 'PUT', `/v1/agents/${name}`, { card: sampleCard(name, { skills }), metadata: { tags: ['languages'], tenants: name === 'beta' ? ['acme'] : [] } })).status, 201);
    }
  });
  after(async () => {
    await registry.close();
  });

  test('lists agents by skill and by tag, and reads one agent with its card, tenants and tags', async () => {
    const reader = new RegistryReader({ url: registry.url });
    assert.deepEqual((await reader.agentsWithSkill('translate')).map((a) => a.name), ['alpha', 'beta']);
    assert.deepEqual((await reader.agentsWithTag('beta')).map((a) => a.name), ['beta']);
    const beta = await reader.agent('beta');
    assert.equal(beta?.card.skills[0]?.id, 'translate');
    assert.deepEqual([beta?.status, beta?.tenants, beta?.tags], ['active', ['acme'], ['languages']]);
    assert.equal(await reader.agent('nobody'), undefined);
  });

  test('searches the catalog by text, best first, with scores', async () => {
    const hits = await new RegistryReader({ url: registry.url }).search('translate into french');
    assert.deepEqual(hits.map((h) => h.name).sort(), ['alpha', 'beta']);
    assert.ok(hits.every((h) => h.score > 0 && h.score <= 100));
  });

  test('reuses an answer within its TTL and reads again after it', async () => {
    let now = 0;
    const reader = new RegistryReader({ url: registry.url, cacheTtlMs: 1000, now: () => now });
    assert.equal((await reader.agentsWithSkill('summarize')).length, 0);
    assert.equal((await call(registry.url, 'PUT', '/v1/agents/gamma', { card: sampleCard('gamma', { skills: [{ id: 'summarize', name: 'Summarize', description: 'Summaries', tags: [], examples: [] }] }) })).status, 201);
    now = 999;
    assert.equal((await reader.agentsWithSkill('summarize')).length, 0, 'cached');
    now = 1000;
    assert.deepEqual((await reader.agentsWithSkill('summarize')).map((a) => a.name), ['gamma']);
  });

  test('fails with a retryable upstream error when the registry cannot be reached', async () => {
    const reader = new RegistryReader({ url: 'http://127.0.0.1:9', timeoutMs: 2000 });
    await assert.rejects(reader.search('anything'), (err: any) => {
      assert.equal(err.code, ErrorCodes.HTTP_UPSTREAM_FAILED);
      assert.equal(err.retryable, true);
      assert.match(err.message, /^cannot reach the registry at http:\/\/127\.0\.0\.1:9: /);
      return true;
    });
  });

  test('refuses a registry URL that is not http(s)', () => {
    assert.throws(() => new RegistryReader({ url: 'file:///etc/passwd' }), { code: ErrorCodes.CONFIG_INVALID });
    assert.throws(() => new RegistryReader({ url: 'registry:4100' }), { code: ErrorCodes.CONFIG_INVALID });
  });
});
