import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { call, sampleCard, startRegistry } from '../../helpers/registry-fixture.js';

/*
 * Every ARD and AI Catalog response of the registry checked with a
 * validator against the ARD OpenAPI document and the AI Catalog JSON Schema
 * (test/fixtures/ard/, copied from the ARD spec), not by eye.
 */
const OPENAPI_ID = 'https://ard.test/ard.openapi.json';
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ard/${name}`, import.meta.url), 'utf8');

function validators(): { ofComponent: (name: string) => ValidateFunction; catalog: ValidateFunction } {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  const catalogSchema = JSON.parse(fixture('ai-catalog.schema.json')) as Record<string, unknown>;
  // The OpenAPI document points at the catalog schema as './ai-catalog.schema.json': give both ids in one base.
  ajv.addSchema({ ...catalogSchema, $id: 'https://ard.test/ai-catalog.schema.json' });
  const openapi = parse(fixture('ard.openapi.yaml')) as { components: Record<string, unknown> };
  ajv.addSchema({ $id: OPENAPI_ID, components: openapi.components });
  return {
    ofComponent: (name) => ajv.getSchema(`${OPENAPI_ID}#/components/schemas/${name}`)!,
    catalog: ajv.compile({ ...catalogSchema, $id: 'https://ard.test/ai-catalog-root.json' }),
  };
}

function assertValid(validate: ValidateFunction, body: unknown, what: string): void {
  assert.ok(validate(body), `${what} does not validate: ${JSON.stringify(validate.errors, null, 1)}\n${JSON.stringify(body).slice(0, 2000)}`);
}

describe('ARD and AI Catalog responses validate against the ARD schemas', () => {
  let reg: Awaited<ReturnType<typeof startRegistry>>;
  const v = validators();
  before(async () => {
    reg = await startRegistry({});
    for (const name of ['contract-reviewer', 'invoice-reader', 'payroll-runner']) {
      const res = await call(reg.url, 'PUT', `/v1/agents/${name}`, { card: sampleCard(name), metadata: { department: 'finance' } });
      assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));
    }
  });
  after(async () => reg.close());

  test('GET /agents is an ARD ListResponse (items, total, pageToken), every page', async () => {
    const first = await call(reg.url, 'GET', '/agents?pageSize=2');
    assert.equal(first.status, 200);
    assertValid(v.ofComponent('ListResponse'), first.body, 'GET /agents page 1');
    assert.equal(first.body.items.length, 2);
    assert.equal(first.body.total, 3);
    assert.equal(typeof first.body.pageToken, 'string');
    const second = await call(reg.url, 'GET', `/agents?pageSize=2&pageToken=${encodeURIComponent(first.body.pageToken)}`);
    assertValid(v.ofComponent('ListResponse'), second.body, 'GET /agents page 2');
    assert.equal(second.body.items.length, 1);
    assert.equal(second.body.pageToken, undefined);
    const empty = await call(reg.url, 'GET', '/agents?filter=department%3Dnobody');
    assertValid(v.ofComponent('ListResponse'), empty.body, 'GET /agents, nothing matching');
    assert.equal(empty.body.total, 0);
  });

  test('POST /search is an ARD SearchResponse', async () => {
    const found = await call(reg.url, 'POST', '/search', { query: { text: 'contracts' }, pageSize: 1 });
    assert.equal(found.status, 200);
    assertValid(v.ofComponent('SearchResponse'), found.body, 'POST /search');
  });

  test('POST /explore is an ARD ExploreResponse', async () => {
    const facets = await call(reg.url, 'POST', '/explore', { resultType: { facets: [{ field: 'metadata.department' }] } });
    assert.equal(facets.status, 200);
    assertValid(v.ofComponent('ExploreResponse'), facets.body, 'POST /explore');
  });

  test('/.well-known/ai-catalog.json is an AI Catalog manifest', async () => {
    const catalog = await call(reg.url, 'GET', '/.well-known/ai-catalog.json');
    assert.equal(catalog.status, 200);
    assertValid(v.catalog, catalog.body, 'ai-catalog.json');
  });
});
