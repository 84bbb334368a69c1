/**
 * Ownership claims the registry verifies (docs/registry.md#ownership-verification):
 * a TXT record on a real DNS server the registry's resolver is pointed at, a
 * well-known file on the card's host, a card signed by a key the owner
 * publishes; and the claims each refuses.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsTxtServer } from '../../helpers/dns-txt-server.js';
import { signedCard, signingKey, startOwnerSite } from '../../helpers/owner-site.js';
import { call, sampleCard, startRegistry } from '../../helpers/registry-fixture.js';
import { until } from '../../helpers/until.js';

describe('ownership claims', () => {
  let dns: Awaited<ReturnType<typeof startDnsTxtServer>>;
  let site: Awaited<ReturnType<typeof startOwnerSite>>;
  let reg: Awaited<ReturnType<typeof startRegistry>>;

  before(async () => {
    dns = await startDnsTxtServer();
    site = await startOwnerSite();
    // Sweeps far apart: every check below is one a write or a request asked for.
    reg = await startRegistry({ ownership: { dnsServers: [dns.server], dnsTimeoutMs: 200, sweepIntervalMs: 3_600_000 } });
  });
  after(async () => {
    await reg.close();
    await site.close();
    await dns.close();
  });

  const verify = (name: string) => call(reg.url, 'POST', `/v1/agents/${name}/ownership/verify`);

  test('a TXT record carrying the issued token verifies the claim, by dns, with its time; the list filters on it', async () => {
    const put = await call(reg.url, 'PUT', '/v1/agents/dns-owned', { card: sampleCard('dns-owned'), metadata: { ownership: { domain: 'example.test', organization: 'Example Ltd' } } });
    assert.equal(put.status, 201);
    const { token } = put.body.ownership;
    assert.match(token, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(put.body.ownership.status, 'unverified');

    const report = await call(reg.url, 'GET', '/v1/agents/dns-owned/ownership');
    assert.deepEqual(report.body.publish.dns, { name: '_agentmesh.example.test', type: 'TXT', value: `v=agentmesh1; agent=dns-owned; token=${token}` });

    // Published as an operator would, beside the domain's other TXT records, the text split in two strings.
    dns.zone.set('_agentmesh.example.test', { txt: [['v=spf1 -all'], ['v=agentmesh1; agent=dns-owned; ', `token=${token}`]] });
    const before = Date.now();
    const verified = await verify('dns-owned');
    assert.equal(verified.status, 200);
    assert.equal(verified.body.ownership.status, 'verified');
    assert.equal(verified.body.ownership.method, 'dns');
    assert.ok(Date.parse(verified.body.ownership.verifiedAt) >= before - 1000);
    assert.equal(verified.body.ownership.reason, undefined);
    assert.ok(dns.asked.includes('_agentmesh.example.test'), 'the registry asked the test DNS server');

    const listed = await call(reg.url, 'GET', '/v1/agents?verified=true');
    assert.ok(listed.body.agents.some((a: any) => a.name === 'dns-owned'));
    const unverified = await call(reg.url, 'GET', '/v1/agents?verified=false');
    assert.ok(!unverified.body.agents.some((a: any) => a.name === 'dns-owned'));
    const searched = await call(reg.url, 'POST', '/search', { query: { text: 'useful things', filter: { verifiedOwner: 'example.test' } } });
    assert.deepEqual(searched.body.results.map((r: any) => r.identifier), ['urn:air:agentmesh.local:agent:dns-owned']);
  });

  test('a changed card is not left verified: the registry checks the claim again by itself', async () => {
    const put = await call(reg.url, 'PUT', '/v1/agents/rechecked', { card: sampleCard('rechecked'), metadata: { ownership: { domain: 'recheck.test', method: 'dns' } } });
    const { token } = put.body.ownership;
    dns.zone.set('_agentmesh.recheck.test', { txt: [[`v=agentmesh1; token=${token}`]] });
    assert.equal((await verify('rechecked')).body.ownership.status, 'verified');

    const changed = await call(reg.url, 'PUT', '/v1/agents/rechecked', { card: sampleCard('rechecked', { description: 'does other things now' }), metadata: { ownership: { domain: 'recheck.test', method: 'dns' } } });
    assert.equal(changed.body.ownership.status, 'unverified', 'the new card is not vouched for until checked');
    assert.equal(changed.body.ownership.token, token, 'the token stays with the domain');
    await until('the registry to verify the changed card', async () => (await call(reg.url, 'GET', '/v1/agents/rechecked')).body.ownership.status === 'verified');
  });

  test('a missing record, another token, or a record naming another agent refuses the claim; a DNS failure leaves it unverified', async () => {
    const put = await call(reg.url, 'PUT', '/v1/agents/dns-refused', { card: sampleCard('dns-refused'), metadata: { ownership: { domain: 'refused.test', method: 'dns' } } });
    const { token } = put.body.ownership;

    const missing = await verify('dns-refused');
    assert.equal(missing.body.ownership.status, 'refused');
    assert.equal(missing.body.ownership.reason, 'dns: no TXT record at _agentmesh.refused.test');

    dns.zone.set('_agentmesh.refused.test', { txt: [['v=agentmesh1; token=AAAAAAAAAAAAAAAAAAAAAA']] });
    const other = await verify('dns-refused');
    assert.equal(other.body.ownership.status, 'refused');
    assert.match(other.body.ownership.reason, /another token than the one issued/);

    dns.zone.set('_agentmesh.refused.test', { txt: [[`v=agentmesh1; agent=someone-else; token=${token}`]] });
    assert.match((await verify('dns-refused')).body.ownership.reason, /names agent "someone-else", not "dns-refused"/);

    dns.zone.set('_agentmesh.refused.test', { rcode: 'SERVFAIL' });
    const failed = await verify('dns-refused');
    assert.equal(failed.body.ownership.status, 'unverified');
    assert.match(failed.body.ownership.reason, /did not complete \(ESERVFAIL\)/);
    assert.equal((await call(reg.url, 'GET', '/v1/agents?verified=true')).body.agents.some((a: any) => a.name === 'dns-refused'), false);
  });

  test("a well-known file on the card's host naming the owner and listing the token verifies the claim; another owner is refused", async () => {
    site.files.set('/.well-known/agent-card.json', sampleCard('site-agent', { supportedInterfaces: [{ url: `${site.origin}/rpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }] }));
    const put = await call(reg.url, 'PUT', '/v1/agents/site-agent', { cardUrl: site.origin, metadata: { ownership: { domain: 'localhost', organization: 'Local Ltd', method: 'well-known' } } });
    assert.equal(put.status, 201, JSON.stringify(put.body));
    const { token } = put.body.ownership;
    const report = await call(reg.url, 'GET', '/v1/agents/site-agent/ownership');
    assert.equal(report.body.publish.wellKnown.url, `${site.origin}/.well-known/agentmesh-ownership.json`);

    site.files.set('/.well-known/agentmesh-ownership.json', { owner: 'example.com', organization: 'Local Ltd', tokens: [token] });
    const wrongOwner = await verify('site-agent');
    assert.equal(wrongOwner.body.ownership.status, 'refused');
    assert.match(wrongOwner.body.ownership.reason, /names owner "example.com", not "localhost"/);

    site.files.set('/.well-known/agentmesh-ownership.json', report.body.publish.wellKnown.body);
    const verified = await verify('site-agent');
    assert.equal(verified.body.ownership.status, 'verified');
    assert.equal(verified.body.ownership.method, 'well-known');
  });

  test("a card on a host outside the claimed domain cannot be vouched for by that host's file", async () => {
    const card = sampleCard('elsewhere', { supportedInterfaces: [{ url: `${site.origin}/rpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }] });
    const put = await call(reg.url, 'PUT', '/v1/agents/elsewhere', { card, metadata: { ownership: { domain: 'bank.test', method: 'well-known' } } });
    site.files.set('/.well-known/agentmesh-ownership.json', { owner: 'bank.test', tokens: [put.body.ownership.token] });
    const refused = await verify('elsewhere');
    assert.equal(refused.body.ownership.status, 'refused');
    assert.equal(refused.body.ownership.reason, "well-known: the card's host localhost is not bank.test or under it");
  });

  test("a card signed with a key of the owner's key set verifies the claim; one signed by another key is refused", async () => {
    const owner = await signingKey('owner-2026');
    const stranger = await signingKey('stranger');
    const keysUrl = `${site.origin}/.well-known/agentmesh-keys.json`;
    site.files.set('/.well-known/agentmesh-keys.json', { keys: [owner.jwk] });
    // The stranger's key set is published elsewhere: the card's own signature verifies (the intake admits it), but it is no owner's.
    site.files.set('/keys/stranger.json', { keys: [stranger.jwk] });
    const interfaces = [{ url: 'https://agents.example.com/signed', protocolBinding: 'JSONRPC', protocolVersion: '1.0' }];

    const good = await signedCard(sampleCard('signed-agent', { supportedInterfaces: interfaces }), owner, keysUrl);
    const put = await call(reg.url, 'PUT', '/v1/agents/signed-agent', { card: good, metadata: { ownership: { domain: 'localhost', method: 'signature', keysUrl } } });
    assert.equal(put.status, 201, JSON.stringify(put.body));
    assert.equal(put.body.signed, true);
    const verified = await verify('signed-agent');
    assert.equal(verified.body.ownership.status, 'verified', verified.body.ownership.reason);
    assert.equal(verified.body.ownership.method, 'signature');

    const bad = await signedCard(sampleCard('stranger-signed', { supportedInterfaces: interfaces }), stranger, `${site.origin}/keys/stranger.json`);
    const strangerPut = await call(reg.url, 'PUT', '/v1/agents/stranger-signed', { card: bad, metadata: { ownership: { domain: 'localhost', method: 'signature', keysUrl } } });
    assert.equal(strangerPut.body.signed, true, 'the intake admitted the signature it could verify');
    const refused = await verify('stranger-signed');
    assert.equal(refused.body.ownership.status, 'refused');
    assert.match(refused.body.ownership.reason, /unknown kid "stranger": not in the key set at http:\/\/localhost:\d+\/\.well-known\/agentmesh-keys\.json/);
  });

  test('a claim is refused at registration when its keys URL could not prove the domain; a claim-less agent has nothing to verify', async () => {
    const bad = await call(reg.url, 'PUT', '/v1/agents/bad-keys', { card: sampleCard('bad-keys'), metadata: { ownership: { domain: 'example.test', keysUrl: 'https://example.test/keys.json' } } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.status, 'INVALID_ARGUMENT');
    const none = await call(reg.url, 'PUT', '/v1/agents/claimless', { card: sampleCard('claimless') });
    assert.equal(none.body.ownership, undefined);
    const refused = await verify('claimless');
    assert.equal(refused.status, 400);
    assert.match(refused.body.error.message, /claims no owner/);
  });
});
