/**
 * Every id in a management path (the gateway's credits, clients and API
 * keys; the registry's agents and instances) that is over-long or malformed
 * is refused with 400 naming the field, never looked up (404) or turned into
 * a missing route by the router (its segment past `maxParamLength`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, startGateway } from '../../helpers/gateway-fixture.js';
import { startRegistry } from '../../helpers/registry-fixture.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

interface Route {
  method: string;
  /** With `{field}` where the bad id goes; other parameters are valid. */
  path: string;
  field: string;
  body?: unknown;
}

const GATEWAY: Route[] = [
  { method: 'GET', path: '/v1/tenants/{tenant}/credits', field: 'tenant' },
  { method: 'GET', path: '/v1/tenants/{tenant}/credits/usage', field: 'tenant' },
  { method: 'POST', path: '/v1/tenants/{tenant}/credits/topups', field: 'tenant', body: { reference: 'inv-1', credits: 1 } },
  { method: 'GET', path: '/v1/tenants/{tenant}/credits/reservations', field: 'tenant' },
  { method: 'POST', path: '/v1/tenants/{tenant}/credits/reservations/release', field: 'tenant', body: { key: 'k' } },
  { method: 'GET', path: '/v1/clients/{id}', field: 'id' },
  { method: 'POST', path: '/v1/clients/{id}/rotate-secret', field: 'id', body: {} },
  { method: 'POST', path: '/v1/clients/{id}/revoke', field: 'id' },
  { method: 'GET', path: '/v1/api-keys/{id}', field: 'id' },
  { method: 'POST', path: '/v1/api-keys/{id}/rotate', field: 'id', body: {} },
  { method: 'POST', path: '/v1/api-keys/{id}/revoke', field: 'id' },
];

const INSTANCE = '0190c2d4-7e1f-7a3b-8c5d-000000000001';
const REGISTRY: Route[] = [
  { method: 'GET', path: '/v1/agents/{name}', field: 'name' },
  { method: 'PUT', path: '/v1/agents/{name}', field: 'name', body: { url: 'http://127.0.0.1:1' } },
  { method: 'PATCH', path: '/v1/agents/{name}', field: 'name', body: { status: 'active' } },
  { method: 'DELETE', path: '/v1/agents/{name}', field: 'name' },
  { method: 'GET', path: '/v1/agents/{name}/card', field: 'name' },
  { method: 'GET', path: '/v1/agents/{name}/instances', field: 'name' },
  { method: 'POST', path: '/v1/agents/{name}/instances', field: 'name', body: { url: 'http://127.0.0.1:1' } },
  { method: 'PUT', path: `/v1/agents/sales/instances/{id}/heartbeat`, field: 'id' },
  { method: 'DELETE', path: `/v1/agents/sales/instances/{id}`, field: 'id' },
  { method: 'PUT', path: `/v1/agents/{name}/instances/${INSTANCE}/heartbeat`, field: 'name' },
  { method: 'GET', path: '/v1/agents/{name}/health', field: 'name' },
  { method: 'GET', path: '/v1/agents/{name}/config', field: 'name' },
  { method: 'GET', path: '/v1/agents/{name}/config/versions', field: 'name' },
  { method: 'GET', path: '/v1/agents/{name}/config/versions/1', field: 'name' },
  { method: 'POST', path: '/v1/agents/{name}/config/rollback', field: 'name', body: { version: 1 } },
];

/** Ids no route may look up: over-long (past the router's default 100), a space, a leading dot, non-ASCII, a control character. */
const BAD_IDS = ['a'.repeat(300), 'x'.repeat(5000), 'bad id', '.hidden', 'tenant\u00e9', 'nul\u0000', '-leading-dash'];

describe('bad ids on the management API answer 400 naming the field', () => {
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let gw: Awaited<ReturnType<typeof startGateway>>;

  before(async () => {
    registry = await startRegistry({});
    gw = await startGateway(registry.url);
  });
  after(() => closeInTurn(gw, registry));

  async function probe(base: string, route: Route, id: string): Promise<void> {
    const path = route.path.replace(`{${route.field}}`, encodeURIComponent(id));
    const res = await fetch(`${base}${path}`, {
      method: route.method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(route.body !== undefined && { 'content-type': 'application/json' }) },
      ...(route.body !== undefined && { body: JSON.stringify(route.body) }),
    });
    const text = await res.text();
    const what = `${route.method} ${route.path} with ${route.field} ${JSON.stringify(id.slice(0, 20))}${id.length > 20 ? `… (${id.length})` : ''} → ${res.status} ${text.slice(0, 200)}`;
    assert.equal(res.status, 400, what);
    const body = JSON.parse(text) as { error: { message: string } };
    assert.match(body.error.message, new RegExp(`params/${route.field}\\b`), what);
  }

  for (const [role, routes] of [['gateway', GATEWAY], ['registry', REGISTRY]] as const) {
    test(`${role}: every route with an id in its path`, async () => {
      const base = role === 'gateway' ? gw.url : registry.url;
      for (const route of routes) for (const id of BAD_IDS) await probe(base, route, id);
    });
  }

  test('a well-formed id that names nothing is still 404', async () => {
    const res = await fetch(`${gw.url}/v1/clients/amc_0123456789abcdefghij`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(res.status, 404);
    const agent = await fetch(`${registry.url}/v1/agents/no-such-agent`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(agent.status, 404);
  });
});
