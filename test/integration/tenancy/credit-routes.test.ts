import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { CreditLedger } from '../../../src/tenancy/index.js';
import type { CreditsCaller } from '../../../src/gateway/credit-routes/index.js';
import { bearerAuthenticator, startCreditRoutes } from './credits-harness.js';

/** Bearer tokens of the test and who they stand for (the gateway's Principal has these fields and more). */
const PRINCIPALS: Record<string, CreditsCaller & { kind: string; clientId: string }> = {
  'acme-token': { kind: 'client', subject: 'acme-app', clientId: 'acme-app', tenant: 'acme', scopes: ['a2a:message:send'] },
  'beta-token': { kind: 'client', subject: 'beta-app', clientId: 'beta-app', tenant: 'beta', scopes: ['a2a:message:send', 'a2a:tasks:read'] },
  'gateway-admin-token': { kind: 'client', subject: 'ops', clientId: 'ops', tenant: 'ops', scopes: ['gateway:admin'] },
  'credits-admin-token': { kind: 'api-key', subject: 'billing', clientId: 'billing', tenant: 'ops', scopes: ['credits:admin'] },
};

const authenticate = bearerAuthenticator(PRINCIPALS);

describe('credit routes: balance, usage and top-ups behind authorization', () => {
  let served: Awaited<ReturnType<typeof startCreditRoutes>>;
  let ledger: CreditLedger;
  let app: FastifyInstance;

  const call = async (method: 'GET' | 'POST', url: string, token?: string, body?: unknown) => {
    const response = await app.inject({ method, url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, ...(body !== undefined && { payload: body as object }) });
    return { status: response.statusCode, headers: response.headers, body: response.json() as any };
  };

  before(async () => {
    served = await startCreditRoutes(authenticate, { listen: false });
    ({ app, ledger } = served);
    await ledger.topUp('acme', 12_345, 'acme-seed');
    await ledger.topUp('beta', 1_000, 'beta-seed');
    await ledger.reserve({ tenant: 'acme', key: 'enricher:t1', milliCredits: 2_000, agent: 'enricher', skill: 'enrichLeads' });
    await ledger.settle('enricher:t1', 1_500);
    await ledger.reserve({ tenant: 'acme', key: 'scorer:t2', milliCredits: 345, agent: 'scorer', skill: 'score' });
  });
  after(async () => {
    await served?.close();
  });

  test('no token: 401 with WWW-Authenticate; a bad token: 401', async () => {
    const anonymous = await call('GET', '/v1/tenants/acme/credits');
    assert.equal(anonymous.status, 401);
    assert.match(String(anonymous.headers['www-authenticate']), /^Bearer realm="agentmesh"/);
    assert.equal(anonymous.body.error.status, 'UNAUTHENTICATED');
    const forged = await call('GET', '/v1/tenants/acme/credits', 'forged');
    assert.equal(forged.status, 401);
  });

  test('a principal reads its own tenant: milli-credits and decimal credits', async () => {
    const own = await call('GET', '/v1/tenants/acme/credits', 'acme-token');
    assert.equal(own.status, 200);
    assert.deepEqual(own.body, {
      tenant: 'acme',
      milliCredits: 10_845,
      credits: '10.845',
      reservedMilliCredits: 345,
      reservedCredits: '0.345',
      availableMilliCredits: 10_500,
      availableCredits: '10.500',
    });
  });

  test("another tenant's balance and usage are forbidden (403); an admin reads any tenant", async () => {
    const other = await call('GET', '/v1/tenants/acme/credits', 'beta-token');
    assert.equal(other.status, 403);
    assert.equal(other.body.error.status, 'PERMISSION_DENIED');
    assert.match(other.body.error.message, /gateway:admin/);
    assert.equal((await call('GET', '/v1/tenants/acme/credits/usage', 'beta-token')).status, 403);
    assert.equal((await call('GET', '/v1/tenants/acme/credits', 'gateway-admin-token')).status, 200);
    assert.equal((await call('GET', '/v1/tenants/beta/credits/usage', 'gateway-admin-token')).status, 200);
    assert.equal((await call('GET', '/v1/tenants/beta/credits', 'credits-admin-token')).body.availableMilliCredits, 1_000);
  });

  test('the balance of a tenant with no credit account is a 404 naming it, to a caller who may read it; others get their 403', async () => {
    const none = await call('GET', '/v1/tenants/nosuch/credits', 'gateway-admin-token');
    assert.equal(none.status, 404);
    assert.deepEqual(
      { code: none.body.error.details?.find((d: { reason?: string }) => d.reason)?.reason, status: none.body.error.status, message: none.body.error.message },
      { code: 'AM_ERR_TENANCY_TENANT_NOT_FOUND', status: 'NOT_FOUND', message: 'tenant "nosuch" has no credit account: no credits were ever added to it (a top-up opens one)' },
    );
    assert.equal((await call('GET', '/v1/tenants/nosuch/credits', 'acme-token')).status, 403, 'a tenant-scoped caller learns nothing of another tenant');
  });

  test('usage groups settled calls; bad grouping or dates are 400s naming the field', async () => {
    const usage = await call('GET', '/v1/tenants/acme/credits/usage?groupBy=agent,skill', 'acme-token');
    assert.equal(usage.status, 200);
    assert.deepEqual(usage.body.rows, [{ agent: 'enricher', skill: 'enrichLeads', milliCredits: 1_500, credits: '1.500', calls: 1 }]);
    assert.deepEqual(usage.body.total, { milliCredits: 1_500, credits: '1.500', calls: 1 });
    assert.deepEqual(usage.body.groupBy, ['agent', 'skill']);
    const byDay = await call('GET', `/v1/tenants/acme/credits/usage?groupBy=day&from=${new Date().toISOString().slice(0, 10)}`, 'acme-token');
    assert.equal(byDay.body.rows.length, 1);
    assert.equal((await call('GET', '/v1/tenants/acme/credits/usage?groupBy=week', 'acme-token')).status, 400);
    const badDate = await call('GET', '/v1/tenants/acme/credits/usage?from=last-tuesday', 'acme-token');
    assert.equal(badDate.status, 400);
    assert.match(badDate.body.error.message, /from must be a date/);
    assert.equal((await call('GET', '/v1/tenants/has%20space/credits', 'gateway-admin-token')).status, 400);
  });

  test('top-ups need credits:admin, are idempotent by reference, and take credits or milli-credits', async () => {
    assert.equal((await call('POST', '/v1/tenants/beta/credits/topups', 'beta-token', { reference: 'inv-1', credits: '5' })).status, 403);
    const notBilling = await call('POST', '/v1/tenants/beta/credits/topups', 'gateway-admin-token', { reference: 'inv-1', credits: '5' });
    assert.equal(notBilling.status, 403);
    assert.match(notBilling.body.error.message, /credits:admin/);

    const first = await call('POST', '/v1/tenants/beta/credits/topups', 'credits-admin-token', { reference: 'inv-1', credits: '1.5' });
    assert.equal(first.status, 201);
    assert.equal(first.body.milliCredits, 1_500);
    assert.equal(first.body.credits, '1.500');
    assert.equal(first.body.replayed, false);
    assert.equal(first.body.balance.availableMilliCredits, 2_500);
    const retry = await call('POST', '/v1/tenants/beta/credits/topups', 'credits-admin-token', { reference: 'inv-1', milliCredits: 1_500 });
    assert.equal(retry.status, 200);
    assert.equal(retry.body.replayed, true);
    assert.equal(retry.body.balance.availableMilliCredits, 2_500);

    const reused = await call('POST', '/v1/tenants/beta/credits/topups', 'credits-admin-token', { reference: 'inv-1', milliCredits: 9_000 });
    assert.equal(reused.status, 400);
    assert.match(reused.body.error.message, /already used/);
    assert.equal((await call('POST', '/v1/tenants/beta/credits/topups', 'credits-admin-token', { reference: 'inv-2' })).status, 400);
    assert.equal((await call('POST', '/v1/tenants/beta/credits/topups', 'credits-admin-token', { reference: 'inv-2', credits: '1', milliCredits: 1000 })).status, 400);
    const tooPrecise = await call('POST', '/v1/tenants/beta/credits/topups', 'credits-admin-token', { reference: 'inv-2', credits: '0.0001' });
    assert.equal(tooPrecise.status, 400);
    assert.match(tooPrecise.body.error.message, /at most 3 decimals/);
    assert.equal((await call('POST', '/v1/tenants/beta/credits/topups', 'credits-admin-token', { reference: 'inv-2', milliCredits: -5 })).status, 400);
    assert.equal((await ledger.balance('beta')).availableMilliCredits, 2_500);
  });
});
