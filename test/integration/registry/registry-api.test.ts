import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startRuntime, testAgent } from '../../helpers/runtime-fixture.js';
import { call, fieldViolations, sampleCard, startRegistry, watch } from '../../helpers/registry-fixture.js';
import { until } from '../../helpers/until.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

describe('registry management API (embedded SQLite)', () => {
  let reg: Awaited<ReturnType<typeof startRegistry>>;
  let agentHost: Awaited<ReturnType<typeof startRuntime>>;
  before(async () => {
    reg = await startRegistry({ probeIntervalMs: 200, probeTimeoutMs: 1000 });
    agentHost = await startRuntime([testAgent]);
  });
  after(() => closeInTurn(agentHost, reg));

  test('registers a running runtime agent by card URL: signed, translated to a record, probed healthy', async () => {
    const res = await call(reg.url, 'POST', '/v1/agents', { cardUrl: `${agentHost.url}/.well-known/agent-card.json`, metadata: { department: 'qa', sla: { tier: 'gold', maxLatencyMs: 500 } } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.name, 'tester');
    assert.equal(res.body.signed, true);
    assert.equal(res.body.identifier, 'urn:air:agentmesh.local:agent:tester');
    assert.equal(res.headers.get('etag'), `"${res.body.revision}"`);
    const instances = await call(reg.url, 'GET', '/v1/agents/tester/instances');
    assert.equal(instances.body.instances.length, 1);
    assert.equal(instances.body.instances[0].kind, 'static');
    // The background round may have claimed the probe first; then probeNow finds nothing due and the answer comes from that round.
    let health: Awaited<ReturnType<typeof call>> | undefined;
    await until('the instance is probed healthy', async () => {
      await reg.registry.probeNow();
      health = await call(reg.url, 'GET', '/v1/agents/tester/health');
      return health.body.health === 'healthy';
    });
    assert.equal(health!.body.health, 'healthy');
    assert.equal(health!.body.instances[0].history[0].ok, true);
    const card = await call(reg.url, 'GET', '/v1/agents/tester/card');
    assert.equal(card.body.name, 'tester');
    assert.match(card.headers.get('content-type') ?? '', /^application\/a2a-agent-card\+json/);
  });

  test('a second POST of the same name is a conflict; PUT replaces', async () => {
    const dup = await call(reg.url, 'POST', '/v1/agents', { card: sampleCard('tester') });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.status, 'ALREADY_EXISTS');
    const put = await call(reg.url, 'PUT', '/v1/agents/dup-put', { card: sampleCard('Dup Put') });
    assert.equal(put.status, 201);
    const again = await call(reg.url, 'PUT', '/v1/agents/dup-put', { card: sampleCard('Dup Put', { description: 'changed' }) });
    assert.equal(again.status, 200);
    assert.equal(again.body.revision, 2);
    assert.equal(again.body.card.description, 'changed');
  });

  test('broken cards are refused with every problem listed', async () => {
    const res = await call(reg.url, 'POST', '/v1/agents', { card: { name: 'broken', skills: [{ id: 'x' }] } });
    assert.equal(res.status, 400);
    const violations = fieldViolations(res.body);
    assert.ok(violations.length >= 3, JSON.stringify(res.body));
    assert.ok(violations.some((v: any) => /description/.test(v.field)), JSON.stringify(violations));
  });

  test('a signed card whose signature does not verify is refused', async () => {
    const fetched = (await (await fetch(`${agentHost.url}/.well-known/agent-card.json`)).json()) as Record<string, unknown>;
    const tampered = { ...fetched, description: 'tampered after signing' };
    const res = await call(reg.url, 'POST', '/v1/agents', { card: tampered, name: 'tampered' });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.status, 'INVALID_ARGUMENT');
    assert.equal(res.body.error.details.find((d: any) => d.reason)?.reason, 'AM_ERR_REGISTRY_CARD_SIGNATURE_INVALID');
    assert.match(res.body.error.message, /signature/i);
  });

  test('SSRF card URLs are refused', async () => {
    const strict = await startRegistry({ dev: false, allowHosts: [] });
    try {
      for (const url of ['http://169.254.169.254/latest/meta-data/', 'https://10.0.0.1/card.json', `${agentHost.url}/.well-known/agent-card.json`]) {
        const res = await call(strict.url, 'POST', '/v1/agents', { cardUrl: url });
        assert.equal(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
        assert.match(res.body.error.message, /refus|not allowed|private|loopback|metadata|http:/i);
      }
    } finally {
      await strict.close();
    }
  });

  test('list filters and cursor pagination', async () => {
    for (const [name, department] of [['fin-a', 'finance'], ['fin-b', 'finance'], ['fin-c', 'finance'], ['legal-a', 'legal']] as const) {
      const res = await call(reg.url, 'PUT', `/v1/agents/${name}`, { card: sampleCard(name), metadata: { department } });
      assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
    }
    const first = await call(reg.url, 'GET', '/v1/agents?department=finance&pageSize=2');
    assert.deepEqual(first.body.agents.map((a: any) => a.name), ['fin-a', 'fin-b']);
    assert.equal(first.body.totalSize, 3);
    const second = await call(reg.url, 'GET', `/v1/agents?department=finance&pageSize=2&pageToken=${first.body.nextPageToken}`);
    assert.deepEqual(second.body.agents.map((a: any) => a.name), ['fin-c']);
    assert.equal(second.body.nextPageToken, undefined);
    const bad = await call(reg.url, 'GET', '/v1/agents?pageSize=1001');
    assert.equal(bad.status, 400);
  });

  test('PATCH merges metadata, honours If-Match, and DELETE deregisters', async () => {
    const put = await call(reg.url, 'PUT', '/v1/agents/patchy', { card: sampleCard('patchy'), metadata: { department: 'hr', owner: 'ann' } });
    const patched = await call(reg.url, 'PATCH', '/v1/agents/patchy', { metadata: { owner: null, costCenter: 'CC-1' }, status: 'deprecated' }, { 'if-match': `"${put.body.revision}"` });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body.metadata, { department: 'hr', costCenter: 'CC-1' });
    assert.equal(patched.body.status, 'deprecated');
    const stale = await call(reg.url, 'PATCH', '/v1/agents/patchy', { status: 'active' }, { 'if-match': `"${put.body.revision}"` });
    assert.equal(stale.status, 412);
    assert.equal((await call(reg.url, 'DELETE', '/v1/agents/patchy')).status, 204);
    assert.equal((await call(reg.url, 'GET', '/v1/agents/patchy')).status, 404);
  });

  test('an instance whose heartbeats stop leaves rotation within TTL plus one probe interval', async () => {
    await call(reg.url, 'PUT', '/v1/agents/leased', { card: sampleCard('leased') });
    const added = await call(reg.url, 'POST', '/v1/agents/leased/instances', { url: agentHost.agents.tester, leaseTtlMs: 1000, region: 'eu' });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const id = added.body.id;
    const hb = await call(reg.url, 'PUT', `/v1/agents/leased/instances/${id}/heartbeat`);
    assert.equal(hb.status, 200);
    const lastBeat = Date.parse(hb.body.leaseExpiresAt) - 1000;
    await until('the lease to lapse and the instance to leave rotation', async () => {
      const res = await call(reg.url, 'GET', '/v1/agents/leased/instances');
      return res.body.instances[0]?.inRotation === false && (await call(reg.url, 'GET', '/v1/agents/leased')).body.health === 'down';
    }, 5000);
    const leftAfter = Date.now() - lastBeat;
    // TTL (1000) + one probe interval (200) + slack for a loaded machine.
    assert.ok(leftAfter <= 1000 + 200 + 1500, `left rotation ${leftAfter} ms after the last heartbeat`);
    const instances = await call(reg.url, 'GET', '/v1/agents/leased/instances');
    assert.match(instances.body.instances[0].probe.lastError, /lease expired/);
    // A heartbeat after the lapse revives it (the instance is still known).
    const revived = await call(reg.url, 'PUT', `/v1/agents/leased/instances/${id}/heartbeat`);
    assert.equal(revived.status, 200);
    assert.equal((await call(reg.url, 'PUT', `/v1/agents/leased/instances/nope/heartbeat`)).status, 404);
  });

  test('the watch stream carries changes with ids and resumes from an id', async () => {
    const live = watch(`${reg.url}/watch?agent=watched`, 2);
    await live.opened;
    await call(reg.url, 'PUT', '/v1/agents/watched', { card: sampleCard('watched') });
    await call(reg.url, 'PATCH', '/v1/agents/watched', { status: 'deprecated' });
    const frames = await live.frames;
    assert.deepEqual(frames.map((f) => f.event), ['registered', 'updated']);
    assert.equal(frames[1]!.data.record.status, 'deprecated');
    // Resume after the first: the second again, then what happened while away.
    await call(reg.url, 'DELETE', '/v1/agents/watched');
    const resumed = watch(`${reg.url}/watch?agent=watched`, 2, { 'last-event-id': frames[0]!.id! });
    const again = await resumed.frames;
    assert.deepEqual(again.map((f) => f.event), ['updated', 'deregistered']);
    assert.equal(again[0]!.id, frames[1]!.id);
    const bad = await call(reg.url, 'GET', '/watch?kinds=nonsense');
    assert.equal(bad.status, 400);
  });

  test('versioned configs: validated, history, rollback', async () => {
    await call(reg.url, 'PUT', '/v1/agents/configured', {
      card: sampleCard('configured'),
      metadata: { configSchema: { type: 'object', properties: { threshold: { type: 'number', maximum: 1 } }, additionalProperties: false } },
    });
    assert.equal((await call(reg.url, 'GET', '/v1/agents/configured/config')).status, 404);
    const v1 = await call(reg.url, 'PUT', '/v1/agents/configured/config', { config: { threshold: 0.5 }, comment: 'first' });
    assert.equal(v1.status, 201);
    assert.equal(v1.body.version, 1);
    const v2 = await call(reg.url, 'PUT', '/v1/agents/configured/config', { config: { threshold: 0.9 } });
    assert.equal(v2.body.version, 2);
    const invalid = await call(reg.url, 'PUT', '/v1/agents/configured/config', { config: { threshold: 7 } });
    assert.equal(invalid.status, 400);
    assert.match(invalid.body.error.message, /threshold/);
    const rolled = await call(reg.url, 'POST', '/v1/agents/configured/config/rollback', { version: 1 });
    assert.equal(rolled.status, 201);
    assert.equal(rolled.body.version, 3);
    assert.deepEqual(rolled.body.config, { threshold: 0.5 });
    const active = await call(reg.url, 'GET', '/v1/agents/configured/config');
    assert.equal(active.body.version, 3);
    const history = await call(reg.url, 'GET', '/v1/agents/configured/config/versions');
    assert.deepEqual(history.body.versions.map((v: any) => [v.version, v.active]), [[3, true], [2, false], [1, false]]);
    assert.equal((await call(reg.url, 'POST', '/v1/agents/configured/config/rollback', { version: 42 })).status, 404);
  });

  test('ARD search, explore, list and the AI catalog', async () => {
    await call(reg.url, 'PUT', '/v1/agents/contract-reviewer', {
      card: sampleCard('Contract Reviewer', { description: 'Reviews legal contracts and flags risky clauses', skills: [{ id: 'review', name: 'Review contract', description: 'Finds risky clauses in NDAs and MSAs', tags: ['legal', 'contracts'], examples: ['review this NDA'] }] }),
      metadata: { department: 'legal', sla: { tier: 'silver' } },
    });
    const found = await call(reg.url, 'POST', '/search', { query: { text: 'check an agreement for risky clauses' } });
    assert.equal(found.status, 200, JSON.stringify(found.body));
    assert.equal(found.body.results[0].metadata.name, 'contract-reviewer');
    assert.ok(found.body.results[0].score > 0 && found.body.results[0].score <= 100);
    assert.equal(found.body.results[0].type, 'application/a2a-agent-card+json');
    const filtered = await call(reg.url, 'POST', '/search', { query: { text: 'contracts', filter: { department: ['finance'] } } });
    assert.equal(filtered.body.results.length, 0);
    const facets = await call(reg.url, 'POST', '/explore', { resultType: { facets: [{ field: 'metadata.department' }] } });
    assert.equal(facets.status, 200, JSON.stringify(facets.body));
    assert.ok(facets.body.facets['metadata.department'].buckets.some((b: any) => b.value === 'finance' && b.count === 3));
    const list = await call(reg.url, 'GET', '/agents?pageSize=2');
    assert.equal(list.body.items.length, 2);
    assert.ok(list.body.total >= 2);
    const catalog = await call(reg.url, 'GET', '/.well-known/ai-catalog.json');
    assert.equal(catalog.body.entries[0].type, 'application/ai-registry+json');
    assert.ok(catalog.body.entries.some((e: any) => e.identifier === 'urn:air:agentmesh.local:agent:contract-reviewer'));
    const missing = await call(reg.url, 'POST', '/search', { query: {} });
    assert.equal(missing.status, 400);
  });

  test('OpenAPI document and bad input', async () => {
    const doc = await call(reg.url, 'GET', '/openapi.json');
    assert.equal(doc.status, 200);
    assert.ok(doc.body.paths['/v1/agents'] && doc.body.paths['/search'] && doc.body.paths['/watch']);
    const malformed = await call(reg.url, 'POST', '/v1/agents', '{"card": ', { 'content-type': 'application/json' });
    assert.equal(malformed.status, 400);
    const neither = await call(reg.url, 'POST', '/v1/agents', {});
    assert.equal(neither.status, 400);
    const badName = await call(reg.url, 'GET', '/v1/agents/Not_A_Slug');
    assert.equal(badName.status, 400);
  });

  test('a body that is not JSON is refused for what it is: 415 for another media type, a parse error naming JSON', async () => {
    const plain = await fetch(`${reg.url}/search`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'legal' });
    assert.equal(plain.status, 415);
    assert.equal(((await plain.json()) as { error: { details: Array<{ reason: string }> } }).error.details[0]!.reason, 'AM_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE');
    // Even empty (docs/registry.md, "Records"): fetch with a string body and no content-type sends text/plain; curl -d sends a form.
    for (const [path, headers] of [['/search', { 'content-type': 'text/plain' }], ['/v1/agents', { 'content-type': 'text/plain;charset=UTF-8' }], ['/v1/agents', {}], ['/v1/agents', { 'content-type': 'application/x-www-form-urlencoded' }]] as const) {
      const empty = await fetch(`${reg.url}${path}`, { method: 'POST', headers, body: '' });
      assert.equal(empty.status, 415, `${path} ${JSON.stringify(headers)}`);
      assert.equal(((await empty.json()) as { error: { details: Array<{ reason: string }> } }).error.details[0]!.reason, 'AM_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE');
    }
    const broken = await call(reg.url, 'POST', '/search', '{bad', { 'content-type': 'application/json' });
    assert.equal(broken.status, 400);
    assert.equal(broken.body.error.message, 'Request body is not valid JSON: it does not parse (its content-type says application/json)');
    const empty = await call(reg.url, 'POST', '/search', '', { 'content-type': 'application/json' });
    assert.equal(empty.body.error.message, 'Request body is not valid JSON: it is empty (its content-type says application/json)');
  });
});

describe('registry write protection', () => {
  test('with a write token, writes need it (401 with WWW-Authenticate), reads stay open', async () => {
    const reg = await startRegistry({ writeToken: 'a-long-enough-secret-token' });
    try {
      const anon = await call(reg.url, 'PUT', '/v1/agents/x', { card: sampleCard('x') });
      assert.equal(anon.status, 401);
      assert.match(anon.headers.get('www-authenticate') ?? '', /Bearer/);
      const wrong = await call(reg.url, 'PUT', '/v1/agents/x', { card: sampleCard('x') }, { authorization: 'Bearer wrong' });
      assert.equal(wrong.status, 401);
      const ok = await call(reg.url, 'PUT', '/v1/agents/x', { card: sampleCard('x') }, { authorization: 'Bearer a-long-enough-secret-token' });
      assert.equal(ok.status, 201);
      assert.equal((await call(reg.url, 'GET', '/v1/agents/x')).status, 200);
    } finally {
      await reg.close();
    }
  });

  test('an authenticator without the registry:write scope gets 403', async () => {
    const reg = await startRegistry({}, { authenticate: async () => ({ subject: 'reader', scopes: ['registry:read'] }) });
    try {
      const res = await call(reg.url, 'PUT', '/v1/agents/x', { card: sampleCard('x') });
      assert.equal(res.status, 403);
      assert.equal(res.body.error.status, 'PERMISSION_DENIED');
    } finally {
      await reg.close();
    }
  });
});
