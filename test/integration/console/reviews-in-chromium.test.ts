// test-tier: tools (needs chromium)
/**
 * The console's reviews view (docs/console.md#reviews) in Debian's Chromium
 * against a real gateway and registry: the platform admin signs in, sees the
 * two held card changes with what differs, approves one and rejects the
 * other with a reason; the registry serves the approved card and keeps the
 * rejected agent's, and the view is empty.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { ADMIN_TOKEN, startGateway } from '../../helpers/gateway-fixture.js';
import { call, sampleCard, startRegistry } from '../../helpers/registry-fixture.js';
import { consoleInChromiumForSuite, screenshot, seriousViolations } from './browser.js';

const WRITE = 'chromium-write-token-0123456789';
const REVIEW = 'chromium-review-token-0123456789';
const workSkill = { id: 'work', name: 'Work', description: 'Does the work', tags: ['work'], examples: ['do the work'] };
const refundSkill = { id: 'refund', name: 'Refund', description: 'Refunds an order', tags: ['refund'] };

describe('the reviews view in Chromium', () => {
  const ui = consoleInChromiumForSuite('agentmesh-reviews-view-');
  let reg: Awaited<ReturnType<typeof startRegistry>>;
  let gw: Awaited<ReturnType<typeof startGateway>>;
  let page: Page;

  before(async () => {
    const consoleDir = ui.consoleDir();
    reg = await startRegistry({ writeToken: WRITE, reviewToken: REVIEW, review: { required: true } });
    gw = await startGateway(reg.url, { consoleDir, registryToken: WRITE, registryReviewToken: REVIEW });
    const writer = { authorization: `Bearer ${WRITE}` };
    const priced = (credits: number) => ({ department: 'finance', skills: { work: { pricing: { creditsPerCall: credits } } } });
    assert.equal((await call(reg.url, 'PUT', '/v1/agents/support', { card: sampleCard('support') }, writer)).status, 201);
    assert.equal((await call(reg.url, 'PUT', '/v1/agents/support', { card: sampleCard('support', { skills: [workSkill, refundSkill] }) }, writer)).status, 202);
    assert.equal((await call(reg.url, 'PUT', '/v1/agents/billing', { card: sampleCard('billing'), metadata: priced(1) }, writer)).status, 201);
    assert.equal((await call(reg.url, 'PUT', '/v1/agents/billing', { card: sampleCard('billing'), metadata: priced(4) }, writer)).status, 202);
    page = ui.page();
  });
  after(async () => {
    await gw?.close();
    await reg?.close();
  });

  const review = (agent: string) => page.getByTestId('review').filter({ has: page.getByRole('heading', { name: agent }) });

  test('the platform admin sees each held change with its diff, approves one and rejects the other with a reason', async () => {
    await page.goto(`${gw.url}/console/`);
    await page.getByLabel('access token').check();
    await page.getByLabel(/^Access token/).fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.goto(`${gw.url}/console/#/reviews`);
    await page.getByRole('heading', { name: 'Reviews', exact: true }).waitFor();

    await review('support').waitFor();
    assert.match(await review('support').getByTestId('review-summary').innerText(), /skill "refund" added/);
    assert.match(await review('billing').getByTestId('review-summary').innerText(), /price of skill "work" \(creditsPerCall\) changed: 1 → 4/);
    const violations = await seriousViolations(page);
    assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));
    await screenshot(page, 'reviews');

    // Rejecting needs a reason: the button waits for one.
    assert.equal(await review('billing').getByRole('button', { name: 'Reject' }).isDisabled(), true);
    await review('support').getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('status').filter({ hasText: 'support: change approved' }).waitFor();
    await review('billing').getByLabel('Reason for billing').fill('finance did not agree to 4 credits');
    await review('billing').getByRole('button', { name: 'Reject' }).click();
    await page.getByRole('status').filter({ hasText: 'billing: change rejected' }).waitFor();
    await page.getByTestId('reviews-empty').waitFor();

    assert.deepEqual((await call(reg.url, 'GET', '/v1/agents/support/card')).body.skills.map((s: any) => s.id), ['work', 'refund']);
    assert.equal((await call(reg.url, 'GET', '/v1/agents/billing')).body.metadata.skills.work.pricing.creditsPerCall, 1);
    const rejected = (await call(reg.url, 'GET', '/v1/reviews?state=rejected')).body.reviews;
    assert.equal(rejected[0].reason, 'finance did not agree to 4 credits');
    assert.deepEqual(ui.problems, []);
  });
});
