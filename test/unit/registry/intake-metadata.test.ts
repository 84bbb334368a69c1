import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentCard } from '@a2a-js/sdk';
import { validateAgentMetadata } from '../../../src/registry/intake/metadata-validation.js';

const card = AgentCard.fromJSON({
  name: 'Lookalike Scorer',
  description: 'Scores leads by similarity to your best customers',
  version: '1.0.0',
  supportedInterfaces: [{ url: 'https://agents.example.com/lookalike', protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
  capabilities: {},
  defaultInputModes: ['application/json'],
  defaultOutputModes: ['application/json'],
  skills: [
    { id: 'score-lookalikes', name: 'Score lookalikes', description: 'Ranks leads', tags: ['leads'] },
    { id: 'explain-score', name: 'Explain score', description: 'Explains a score', tags: ['leads'] },
  ],
});

/** Seed 004's DataEngineer-style metadata, complete. */
function fullMetadata(): Record<string, any> {
  return {
    department: 'marketing',
    owner: 'growth-data@dealscale.example.com',
    maintainers: ['ana@dealscale.example.com', 'raj@dealscale.example.com'],
    costCenter: 'CC-4410',
    sla: { tier: 'gold', availability: 99.9, maxLatencyMs: 2500 },
    maxConcurrentTasks: 20,
    requiredScopes: ['leads:read', 'leads:score'],
    rateLimit: { requestsPerMinute: 600, burst: 50 },
    tenantAware: true,
    tenants: ['acme', 'globex'],
    regions: ['eu-west-1', 'us-east-1'],
    documentationUrl: 'https://docs.dealscale.example.com/lookalike',
    tags: ['lookalike', 'ml'],
    configSchema: { type: 'object', properties: { threshold: { type: 'number', minimum: 0, maximum: 1 } }, additionalProperties: false },
    skills: {
      'score-lookalikes': {
        inputSchema: { type: 'object', required: ['leadIds'], properties: { leadIds: { type: 'array', items: { type: 'string' } } } },
        outputSchema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { scores: { type: 'array', prefixItems: [{ type: 'number' }] } } },
        pricing: { creditsPerCall: 1, creditsPerItem: 0.5, itemsPath: 'leadIds' },
        requiredScopes: ['leads:score'],
      },
      'explain-score': { pricing: { creditsPerCall: 2 }, workflow: { steps: [{ id: 'score', kind: 'call', agent: 'lead-scorer' }] } },
    },
    pii: { action: 'redact', kinds: ['email', 'card'] },
  };
}

function problems(raw: unknown): { message: string; violations: Array<{ field: string; description: string }> } {
  let caught: any;
  assert.throws(
    () => validateAgentMetadata(raw, card),
    (err: any) => {
      caught = err;
      return true;
    },
  );
  assert.equal(caught.code, 'AM_ERR_REGISTRY_INVALID_ARGUMENT', caught.message);
  assert.equal(caught.statusCode, 400);
  return caught;
}

function descriptionOf(violations: Array<{ field: string; description: string }>, field: string): string | undefined {
  return violations.find((v) => v.field === field)?.description;
}

describe('validateAgentMetadata', () => {
  test('returns a copy of valid metadata', () => {
    const raw = fullMetadata();
    const metadata = validateAgentMetadata(raw, card);
    assert.deepEqual(metadata, fullMetadata());
    assert.notEqual(metadata, raw);
    assert.notEqual(metadata.sla, raw.sla);
  });

  test('absent metadata is empty metadata', () => {
    assert.deepEqual(validateAgentMetadata(undefined, card), {});
  });

  test('refuses metadata that is not an object', () => {
    for (const raw of [null, 'gold', [1]]) {
      assert.deepEqual(problems(raw).violations, [{ field: 'metadata', description: 'must be an object' }]);
    }
  });

  test('checks types, enums and numbers, naming each field by its path', () => {
    const { violations } = problems({
      department: 7,
      sla: { tier: 'platinum', availability: 120, maxLatencyMs: 0 },
      maxConcurrentTasks: 1.5,
      rateLimit: { requestsPerMinute: 0 },
      tenantAware: 'yes',
      regions: ['eu-west-1', ''],
    });
    assert.equal(descriptionOf(violations, 'metadata.department'), 'must be a string');
    assert.equal(descriptionOf(violations, 'metadata.sla.tier'), 'must be one of gold, silver, bronze');
    assert.equal(descriptionOf(violations, 'metadata.sla.availability'), 'must be at most 100');
    assert.equal(descriptionOf(violations, 'metadata.sla.maxLatencyMs'), 'must be greater than 0');
    assert.equal(descriptionOf(violations, 'metadata.maxConcurrentTasks'), 'must be a whole number');
    assert.equal(descriptionOf(violations, 'metadata.rateLimit.requestsPerMinute'), 'must be at least 1');
    assert.equal(descriptionOf(violations, 'metadata.tenantAware'), 'must be true or false');
    assert.equal(descriptionOf(violations, 'metadata.regions[1]'), 'must not be empty');
    assert.equal(violations.length, 8);
  });

  test('a PII policy names an action the gateway knows and only kinds it detects', () => {
    assert.deepEqual(validateAgentMetadata({ pii: { action: 'block' } }, card), { pii: { action: 'block' } });
    const { violations } = problems({ pii: { action: 'shred', kinds: ['email', 'dna'] } });
    assert.equal(descriptionOf(violations, 'metadata.pii.action'), 'must be one of log, redact, block');
    assert.equal(descriptionOf(violations, 'metadata.pii.kinds[1]'), 'must be one of email, phone, card, us_ssn, uk_nino');
    assert.equal(descriptionOf(problems({ pii: { kinds: [] } }).violations, 'metadata.pii.action'), 'is required');
  });

  test('requires the SLA tier and the rate per minute', () => {
    const { violations } = problems({ sla: { availability: 99 }, rateLimit: { burst: 5 } });
    assert.deepEqual(violations, [
      { field: 'metadata.sla.tier', description: 'is required' },
      { field: 'metadata.rateLimit.requestsPerMinute', description: 'is required' },
    ]);
  });

  test('requires absolute http(s) URLs and OAuth scope syntax', () => {
    const { violations } = problems({ documentationUrl: 'docs/lookalike', requiredScopes: ['leads read'] });
    assert.equal(descriptionOf(violations, 'metadata.documentationUrl'), 'must be an absolute http(s) URL');
    assert.equal(descriptionOf(violations, 'metadata.requiredScopes[0]'), 'must be an OAuth scope: printable characters without spaces, quotes or backslashes');
  });

  test('refuses unknown keys at every level', () => {
    const { violations } = problems({ maxConcurentTasks: 5, sla: { tier: 'gold', uptime: 99 }, skills: { 'explain-score': { price: 1 } } });
    assert.deepEqual(violations, [
      { field: 'metadata.maxConcurentTasks', description: 'is not a known field' },
      { field: 'metadata.sla.uptime', description: 'is not a known field' },
      { field: 'metadata.skills.explain-score.price', description: 'is not a known field' },
    ]);
  });

  test('skill metadata must be about skills of the card', () => {
    const { violations } = problems({ skills: { 'score-leads': { pricing: { creditsPerCall: 1 } } } });
    assert.deepEqual(violations, [{ field: 'metadata.skills.score-leads', description: 'is not a skill of the agent card (its skills: score-lookalikes, explain-score)' }]);
  });

  test('pricing must charge something, and itemsPath needs creditsPerItem', () => {
    const { violations } = problems({
      skills: { 'score-lookalikes': { pricing: { itemsPath: 'leadIds' } }, 'explain-score': { pricing: { creditsPerCall: -1, itemsPath: 'a..b' } } },
    });
    assert.deepEqual(
      [...violations].sort((a, b) => a.field.localeCompare(b.field)),
      [
        { field: 'metadata.skills.explain-score.pricing.creditsPerCall', description: 'must be greater than 0' },
        { field: 'metadata.skills.explain-score.pricing.itemsPath', description: 'must be a dot path into the skill input, such as leadIds or batch.items' },
        { field: 'metadata.skills.explain-score.pricing.itemsPath', description: 'needs creditsPerItem: it counts the items that are charged per item' },
        { field: 'metadata.skills.score-lookalikes.pricing', description: 'must set creditsPerCall, creditsPerItem or both' },
        { field: 'metadata.skills.score-lookalikes.pricing.itemsPath', description: 'needs creditsPerItem: it counts the items that are charged per item' },
      ],
    );
  });

  test('declared JSON Schemas must compile, with the compiler error reported', () => {
    const { violations } = problems({
      configSchema: { type: 'object', properties: { threshold: { type: 'numbr' } } },
      skills: {
        'score-lookalikes': { inputSchema: { $ref: 'https://schemas.example.com/leads.json' }, outputSchema: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' } },
        'explain-score': { inputSchema: 'object' },
      },
    });
    assert.match(descriptionOf(violations, 'metadata.configSchema') ?? '', /^is not a valid JSON Schema: \/properties\/threshold\/type must be equal to one of the allowed values/);
    assert.match(descriptionOf(violations, 'metadata.skills.score-lookalikes.inputSchema') ?? '', /^is not a valid JSON Schema: can't resolve reference https:\/\/schemas\.example\.com\/leads\.json/);
    assert.equal(descriptionOf(violations, 'metadata.skills.score-lookalikes.outputSchema'), 'declares $schema "http://json-schema.org/draft-04/schema#"; supported are draft-07, 2019-09 and 2020-12');
    assert.equal(descriptionOf(violations, 'metadata.skills.explain-score.inputSchema'), 'must be an object');
  });

  test('the same $id may be declared by several agents', () => {
    const withId = { configSchema: { $id: 'https://schemas.example.com/config.json', type: 'object' } };
    validateAgentMetadata(withId, card);
    validateAgentMetadata(structuredClone(withId), card);
  });

  test('reports every problem in one error with a readable message', () => {
    const { message, violations } = problems({ sla: { tier: 'platinum' }, owner: '', skills: { nope: {} } });
    assert.equal(violations.length, 3);
    assert.equal(
      message,
      [
        'The agent metadata has 3 problems:',
        '  - metadata.owner must not be empty',
        '  - metadata.sla.tier must be one of gold, silver, bronze',
        '  - metadata.skills.nope is not a skill of the agent card (its skills: score-lookalikes, explain-score)',
      ].join('\n'),
    );
  });
});
