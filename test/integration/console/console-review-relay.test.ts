/**
 * The console's reviews API (docs/console.md#reviews): a platform admin
 * lists the registry's held card changes and decides them through the
 * gateway, which relays the decision with its registry review token and
 * names the admin as `onBehalfOf`; a tenant admin may not; a gateway without
 * the registry's review token says so instead of relaying the registry's 401
 * (which the page would read as its own session ending). Real registry and
 * gateways.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, createClient, fetchToken, startGateway } from '../../helpers/gateway-fixture.js';
import { call, sampleCard, startRegistry } from '../../helpers/registry-fixture.js';

const WRITE = 'relay-write-token-0123456789';
const REVIEW = 'relay-review-token-0123456789';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('the console relays review decisions to the registry', () => {
  let reg: Awaited<ReturnType<typeof startRegistry>>;
  let gw: Awaited<ReturnType<typeof startGateway>>;
  let tokenless: Awaited<ReturnType<typeof startGateway>>;

  before(async () => {
    reg = await startRegistry({ writeToken: WRITE, reviewToken: REVIEW, review: { required: true } });
    gw = await startGateway(reg.url, { registryToken: WRITE, registryReviewToken: REVIEW });
    tokenless = await startGateway(reg.url, { registryToken: WRITE });
    const writer = { authorization: `Bearer ${WRITE}` };
    for (const name of ['faq', 'billing']) {
      assert.equal((await call(reg.url, 'PUT', `/v1/agents/${name}`, { card: sampleCard(name) }, writer)).status, 201);
      assert.equal((await call(reg.url, 'PUT', `/v1/agents/${name}`, { card: sampleCard(name, { version: '1.1.0' }) }, writer)).status, 202);
    }
  });
  after(async () => {
    await tokenless?.close();
    await gw?.close();
    await reg?.close();
  });

  const reviewOf = async (agent: string) => ((await call(gw.url, 'GET', '/v1/console/reviews', undefined, admin)).body.reviews as Array<{ id: string; agent: string }>).find((r) => r.agent === agent)!;

  test("a platform admin lists and decides; the registry's audit entry names the admin", async () => {
    const listed = await call(gw.url, 'GET', '/v1/console/reviews', undefined, admin);
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.reviews.map((r: any) => r.agent).sort(), ['billing', 'faq']);

    const faq = await reviewOf('faq');
    const approved = await call(gw.url, 'POST', `/v1/console/reviews/${faq.id}/approve`, {}, admin);
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body.decidedBy, 'registry-review-token');
    assert.equal(typeof approved.body.onBehalfOf, 'string');
    assert.equal((await call(reg.url, 'GET', '/v1/agents/faq')).body.card.version, '1.1.0');
    await reg.registry.audit.flush();
    const [entry] = (await reg.registry.audit.tail({ limit: 100 })).filter((r) => r.eventType === 'registry.review.approved' && r.targetAgent === 'faq');
    assert.equal(entry?.detail?.['onBehalfOf'], approved.body.onBehalfOf);

    const billing = await reviewOf('billing');
    const noReason = await call(gw.url, 'POST', `/v1/console/reviews/${billing.id}/reject`, {}, admin);
    assert.equal(noReason.status, 400, 'the registry wants a reason to reject');
    const rejected = await call(gw.url, 'POST', `/v1/console/reviews/${billing.id}/reject`, { reason: 'not yet' }, admin);
    assert.equal(rejected.body.state, 'rejected');
    assert.equal((await call(reg.url, 'GET', '/v1/agents/billing')).body.card.version, '1.0.0');
  });

  test("a tenant admin may not; a gateway without the registry's review token says so", async () => {
    const tenantAdmin = await fetchToken(gw.url, await createClient(gw.url, { name: 'acme-console', tenant: 'acme', scopes: ['console:read'] }));
    const refused = await call(gw.url, 'GET', '/v1/console/reviews', undefined, { authorization: `Bearer ${tenantAdmin}` });
    assert.equal(refused.status, 403);

    const writer = { authorization: `Bearer ${WRITE}` };
    const held = await call(reg.url, 'PUT', '/v1/agents/faq', { card: sampleCard('faq', { version: '1.2.0' }) }, writer);
    assert.equal(held.status, 202);
    const relayed = await call(tokenless.url, 'POST', `/v1/console/reviews/${held.body.review.id}/approve`, {}, admin);
    assert.equal(relayed.status, 503);
    assert.match(relayed.body.error.message, /set REGISTRY_REVIEW_TOKEN on the gateway/);
    assert.equal((await call(reg.url, 'GET', '/v1/agents/faq')).body.card.version, '1.1.0', 'nothing was decided');
  });
});
