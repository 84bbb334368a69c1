/**
 * Review holds (docs/registry.md#review-holds) for bridged ACP agents: a
 * re-registration whose manifest changed the derived card is held exactly
 * as an A2A card change is, and answered the same way (202, `Location` of
 * the review, the approved record); the registry keeps the approved card
 * until a reviewer approves the manifest's change.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAcpReferenceServer, type AcpReferenceServer } from '../../helpers/acp-reference-server.js';
import { call, startRegistry } from '../../helpers/registry-fixture.js';

const WRITE = 'write-token-0123456789';
const REVIEW = 'review-token-0123456789';
const writer = { authorization: `Bearer ${WRITE}` };
const reviewer = { authorization: `Bearer ${REVIEW}` };

/** Served live by the reference server: a test changes it as an ACP server's operator would. */
const echo = { name: 'echo', description: 'Echoes what it is sent', input_content_types: ['text/plain'], output_content_types: ['text/plain'] };
const other = { name: 'other', description: 'Another agent of the same server', input_content_types: ['text/plain'], output_content_types: ['text/plain'] };

describe('a bridged ACP agent\'s card change held for review', () => {
  let reg: Awaited<ReturnType<typeof startRegistry>>;
  let acp: AcpReferenceServer;
  before(async () => {
    reg = await startRegistry({ dev: false, allowHosts: ['127.0.0.1'], writeToken: WRITE, reviewToken: REVIEW, review: { required: true } });
    acp = await startAcpReferenceServer({ manifests: [echo, other] });
  });
  after(async () => {
    await reg?.close();
    await acp?.close();
  });

  test('re-registering it with a changed manifest answers 202 with the review\'s Location, as an A2A card change does', async () => {
    const first = await call(reg.url, 'POST', '/v1/agents', { protocol: 'acp', url: acp.url }, writer);
    assert.equal(first.status, 201, 'new agents are registered at once');
    assert.deepEqual(first.body.agents.map((a: any) => a.name), ['echo', 'other']);

    echo.description = 'Echoes what it is sent, and says when';
    const held = await call(reg.url, 'PUT', '/v1/agents/echo', { protocol: 'acp', url: acp.url }, writer);
    assert.equal(held.status, 202, JSON.stringify(held.body));
    const id = held.body.review.id;
    assert.equal(held.headers.get('location'), `/v1/reviews/${id}`);
    assert.equal(held.body.card.description, 'Echoes what it is sent', 'the answer is the approved record');
    const review = (await call(reg.url, 'GET', `/v1/reviews/${id}`)).body;
    assert.deepEqual(review.changes.map((c: any) => c.path), ['/card/description', '/card/skills/echo/description'], 'the derived card, its one skill with it');

    // Registering the server again is no way around the hold: its agents are taken (409), nothing changes.
    const again = await call(reg.url, 'POST', '/v1/agents', { protocol: 'acp', url: acp.url }, writer);
    assert.equal(again.status, 409);
    assert.equal((await call(reg.url, 'GET', '/v1/agents/echo/card')).body.description, 'Echoes what it is sent');

    const approved = await call(reg.url, 'POST', `/v1/reviews/${id}/approve`, {}, reviewer);
    assert.equal(approved.status, 200);
    const record = (await call(reg.url, 'GET', '/v1/agents/echo')).body;
    assert.equal(record.card.description, 'Echoes what it is sent, and says when');
    assert.equal(record.bridge.manifest.description, 'Echoes what it is sent, and says when', 'the manifest kept is the one approved');
  });
});
