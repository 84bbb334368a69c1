import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from '../../../src/protocol/errors.js';
import type { AgentRecord } from '../../../src/contracts/registry/index.js';
import { SearchIndex } from '../../../src/registry/search/search-index.js';
import type { SearchIndexOptions } from '../../../src/registry/search/index.js';
import { searchRecord, type AgentSpec } from './search-record.js';

/** Six agents with distinct metadata, for filters and facets. */
const AGENTS: AgentSpec[] = [
  {
    name: 'lead-scorer',
    displayName: 'Lead Scorer',
    description: 'Scores sales leads by similarity to your best customers.',
    publisher: 'dealscale.io',
    version: '3.2.1',
    skills: [{ id: 'scoreLookalike', name: 'Score lookalike audience', description: 'Ranks leads against a seed list', tags: ['ML', 'scoring'], examples: ['score my leads'] }],
    metadata: { department: 'Sales', owner: 'growth@dealscale.io', costCenter: 'DS-200', sla: { tier: 'gold' }, regions: ['us-east-1', 'eu-west-1'], tenantAware: true, tags: ['audience'] },
  },
  {
    name: 'lead-enricher',
    displayName: 'Lead Enricher',
    description: 'Adds company and contact data to leads.',
    publisher: 'dealscale.io',
    skills: [{ id: 'enrichLeads', name: 'Enrich leads', tags: ['enrichment', 'data'] }],
    metadata: { department: 'sales', sla: { tier: 'silver' }, regions: ['us-east-1'] },
  },
  {
    name: 'contract-reviewer',
    displayName: 'Contract Reviewer',
    description: 'Reviews agreements and flags risky clauses.',
    skills: [{ id: 'reviewContract', name: 'Review contract', tags: ['legal', 'contracts'] }],
    metadata: { department: 'legal', sla: { tier: 'gold' }, regions: ['eu-west-1'] },
    health: 'degraded',
  },
  {
    name: 'invoice-matcher',
    displayName: 'Invoice Matcher',
    description: 'Matches supplier invoices to purchase orders.',
    skills: [{ id: 'matchInvoice', name: 'Match invoice', tags: ['finance', 'invoices'] }],
    metadata: { department: 'finance', sla: { tier: 'bronze' }, tenants: ['acme'] },
  },
  {
    name: 'payroll-runner',
    displayName: 'Payroll Runner',
    description: 'Runs payroll for employees.',
    skills: [{ id: 'runPayroll', name: 'Run payroll', tags: ['hr', 'payroll'] }],
    metadata: { department: 'hr', sla: { tier: 'silver' }, tenants: ['globex'] },
    status: 'deprecated',
  },
  {
    name: 'ticket-router',
    displayName: 'Ticket Router',
    description: 'Routes support tickets to the right queue.',
    skills: [{ id: 'routeTicket', name: 'Route ticket', tags: ['support', 'tickets'] }, { id: 'scoreLookalike', name: 'Similar tickets', tags: ['support'] }],
    metadata: { department: 'support', sla: { tier: 'gold' }, regions: ['ap-southeast-2'] },
    health: 'down',
  },
];

function build(specs: AgentSpec[] = AGENTS, options: Partial<SearchIndexOptions> = {}): SearchIndex {
  const index = new SearchIndex({ baseUrl: 'https://registry.example.com', ...options });
  for (const spec of specs) index.upsert(searchRecord(spec));
  return index;
}

const names = (entries: Array<{ metadata?: Record<string, unknown> }>): string[] => entries.map((e) => e.metadata?.name as string);
const listed = (index: SearchIndex, filter: Record<string, unknown>, tenant?: string): string[] =>
  names(index.list({ filter, pageSize: 100, ...(tenant !== undefined && { tenant }) }).entries);

/** Asserts `fn` throws AM_ERR_REGISTRY_INVALID_ARGUMENT (or `code`) with a message matching `message`. */
function assertInvalid(fn: () => unknown, message: RegExp, code: string = ErrorCodes.REGISTRY_INVALID_ARGUMENT): void {
  assert.throws(fn, (err: { code?: string; message?: string; statusCode?: number }) => {
    assert.equal(err.code, code);
    assert.match(err.message ?? '', message);
    return true;
  });
}

describe('filters', () => {
  const index = build();

  test('match each standard field of the catalog entry', () => {
    assert.deepEqual(listed(index, { type: 'application/a2a-agent-card+json' }).length, 6);
    assert.deepEqual(listed(index, { tags: 'contracts' }), ['contract-reviewer']);
    assert.deepEqual(listed(index, { capabilities: 'enrichLeads' }), ['lead-enricher']);
    assert.deepEqual(listed(index, { publisher: 'dealscale.io' }), ['lead-enricher', 'lead-scorer']);
    assert.deepEqual(listed(index, { identifier: 'urn:air:acme.com:agent:payroll-runner' }), ['payroll-runner']);
    assert.deepEqual(listed(index, { displayName: 'Invoice Matcher' }), ['invoice-matcher']);
    assert.deepEqual(listed(index, { version: '3.2.1' }), ['lead-scorer']);
  });

  test('match every metadata key the catalog entry carries', () => {
    assert.deepEqual(listed(index, { 'metadata.name': 'ticket-router' }), ['ticket-router']);
    assert.deepEqual(listed(index, { 'metadata.status': 'deprecated' }), ['payroll-runner']);
    assert.deepEqual(listed(index, { 'metadata.health': 'degraded' }), ['contract-reviewer']);
    assert.deepEqual(listed(index, { 'metadata.department': 'legal' }), ['contract-reviewer']);
    assert.deepEqual(listed(index, { 'metadata.owner': 'growth@dealscale.io' }), ['lead-scorer']);
    assert.deepEqual(listed(index, { 'metadata.costCenter': 'DS-200' }), ['lead-scorer']);
    assert.deepEqual(listed(index, { 'metadata.slaTier': 'bronze' }), ['invoice-matcher']);
    assert.deepEqual(listed(index, { 'metadata.regions': 'ap-southeast-2' }), ['ticket-router']);
    assert.deepEqual(listed(index, { 'metadata.tenants': 'globex' }), ['payroll-runner']);
    assert.deepEqual(listed(index, { 'metadata.tenantAware': true }), ['lead-scorer']);
  });

  test('accept the friendly aliases', () => {
    assert.deepEqual(listed(index, { skill: 'routeTicket' }), ['ticket-router']);
    assert.deepEqual(listed(index, { skills: ['runPayroll', 'matchInvoice'] }), ['invoice-matcher', 'payroll-runner']);
    assert.deepEqual(listed(index, { tag: 'payroll' }), ['payroll-runner']);
    assert.deepEqual(listed(index, { department: 'finance' }), ['invoice-matcher']);
    assert.deepEqual(listed(index, { slaTier: 'silver' }), ['lead-enricher', 'payroll-runner']);
    assert.deepEqual(listed(index, { health: 'down' }), ['ticket-router']);
    assert.deepEqual(listed(index, { status: 'active' }).length, 5);
    assert.deepEqual(listed(index, { region: 'eu-west-1' }), ['contract-reviewer', 'lead-scorer']);
    assert.deepEqual(listed(index, { regions: ['ap-southeast-2'] }), ['ticket-router']);
  });

  test('OR the values of one key, AND the keys, and match array fields on any element', () => {
    assert.deepEqual(listed(index, { department: ['legal', 'hr'] }), ['contract-reviewer', 'payroll-runner']);
    assert.deepEqual(listed(index, { department: 'sales', slaTier: 'gold' }), ['lead-scorer']);
    assert.deepEqual(listed(index, { tags: ['scoring', 'tickets'], slaTier: 'gold' }), ['lead-scorer', 'ticket-router']);
    assert.deepEqual(listed(index, { capabilities: 'scoreLookalike', health: 'healthy' }), ['lead-scorer']);
    assert.deepEqual(listed(index, { department: 'sales', health: 'down' }), []);
  });

  test('compare values case-insensitively', () => {
    assert.deepEqual(listed(index, { department: 'SALES' }), ['lead-enricher', 'lead-scorer']);
    assert.deepEqual(listed(index, { tags: 'ml' }), ['lead-scorer']);
    assert.deepEqual(listed(index, { skill: 'SCORELOOKALIKE' }), ['lead-scorer', 'ticket-router']);
  });

  test('narrow search results as they narrow the list', () => {
    const all = index.search({ text: 'score leads' });
    const gold = index.search({ text: 'score leads', filter: { slaTier: 'silver' } });
    assert.ok(names(all.results).includes('lead-scorer'));
    assert.deepEqual(names(gold.results), ['lead-enricher']);
    assert.equal(gold.totalSize, 1);
  });

  test('refuse an unsupported field, naming the supported ones', () => {
    assertInvalid(() => index.search({ text: 'leads', filter: { color: 'red' } }), /^filter field "color" is not supported; supported: type, tags, capabilities, publisher, .*metadata\.slaTier.*, region, regions$/);
    assertInvalid(() => index.list({ filter: { 'metadata.secret': 'x' } }), /filter field "metadata\.secret" is not supported/);
  });

  test('refuse malformed values with the offending field', () => {
    assert.throws(() => index.search({ text: 'leads', filter: { tags: [] } }), (err: { violations?: Array<{ field: string }> }) => {
      assert.deepEqual(err.violations, [{ field: 'query.filter.tags', description: 'must not be an empty array' }]);
      return true;
    });
    assertInvalid(() => index.search({ text: 'leads', filter: { tags: { $in: ['ml'] } } }), /query\.filter\.tags must be a string, number or boolean/);
    assertInvalid(() => index.search({ text: 'leads', filter: { tags: [null] } }), /query\.filter\.tags must be a string, number or boolean/);
    assertInvalid(() => index.search({ text: 'leads', filter: ['tags'] as unknown as Record<string, unknown> }), /query\.filter must be an object/);
  });
});

describe('tenant visibility', () => {
  const index = build();

  test('hides agents restricted to other tenants and shows open ones to everyone', () => {
    assert.deepEqual(listed(index, {}, 'acme'), ['contract-reviewer', 'invoice-matcher', 'lead-enricher', 'lead-scorer', 'ticket-router']);
    assert.deepEqual(listed(index, {}, 'globex'), ['contract-reviewer', 'lead-enricher', 'lead-scorer', 'payroll-runner', 'ticket-router']);
    assert.deepEqual(listed(index, {}, 'initech'), ['contract-reviewer', 'lead-enricher', 'lead-scorer', 'ticket-router']);
    assert.equal(listed(index, {}).length, 6, 'no tenant: no restriction');
  });

  test('applies to search and explore alike', () => {
    assert.deepEqual(names(index.search({ text: 'invoices purchase orders', tenant: 'globex' }).results), []);
    assert.deepEqual(names(index.search({ text: 'invoices purchase orders', tenant: 'acme' }).results), ['invoice-matcher']);
    const facets = index.explore({ facets: [{ field: 'department' }], tenant: 'initech' }).facets;
    assert.deepEqual(facets.department?.buckets.map((b) => b.value).sort(), ['legal', 'sales', 'support']);
  });

  test('refuses an empty tenant', () => {
    assertInvalid(() => index.list({ tenant: '' }), /^tenant must be a non-empty string$/);
  });
});

describe('pagination', () => {
  const many = Array.from({ length: 45 }, (_, i) => ({
    name: `agent-${String(i).padStart(2, '0')}`,
    displayName: `Agent ${String(44 - i).padStart(2, '0')}`,
    description: i % 3 === 0 ? 'Scores sales leads quickly.' : i % 3 === 1 ? 'Scores sales leads and accounts for the sales team.' : 'Scores leads.',
    metadata: { department: i % 2 === 0 ? 'sales' : 'marketing' },
    updatedAt: new Date(Date.UTC(2026, 0, 1, 0, i % 7)).toISOString(),
  }));
  const index = build(many);

  test('walks every list page once, in order, with default size 20', () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = index.list({ ...(token !== undefined && { pageToken: token }) });
      assert.equal(page.totalSize, 45);
      if (pages < 2) assert.equal(page.entries.length, 20);
      seen.push(...names(page.entries));
      token = page.pageToken;
      pages += 1;
    } while (token !== undefined);
    assert.equal(pages, 3);
    assert.deepEqual(seen, many.map((a) => a.name));
  });

  test('orders by several fields, descending when asked, with the name breaking ties', () => {
    const byName = names(index.list({ orderBy: 'displayName desc', pageSize: 3 }).entries);
    assert.deepEqual(byName, ['agent-00', 'agent-01', 'agent-02']);
    const byTime = index.list({ orderBy: 'updated_at DESC, name asc', pageSize: 100 }).entries;
    const keys = byTime.map((e) => `${e.updatedAt as string}|${e.metadata?.name as string}`);
    const expected = [...keys].sort((a, b) => (a.split('|')[0]! === b.split('|')[0]! ? (a < b ? -1 : 1) : a < b ? 1 : -1));
    assert.deepEqual(keys, expected);
  });

  test('keeps list pages stable when an agent is registered between pages', () => {
    const local = build(many);
    const first = local.list({ pageSize: 10 });
    local.upsert(searchRecord({ name: 'agent-00a', description: 'sorts before the last entry seen' }));
    local.upsert(searchRecord({ name: 'agent-09a', description: 'sorts after it' }));
    const second = local.list({ pageSize: 10, pageToken: first.pageToken! });
    assert.deepEqual(names(second.entries), ['agent-09a', ...many.slice(10, 19).map((a) => a.name)]);
  });

  test('walks every search page once, best first, with default size 10', () => {
    const all = index.search({ text: 'sales leads', pageSize: 100 });
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = index.search({ text: 'sales leads', ...(token !== undefined && { pageToken: token }) });
      assert.ok(page.results.length <= 10);
      assert.equal(page.totalSize, all.totalSize);
      seen.push(...names(page.results));
      token = page.pageToken;
    } while (token !== undefined);
    assert.deepEqual(seen, names(all.results));
    assert.equal(new Set(seen).size, all.totalSize);
  });

  test('issues the same opaque token for the same query', () => {
    const a = index.search({ text: 'sales leads', pageSize: 5 }).pageToken;
    const b = index.search({ text: 'sales leads', pageSize: 5 }).pageToken;
    assert.equal(a, b);
    assert.match(a!, /^[A-Za-z0-9_-]+$/, 'base64url');
    assert.equal(index.list({ filter: { department: 'SALES' } }).pageToken, index.list({ filter: { department: ['sales'] } }).pageToken, 'one filter, two spellings');
  });

  test('refuses a token issued for another query', () => {
    const token = index.search({ text: 'sales leads', pageSize: 5 }).pageToken!;
    const listToken = index.list({ pageSize: 5 }).pageToken!;
    const foreign = /^pageToken was issued for a different query/;
    assertInvalid(() => index.search({ text: 'accounts', pageToken: token }), foreign);
    assertInvalid(() => index.search({ text: 'sales leads', filter: { department: 'sales' }, pageToken: token }), foreign);
    assertInvalid(() => index.search({ text: 'sales leads', tenant: 'acme', pageToken: token }), foreign);
    assertInvalid(() => index.list({ pageToken: token }), foreign);
    assertInvalid(() => index.list({ orderBy: 'displayName', pageToken: listToken }), foreign);
    assertInvalid(() => index.search({ text: 'sales leads', pageToken: listToken }), foreign);
  });

  test('refuses a malformed token', () => {
    assertInvalid(() => index.search({ text: 'sales leads', pageToken: 'not-a-token' }), /^pageToken is malformed/);
    assertInvalid(() => index.list({ pageToken: Buffer.from('{"v":1,"q":"x","o":-4}').toString('base64url') }), /^pageToken is malformed/);
    assertInvalid(() => index.list({ pageToken: '' }), /^pageToken must be a token/);
  });

  test('refuses page sizes outside 1–100', () => {
    for (const pageSize of [0, 101, 2.5, -1, '10' as unknown as number]) {
      assertInvalid(() => index.search({ text: 'leads', pageSize }), /^pageSize must be an integer from 1 to 100$/);
      assertInvalid(() => index.list({ pageSize }), /^pageSize must be an integer from 1 to 100$/);
    }
    assert.equal(index.list({ pageSize: 100 }).entries.length, 45);
    assert.equal(index.search({ text: 'leads', pageSize: 1 }).results.length, 1);
  });

  test('refuses an unknown order', () => {
    assertInvalid(() => index.list({ orderBy: 'popularity desc' }), /^orderBy clause "popularity desc" is not/);
    assertInvalid(() => index.list({ orderBy: 'name sideways' }), /^orderBy clause "name sideways" is not/);
  });
});

describe('explore', () => {
  const index = build();

  test('counts every visible agent per value without text or filter', () => {
    const { resultType, facets } = index.explore({ facets: [{ field: 'slaTier' }, { field: 'type' }, { field: 'publisher' }] });
    assert.equal(resultType, 'facets');
    assert.deepEqual(facets.slaTier, { buckets: [{ value: 'gold', count: 3 }, { value: 'silver', count: 2 }, { value: 'bronze', count: 1 }] });
    assert.deepEqual(facets.type, { buckets: [{ value: 'application/a2a-agent-card+json', count: 6 }] });
    assert.deepEqual(facets.publisher, { buckets: [{ value: 'acme.com', count: 4 }, { value: 'dealscale.io', count: 2 }] });
  });

  test('groups values case-insensitively and counts array fields per element', () => {
    const { facets } = index.explore({ facets: [{ field: 'department' }, { field: 'metadata.regions' }] });
    assert.deepEqual(facets.department?.buckets[0], { value: 'sales', count: 2 }, 'spelled as the first agent by name spells it');
    assert.deepEqual(facets['metadata.regions'], {
      buckets: [{ value: 'eu-west-1', count: 2 }, { value: 'us-east-1', count: 2 }, { value: 'ap-southeast-2', count: 1 }],
    });
  });

  test('cuts at limit and reports the entries beyond it', () => {
    const { facets } = index.explore({ facets: [{ field: 'department', limit: 2 }, { field: 'tags', limit: 1 }] });
    assert.deepEqual(facets.department, { buckets: [{ value: 'sales', count: 2 }, { value: 'finance', count: 1 }], otherCount: 3 });
    assert.equal(facets.tags?.buckets.length, 1);
    assert.deepEqual(facets.tags?.buckets[0], { value: 'audience', count: 1 }, 'ties ordered by value, ignoring case');
    assert.equal(facets.tags?.otherCount, 6, 'distinct agents with any tag beyond the limit (lead-scorer too: ML, scoring)');
  });

  test('suppresses buckets under minCount', () => {
    const { facets } = index.explore({ facets: [{ field: 'slaTier', minCount: 2 }] });
    assert.deepEqual(facets.slaTier, { buckets: [{ value: 'gold', count: 3 }, { value: 'silver', count: 2 }] });
  });

  test('counts over the same matched set as search, across all its pages', () => {
    const search = index.search({ text: 'leads', pageSize: 1 });
    const { facets } = index.explore({ text: 'leads', facets: [{ field: 'type' }, { field: 'department' }] });
    assert.equal(facets.type?.buckets[0]?.count, search.totalSize);
    assert.deepEqual(facets.department, { buckets: [{ value: 'sales', count: 2 }] });
    const filtered = index.explore({ text: 'leads', filter: { slaTier: 'gold' }, facets: [{ field: 'metadata.name' }] });
    assert.deepEqual(filtered.facets['metadata.name']?.buckets, [{ value: 'lead-scorer', count: 1 }]);
  });

  test('refuses bad facet requests', () => {
    assertInvalid(() => index.explore({ facets: [] }), /^resultType\.facets must be a non-empty array/);
    assertInvalid(() => index.explore({ facets: [{ field: 'colour' }] }), /^facet field "colour" is not supported; supported: type, /);
    assertInvalid(() => index.explore({ facets: [{ field: 'tags', limit: 0 }] }), /^resultType\.facets\[0\]\.limit must be an integer from 1 to 1000$/);
    assertInvalid(() => index.explore({ facets: [{ field: 'tags', minCount: 0 }] }), /^resultType\.facets\[0\]\.minCount must be a positive integer$/);
    assertInvalid(() => index.explore({ facets: [{ limit: 3 } as unknown as { field: string }] }), /^resultType\.facets\[0\]\.field is required/);
    assertInvalid(() => index.explore({ text: '  ', facets: [{ field: 'tags' }] }), /^query\.text must be a non-empty string when given$/);
  });
});

describe('upsert and remove', () => {
  test('upsert replaces the entry of the same name', () => {
    const index = build();
    index.upsert(searchRecord({ name: 'contract-reviewer', displayName: 'Tax Helper', description: 'Computes VAT on invoices.', skills: [{ id: 'vat', name: 'Compute VAT' }], metadata: { department: 'finance' } }));
    assert.equal(index.size, 6);
    assert.deepEqual(names(index.search({ text: 'risky clauses' }).results), []);
    assert.deepEqual(names(index.search({ text: 'vat' }).results), ['contract-reviewer']);
    assert.deepEqual(listed(index, { department: 'finance' }), ['contract-reviewer', 'invoice-matcher']);
    assert.equal(index.search({ text: 'vat' }).results[0]?.displayName, 'Tax Helper');
  });

  test('upsert of the same text with new health or tenants updates what filters see', () => {
    const index = build();
    assert.deepEqual(names(index.search({ text: 'tickets', filter: { health: 'down' } }).results), ['ticket-router']);
    const spec = AGENTS.find((a) => a.name === 'ticket-router')!;
    index.upsert(searchRecord({ ...spec, health: 'healthy', metadata: { ...spec.metadata, tenants: ['acme'] } }));
    assert.deepEqual(names(index.search({ text: 'tickets', filter: { health: 'down' } }).results), []);
    assert.deepEqual(names(index.search({ text: 'tickets', filter: { health: 'healthy' } }).results), ['ticket-router']);
    assert.deepEqual(names(index.search({ text: 'tickets', tenant: 'globex' }).results), []);
    assert.equal(index.search({ text: 'tickets' }).results[0]?.metadata?.health, 'healthy');
  });

  test('remove drops the agent from search, list and explore; unknown names are ignored', () => {
    const index = build();
    index.remove('lead-scorer');
    index.remove('never-registered');
    assert.equal(index.size, 5);
    assert.ok(!names(index.search({ text: 'score leads' }).results).includes('lead-scorer'));
    assert.ok(!listed(index, {}).includes('lead-scorer'));
    assert.equal(index.explore({ facets: [{ field: 'department' }] }).facets.department?.buckets[0]?.count, 1);
  });

  test('changes show in a large index whose rankings are cached', () => {
    const filler = Array.from({ length: 400 }, (_, i) => ({ name: `filler-${i}`, description: `Handles routine paperwork number ${i}.` }));
    const index = build([...AGENTS, ...filler]);
    assert.deepEqual(names(index.search({ text: 'quantum teleportation' }).results), []);
    assert.deepEqual(names(index.search({ text: 'lookalike leads' }).results).slice(0, 1), ['lead-scorer']);
    index.upsert(searchRecord({ name: 'filler-7', description: 'Quantum teleportation of lookalike leads.' }));
    assert.deepEqual(names(index.search({ text: 'quantum teleportation' }).results), ['filler-7']);
    assert.ok(names(index.search({ text: 'lookalike leads' }).results).includes('filler-7'));
    index.remove('lead-scorer');
    assert.ok(!names(index.search({ text: 'lookalike leads' }).results).includes('lead-scorer'));
    assert.ok(names(index.search({ text: 'routine paperwork' }).results).includes('filler-8'));
  });

  test('refuses something that is not a record', () => {
    const index = build([]);
    assertInvalid(() => index.upsert({ name: '' } as AgentRecord), /^record must be an agent record/);
    assertInvalid(() => index.upsert({ name: 'x', card: { skills: 'none' } } as unknown as AgentRecord), /^record must be an agent record/);
  });
});

describe('relevance scores', () => {
  const index = build();

  test('are integers from 0 to 100, ordered best first', () => {
    for (const text of ['score leads', 'leads', 'route support tickets', 'payroll employees', 'contracts invoices leads tickets']) {
      const { results } = index.search({ text, pageSize: 100 });
      assert.ok(results.length > 0, text);
      for (const [i, r] of results.entries()) {
        assert.ok(Number.isInteger(r.score) && r.score >= 0 && r.score <= 100, `${text}: ${r.score}`);
        if (i > 0) assert.ok(r.score <= results[i - 1]!.score, `${text}: ordered`);
      }
    }
  });

  test('score a strong match high and a partial match lower', () => {
    const [best, second] = index.search({ text: 'score lookalike leads' }).results;
    assert.equal(best?.metadata?.name, 'lead-scorer');
    assert.ok(best!.score >= 70, `strong match ${best!.score}`);
    assert.ok(second === undefined || second.score < best!.score - 20, 'a partial match scores well below');
  });

  test('keep an agent\'s score when unrelated agents come and go', () => {
    const before = index.search({ text: 'payroll' }).results[0]?.score;
    const other = build();
    other.remove('ticket-router');
    assert.equal(other.search({ text: 'payroll' }).results[0]?.score, before);
  });

  test('leave out entries below the relevance cutoff and words no agent knows', () => {
    assert.deepEqual(index.search({ text: 'zanzibar xylophone' }).results, []);
    assert.equal(index.search({ text: 'zanzibar xylophone' }).totalSize, 0);
    assert.deepEqual(names(index.search({ text: 'payroll in zanzibar' }).results), ['payroll-runner']);
    assert.deepEqual(index.search({ text: 'the and of' }).results, [], 'only stop words');
  });
});

describe('text matching', () => {
  const index = build();

  test('stems words and folds case and accents', () => {
    assert.equal(names(index.search({ text: 'REVIEWING contracts' }).results)[0], 'contract-reviewer');
    assert.equal(names(index.search({ text: 'invoicés matching' }).results)[0], 'invoice-matcher');
  });

  test('splits camelCase skill ids and hyphenated names', () => {
    assert.equal(names(index.search({ text: 'enrich' }).results)[0], 'lead-enricher');
    assert.equal(names(index.search({ text: 'ticket-router' }).results)[0], 'ticket-router');
  });

  test('expands synonyms at query time, and not when they are turned off', () => {
    assert.equal(names(index.search({ text: 'match supplier bills' }).results)[0], 'invoice-matcher');
    assert.equal(names(index.search({ text: 'salary' }).results)[0], 'payroll-runner');
    const plain = build(AGENTS, { synonyms: {} });
    assert.deepEqual(names(plain.search({ text: 'salary' }).results), []);
    const custom = build(AGENTS, { synonyms: { related: [['wages', 'payroll']] } });
    assert.deepEqual(names(custom.search({ text: 'wages' }).results), ['payroll-runner']);
  });

  test('completes the word being typed and tolerates a typo in an unknown word', () => {
    assert.equal(names(index.search({ text: 'lookal' }).results)[0], 'lead-scorer');
    assert.deepEqual(names(index.search({ text: 'lookal.' }).results), [], 'a finished word is not a prefix');
    assert.equal(names(index.search({ text: 'payrol' }).results)[0], 'payroll-runner');
    assert.equal(names(index.search({ text: 'contarcts review' }).results)[0], 'contract-reviewer');
  });

  test('points entries at the registry copy of the card, and follows a new base URL', () => {
    const local = build();
    assert.equal(local.search({ text: 'payroll' }).results[0]?.url, 'https://registry.example.com/v1/agents/payroll-runner/card');
    local.setBaseUrl('http://localhost:4321/');
    assert.equal(local.search({ text: 'payroll' }).results[0]?.url, 'http://localhost:4321/v1/agents/payroll-runner/card');
    assert.equal(local.list({ filter: { skill: 'runPayroll' } }).entries[0]?.url, 'http://localhost:4321/v1/agents/payroll-runner/card');
  });
});

describe('bad input', () => {
  const index = build();

  test('refuses a search without text, or with too much', () => {
    assertInvalid(() => index.search({} as { text: string }), /^query\.text is required and must be a non-empty string$/);
    assertInvalid(() => index.search({ text: '   ' }), /^query\.text is required/);
    assertInvalid(() => index.search({ text: 42 as unknown as string }), /^query\.text is required/);
    assertInvalid(() => index.search({ text: 'x'.repeat(1001) }), /^query\.text must be at most 1000 characters$/);
  });

  test('refuses a base URL that is not absolute http(s), and a malformed synonym table', () => {
    assertInvalid(() => new SearchIndex({ baseUrl: 'registry.example.com' }), /baseUrl must be an absolute http\(s\) URL/, ErrorCodes.CONFIG_INVALID);
    assertInvalid(() => new SearchIndex({ baseUrl: 'ftp://registry.example.com' }), /baseUrl/, ErrorCodes.CONFIG_INVALID);
    assertInvalid(() => build([], { synonyms: { related: [['only-one']] } }), /^synonyms\.related\[0\] must be an array of at least two words$/, ErrorCodes.CONFIG_INVALID);
    assertInvalid(() => build([], { synonyms: { equivalent: [['time off', 'pto']] } }), /^synonyms\.equivalent\[0\]\[0\] must be one word/, ErrorCodes.CONFIG_INVALID);
    assertInvalid(() => build([], { synonyms: { related: [['the', 'payroll']] } }), /"the" is a stop word/, ErrorCodes.CONFIG_INVALID);
  });
});
