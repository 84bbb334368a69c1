/**
 * Review holds (docs/registry.md#review-holds): with reviews on, a changed
 * card (or a governed part of the metadata) waits for a reviewer while the
 * record keeps the approved version; a reviewer with `registry:review`
 * approves or rejects it, and both are in the audit trail.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, sampleCard, startRegistry, watch } from '../../helpers/registry-fixture.js';

const WRITE = 'write-token-0123456789';
const REVIEW = 'review-token-0123456789';
const writer = { authorization: `Bearer ${WRITE}` };
const reviewer = { authorization: `Bearer ${REVIEW}` };

const refundSkill = { id: 'refund', name: 'Refund', description: 'Refunds an order', tags: ['refund'] };
/** The one skill of `sampleCard`. */
const workSkill = { id: 'work', name: 'Work', description: 'Does the work', tags: ['work'], examples: ['do the work'] };

describe('card changes held for review', () => {
  let reg: Awaited<ReturnType<typeof startRegistry>>;

  before(async () => {
    reg = await startRegistry({ writeToken: WRITE, reviewToken: REVIEW, review: { required: true } });
  });
  after(() => reg.close());

  const put = (name: string, body: unknown) => call(reg.url, 'PUT', `/v1/agents/${name}`, body, writer);
  const auditRows = async (eventType: string) => {
    await reg.registry.audit.flush();
    return (await reg.registry.audit.tail({ limit: 500 })).filter((r) => r.eventType === eventType);
  };

  test('a new skill is held: the record keeps the approved card until a reviewer approves, and the watch stream says each step', async () => {
    assert.equal((await put('support', { card: sampleCard('support') })).status, 201, 'a new agent is registered at once');
    const stream = watch(`${reg.url}/watch?agent=support`, 3);
    await stream.opened;

    const held = await put('support', { card: sampleCard('support', { skills: [workSkill, refundSkill] }) });
    assert.equal(held.status, 202);
    const id = held.body.review.id;
    assert.equal(held.headers.get('location'), `/v1/reviews/${id}`);
    assert.deepEqual(held.body.card.skills.map((s: any) => s.id), ['work'], 'the answer is the approved record');
    assert.deepEqual((await call(reg.url, 'GET', '/v1/agents/support/card')).body.skills.map((s: any) => s.id), ['work']);

    const pending = await call(reg.url, 'GET', '/v1/reviews');
    const review = pending.body.reviews.find((r: any) => r.agent === 'support');
    assert.equal(review.id, id);
    assert.equal(review.state, 'pending');
    assert.deepEqual(review.changes, [{ op: 'added', path: '/card/skills/refund', to: refundSkill }]);
    assert.deepEqual(review.summary, ['skill "refund" added']);
    assert.equal(review.submittedBy, 'registry-token');
    assert.ok((await call(reg.url, 'GET', '/v1/agents?review=pending')).body.agents.some((a: any) => a.name === 'support'));

    // The writer's token cannot approve its own change; nobody unauthenticated can.
    const asWriter = await call(reg.url, 'POST', `/v1/reviews/${id}/approve`, {}, writer);
    assert.equal(asWriter.status, 403);
    assert.equal(asWriter.body.error.details.find((d: any) => d.reason)?.reason, 'AM_ERR_AUTH_FORBIDDEN');
    const anonymous = await call(reg.url, 'POST', `/v1/reviews/${id}/approve`, {});
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /scope="registry:review"/);
    assert.equal((await auditRows('scope.denied')).filter((r) => (r.detail as any)?.review === id).length, 2);

    const approved = await call(reg.url, 'POST', `/v1/reviews/${id}/approve`, { reason: 'refunds are in scope', onBehalfOf: 'alice@example.com' }, reviewer);
    assert.equal(approved.status, 200);
    assert.equal(approved.body.state, 'approved');
    assert.equal(approved.body.decidedBy, 'registry-review-token');
    const record = (await call(reg.url, 'GET', '/v1/agents/support')).body;
    assert.deepEqual(record.card.skills.map((s: any) => s.id), ['work', 'refund']);
    assert.equal(record.review, undefined);

    const frames = await stream.frames;
    assert.deepEqual(frames.map((f) => f.event), ['review_requested', 'updated', 'review_decided']);
    assert.deepEqual(frames[1]!.data.record.card.skills.map((s: any) => s.id), ['work', 'refund']);

    const [entry] = await auditRows('registry.review.approved');
    assert.equal(entry?.targetAgent, 'support');
    assert.deepEqual(entry?.actor, { kind: 'client', id: 'registry-review-token' });
    assert.deepEqual(entry?.detail, { review: id, changes: 1, reason: 'refunds are in scope', onBehalfOf: 'alice@example.com' });
    assert.equal((await auditRows('registry.review.held')).filter((r) => (r.detail as any)?.review === id).length, 1);

    const again = await call(reg.url, 'POST', `/v1/reviews/${id}/approve`, {}, reviewer);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.details.find((d: any) => d.reason)?.reason, 'AM_ERR_REGISTRY_REVIEW_CONFLICT');
  });

  test('a changed price is held; a rejection needs a reason, and the record keeps the approved price', async () => {
    const priced = (credits: number) => ({ card: sampleCard('priced'), metadata: { department: 'sales', skills: { work: { pricing: { creditsPerCall: credits } } } } });
    assert.equal((await put('priced', priced(1))).status, 201);
    const held = await put('priced', priced(5));
    assert.equal(held.status, 202);
    const id = held.body.review.id;
    assert.deepEqual((await call(reg.url, 'GET', `/v1/reviews/${id}`)).body.summary, ['price of skill "work" (creditsPerCall) changed: 1 → 5']);

    const noReason = await call(reg.url, 'POST', `/v1/reviews/${id}/reject`, {}, reviewer);
    assert.equal(noReason.status, 400);
    const rejected = await call(reg.url, 'POST', `/v1/reviews/${id}/reject`, { reason: 'five credits a call is not what sales agreed' }, reviewer);
    assert.equal(rejected.body.state, 'rejected');
    const record = (await call(reg.url, 'GET', '/v1/agents/priced')).body;
    assert.equal(record.metadata.skills.work.pricing.creditsPerCall, 1);
    assert.equal(record.review, undefined);
    assert.equal((await auditRows('registry.review.rejected')).at(-1)?.detail?.['reason'], 'five credits a call is not what sales agreed');
  });

  test('descriptive metadata applies at once, and is kept when a change held before it is approved', async () => {
    assert.equal((await put('describe', { card: sampleCard('describe'), metadata: { department: 'ops' } })).status, 201);
    const held = await put('describe', { card: sampleCard('describe', { description: 'now with more detail' }), metadata: { department: 'ops' } });
    assert.equal(held.status, 202);
    const patched = await call(reg.url, 'PATCH', '/v1/agents/describe', { metadata: { tags: ['triage'] } }, writer);
    assert.equal(patched.status, 200, 'tags describe the agent: not held');
    assert.equal(patched.body.review.id, held.body.review.id, 'the pending change stays pending');
    await call(reg.url, 'POST', `/v1/reviews/${held.body.review.id}/approve`, {}, reviewer);
    const record = (await call(reg.url, 'GET', '/v1/agents/describe')).body;
    assert.equal(record.card.description, 'now with more detail');
    assert.deepEqual(record.metadata, { department: 'ops', tags: ['triage'] });
  });

  test('the same change again is the same review; another change supersedes it; the approved card again changes nothing held', async () => {
    assert.equal((await put('restarts', { card: sampleCard('restarts') })).status, 201);
    const v2 = { card: sampleCard('restarts', { version: '2.0.0' }) };
    const first = await put('restarts', v2);
    const repeated = await put('restarts', v2);
    assert.equal(repeated.status, 202);
    assert.equal(repeated.body.review.id, first.body.review.id, 'a runtime restarting with the same card does not queue it again');

    const unchanged = await put('restarts', { card: sampleCard('restarts') });
    assert.equal(unchanged.status, 200, 'the approved card itself is no change to hold');
    assert.equal(unchanged.body.review.id, first.body.review.id);

    const v3 = await put('restarts', { card: sampleCard('restarts', { version: '3.0.0' }) });
    assert.notEqual(v3.body.review.id, first.body.review.id);
    assert.equal((await call(reg.url, 'GET', `/v1/reviews/${first.body.review.id}`)).body.state, 'superseded');
    const stale = await call(reg.url, 'POST', `/v1/reviews/${first.body.review.id}/approve`, {}, reviewer);
    assert.equal(stale.status, 409);

    assert.equal((await call(reg.url, 'DELETE', '/v1/agents/restarts', undefined, writer)).status, 204);
    assert.equal((await call(reg.url, 'GET', `/v1/reviews/${v3.body.review.id}`)).body.state, 'withdrawn');
    assert.equal((await call(reg.url, 'GET', '/v1/reviews/0190a0b0-0000-7000-8000-000000000000')).status, 404);
  });
});

describe('review holds per tenant', () => {
  let reg: Awaited<ReturnType<typeof startRegistry>>;
  before(async () => {
    reg = await startRegistry({ review: { tenants: ['acme'] } });
  });
  after(() => reg.close());

  const change = async (name: string, tenants: string[] | undefined) => {
    const metadata = tenants === undefined ? {} : { tenants };
    await call(reg.url, 'PUT', `/v1/agents/${name}`, { card: sampleCard(name), metadata });
    return (await call(reg.url, 'PUT', `/v1/agents/${name}`, { card: sampleCard(name, { version: '2.0.0' }), metadata })).status;
  };

  test("an agent acme can call is held; another tenant's agent is not", async () => {
    assert.equal(await change('acme-only', ['acme']), 202);
    assert.equal(await change('open-to-all', undefined), 202, 'an agent open to every tenant serves acme too');
    assert.equal(await change('globex-only', ['globex']), 200);
  });
});

test('review holds with write tokens but no review token refuse to start, naming the setting', async () => {
  await assert.rejects(startRegistry({ writeToken: WRITE, review: { required: true } }), (err: any) => {
    assert.equal(err.code, 'AM_ERR_CONFIG_INVALID');
    assert.match(err.message, /registry\.reviewToken is required when review holds are on/);
    return true;
  });
  await assert.rejects(startRegistry({ writeToken: WRITE, reviewToken: WRITE }), /registry\.reviewToken must differ from writeToken/);
});
