import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAcpReferenceServer } from '../../helpers/acp-reference-server.js';
import { call, errorReason, fieldViolations, sampleCard, startRegistry, watch } from '../../helpers/registry-fixture.js';
import { until } from '../../helpers/until.js';
import { createRegistryClient } from '../../../src/contracts/registry-client/index.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

/*
 * An ACP agent is registered by its server's base URL. The
 * registry reads /agents and /agents/{name} through the SSRF guard, checks
 * the manifests against the ACP document, derives an A2A card from each,
 * keeps the manifest, and probes the server's /ping. The ACP server here is
 * the tests' own reference server (acp-reference-server.ts), written from
 * the document, not from src/acp.
 */

const echo = {
  name: 'echo',
  description: 'Echoes what it is sent, for testing message plumbing',
  input_content_types: ['text/plain', 'application/json'],
  output_content_types: ['text/plain'],
  metadata: {
    capabilities: [{ name: 'Echo text', description: 'Repeats a message back word for word' }],
    tags: ['testing'],
    domains: ['diagnostics'],
    links: [{ type: 'documentation', url: 'https://docs.example.com/echo' }],
    author: { name: 'Example Corp', url: 'https://example.com' },
  },
};

const forecaster = {
  name: 'revenue-forecaster',
  description: 'Forecasts quarterly revenue from the sales pipeline',
  input_content_types: ['application/json'],
  output_content_types: ['application/json', 'text/csv'],
  metadata: {
    capabilities: [
      { name: 'Quarterly forecast', description: 'Projects next quarter revenue from weighted pipeline stages' },
      { name: 'Scenario analysis', description: 'Compares best, expected and worst case revenue' },
    ],
    tags: ['finance', 'forecasting'],
  },
};

/** An ACP 0.2.0 manifest must list at least one input content type; this one lists none. */
const broken = { name: 'broken', description: 'Lists no input content types', input_content_types: [], output_content_types: ['text/plain'] };

/** Valid in the list; its own manifest (GET /agents/shifty) is not. */
const shifty = { name: 'shifty', description: 'Answers differently when asked directly', input_content_types: ['text/plain'], output_content_types: ['text/plain'] };

describe('registering ACP agents by their server URL', () => {
  /** The registry and three ACP servers: a conforming one, one listing a broken manifest, one whose manifests disagree. */
  const setup = startedForSuite(async () => {
    // Production posture: only the loopback host the ACP servers listen on is allow-listed.
    const reg = await startRegistry({ dev: false, allowHosts: ['127.0.0.1'], probeIntervalMs: 200, probeTimeoutMs: 1000 });
    const acp = await startAcpReferenceServer({ manifests: [echo, forecaster] });
    const bad = await startAcpReferenceServer({ manifests: [echo, broken], nonConforming: ['broken'] });
    const disagreeing = await startAcpReferenceServer({
      manifests: [echo, shifty],
      details: { shifty: { ...shifty, output_content_types: 'text/plain', metadata: { capabilities: [{ name: 'Shift' }] } } },
      nonConforming: ['shifty'],
    });
    return { reg, acp, bad, disagreeing, close: () => closeInTurn(disagreeing, bad, acp, reg) };
  });

  test('a manifest that breaks the ACP schema is refused with every problem, and nothing of the server is stored', async () => {
    const live = watch(`${setup().reg.url}/watch`, 1);
    await live.opened;
    // In the list: the list answer itself is an AgentsListResponse of manifests.
    const res = await call(setup().reg.url, 'POST', '/v1/agents', { protocol: 'acp', url: setup().bad.url });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.status, 'INVALID_ARGUMENT');
    assert.equal(errorReason(res.body), 'AM_ERR_REGISTRY_ACP_MANIFEST_INVALID');
    assert.equal(fieldViolations(res.body)[0]?.field, 'agents[1].input_content_types');
    assert.equal(res.body.error.message, `The ACP agent list at ${setup().bad.url}/agents?limit=100&offset=0 has a problem: agents[1].input_content_types must NOT have fewer than 1 items`);
    assert.deepEqual(setup().bad.requests, ['GET /agents?limit=100&offset=0']);

    // In one agent's own manifest, after a valid list: every problem of it, and the valid echo is not stored either.
    const detail = await call(setup().reg.url, 'POST', '/v1/agents', { protocol: 'acp', url: setup().disagreeing.url });
    assert.equal(detail.status, 400, JSON.stringify(detail.body));
    assert.equal(errorReason(detail.body), 'AM_ERR_REGISTRY_ACP_MANIFEST_INVALID');
    assert.deepEqual(
      fieldViolations(detail.body).map((v) => v.field).sort(),
      ['metadata.capabilities[0].description', 'output_content_types'],
    );
    assert.match(detail.body.error.message, new RegExp(`^The ACP agent manifest at ${setup().disagreeing.url}/agents/shifty has 2 problems:`));
    assert.deepEqual(setup().disagreeing.requests, ['GET /agents?limit=100&offset=0', 'GET /agents/echo', 'GET /agents/shifty']);

    assert.equal((await call(setup().reg.url, 'GET', '/v1/agents/echo')).status, 404);
    assert.equal((await call(setup().reg.url, 'GET', '/v1/agents/echo/instances')).status, 404);
    assert.deepEqual((await call(setup().reg.url, 'GET', '/v1/agents')).body.agents, []);
    // The first change a watcher sees is the next accepted registration, not the refused ones.
    assert.equal((await call(setup().reg.url, 'PUT', '/v1/agents/marker', { card: sampleCard('marker') })).status, 201);
    const [first] = await live.frames;
    assert.equal(first?.data.agent, 'marker');
    assert.equal((await call(setup().reg.url, 'DELETE', '/v1/agents/marker')).status, 204);
  });

  test('an ACP URL the SSRF guard refuses is refused before any request, and nothing is stored', async () => {
    const res = await call(setup().reg.url, 'POST', '/v1/agents', { protocol: 'acp', url: 'http://169.254.169.254/acp' });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(errorReason(res.body), 'AM_ERR_SSRF_BLOCKED');
    assert.deepEqual((await call(setup().reg.url, 'GET', '/v1/agents')).body.agents, []);
    const notUrl = await call(setup().reg.url, 'POST', '/v1/agents', { protocol: 'acp', url: 'ftp://127.0.0.1/acp' });
    assert.equal(notUrl.status, 400);
    assert.equal(errorReason(notUrl.body), 'AM_ERR_REGISTRY_INVALID_ARGUMENT');
    assert.equal(fieldViolations(notUrl.body)[0]?.field, 'url');
    const both = await call(setup().reg.url, 'POST', '/v1/agents', { protocol: 'acp', url: setup().acp.url, card: sampleCard('x') });
    assert.equal(both.status, 400);
    assert.match(both.body.error.message, /takes "url", not "card" or "cardUrl"/);
  });

  test('registers every agent of the server as bridged: derived cards, manifests kept, listed and searchable', async () => {
    const res = await call(setup().reg.url, 'POST', '/v1/agents', { protocol: 'acp', url: `${setup().acp.url}/`, metadata: { department: 'finance' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.agents.map((a: any) => a.name),
      ['echo', 'revenue-forecaster'],
    );
    const [e, f] = res.body.agents;
    assert.deepEqual(e.bridge, { protocol: 'acp', url: setup().acp.url, agentName: 'echo', manifest: echo });
    assert.deepEqual(f.bridge.manifest, forecaster);
    assert.equal(e.cardUrl, `${setup().acp.url}/agents/echo`);
    assert.equal(e.signed, false);
    assert.equal(e.metadata.department, 'finance');
    // The card, as an A2A client reads it.
    const card = (await call(setup().reg.url, 'GET', '/v1/agents/revenue-forecaster/card')).body;
    assert.equal(card.name, 'revenue-forecaster');
    assert.equal(card.description, forecaster.description);
    assert.deepEqual(card.defaultInputModes, ['application/json']);
    assert.deepEqual(card.defaultOutputModes, ['application/json', 'text/csv']);
    assert.deepEqual(
      card.skills.map((s: any) => [s.id, s.name, s.description, s.tags]),
      [
        ['quarterly-forecast', 'Quarterly forecast', 'Projects next quarter revenue from weighted pipeline stages', ['finance', 'forecasting']],
        ['scenario-analysis', 'Scenario analysis', 'Compares best, expected and worst case revenue', ['finance', 'forecasting']],
      ],
    );
    assert.deepEqual(card.supportedInterfaces, [{ url: setup().acp.url, protocolBinding: 'ACP', protocolVersion: '0.2.0' }]);
    const echoCard = (await call(setup().reg.url, 'GET', '/v1/agents/echo/card')).body;
    assert.equal(echoCard.documentationUrl, 'https://docs.example.com/echo');
    assert.deepEqual(echoCard.provider, { organization: 'Example Corp', url: 'https://example.com' });
    assert.deepEqual(echoCard.skills[0].tags, ['testing', 'diagnostics']);

    // Listed with the rest, found by the derived skills, filtered by tag.
    const listed = await call(setup().reg.url, 'GET', '/v1/agents?tag=forecasting');
    assert.deepEqual(listed.body.agents.map((a: any) => a.name), ['revenue-forecaster']);
    const found = await call(setup().reg.url, 'POST', '/search', { query: { text: 'weighted pipeline revenue projection' } });
    assert.equal(found.status, 200, JSON.stringify(found.body));
    assert.equal(found.body.results[0].metadata.name, 'revenue-forecaster');

    // Each is a static instance at the server's base URL.
    const instances = (await call(setup().reg.url, 'GET', '/v1/agents/echo/instances')).body.instances;
    assert.deepEqual(instances.map((i: any) => [i.url, i.kind]), [[setup().acp.url, 'static']]);

    // Every request the registry sent, and every answer, conformed to the ACP document.
    assert.ok(setup().acp.requests.every((r) => !r.startsWith('NONCONFORMING')), setup().acp.requests.join('\n'));
    assert.ok(setup().acp.requests.includes('GET /agents?limit=100&offset=0'));

    // Registering the server again is refused whole: both names exist.
    const again = await call(setup().reg.url, 'POST', '/v1/agents', { protocol: 'acp', url: setup().acp.url });
    assert.equal(again.status, 409);
    assert.equal(errorReason(again.body), 'AM_ERR_REGISTRY_AGENT_EXISTS');
  });

  test('health comes from the server\'s /ping: up while it answers 200, down when it fails', async () => {
    await until('echo is probed healthy', async () => {
      await setup().reg.registry.probeNow();
      return (await call(setup().reg.url, 'GET', '/v1/agents/echo')).body.health === 'healthy';
    });
    assert.ok(setup().acp.requests.includes('GET /ping'));
    assert.ok(!setup().acp.requests.some((r) => r.includes('.well-known')), 'a bridged agent is never probed for an A2A card');
    setup().acp.pingStatus = 503;
    await until('echo is probed down', async () => {
      await setup().reg.registry.probeNow();
      return (await call(setup().reg.url, 'GET', '/v1/agents/echo')).body.health === 'down';
    });
    const health = (await call(setup().reg.url, 'GET', '/v1/agents/echo/health')).body;
    assert.match(health.instances[0].probe.lastError, new RegExp(`HTTP 503 from ${setup().acp.url}/ping`));
    setup().acp.pingStatus = 200;
  });

  test('a bridged agent\'s card is its manifest\'s: a card patch is refused; PUT with a name takes that one agent', async () => {
    const patch = await call(setup().reg.url, 'PATCH', '/v1/agents/echo', { card: sampleCard('echo') });
    assert.equal(patch.status, 400);
    assert.match(patch.body.error.message, /echo is a bridged ACP agent/);
    assert.equal((await call(setup().reg.url, 'PATCH', '/v1/agents/echo', { metadata: { owner: 'qa' } })).body.metadata.owner, 'qa');

    assert.equal((await call(setup().reg.url, 'DELETE', '/v1/agents/revenue-forecaster')).status, 204);
    const put = await call(setup().reg.url, 'PUT', '/v1/agents/revenue-forecaster', { protocol: 'acp', url: setup().acp.url });
    assert.equal(put.status, 201, JSON.stringify(put.body));
    assert.equal(put.body.bridge.agentName, 'revenue-forecaster');
    const missing = await call(setup().reg.url, 'PUT', '/v1/agents/nobody', { protocol: 'acp', url: setup().acp.url });
    assert.equal(missing.status, 400);
    assert.match(missing.body.error.message, /lists no agent named "nobody" \(it lists echo, revenue-forecaster\)/);
  });

  test('reads the agent list page by page, and refuses a server that lists more than 200 agents', async () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `agent-${i + 1}`, description: `Agent ${i + 1}`, input_content_types: ['text/plain'], output_content_types: ['text/plain'] }));
    const paged = await startAcpReferenceServer({ manifests: many(101) });
    const crowded = await startAcpReferenceServer({ manifests: many(201) });
    try {
      const one = await call(setup().reg.url, 'PUT', '/v1/agents/agent-101', { protocol: 'acp', url: paged.url });
      assert.equal(one.status, 201, JSON.stringify(one.body));
      assert.deepEqual(paged.requests, ['GET /agents?limit=100&offset=0', 'GET /agents?limit=100&offset=100', 'GET /agents/agent-101']);
      const refused = await call(setup().reg.url, 'POST', '/v1/agents', { protocol: 'acp', url: crowded.url });
      assert.equal(refused.status, 400);
      assert.match(refused.body.error.message, /lists more than 200 agents: register them one by one with "name"/);
      assert.ok(!crowded.requests.some((r) => r.startsWith('GET /agents/')), 'no manifest is read once the list is refused');
      assert.equal((await call(setup().reg.url, 'GET', '/v1/agents/agent-1')).status, 404);
      assert.equal((await call(setup().reg.url, 'DELETE', '/v1/agents/agent-101')).status, 204);
    } finally {
      await crowded.close();
      await paged.close();
    }
  });

  test('the registry client registers an ACP server\'s agent and reads it back as bridged', async () => {
    const client = createRegistryClient({ url: setup().reg.url, timeoutMs: 5_000 });
    await client.deregister('echo');
    const records = await client.registerAcp({ url: setup().acp.url, name: 'echo', metadata: { owner: 'platform' } });
    assert.deepEqual(records.map((r) => [r.name, r.bridge?.agentName, r.metadata.owner]), [['echo', 'echo', 'platform']]);
    assert.deepEqual((await client.getAgent('echo')).bridge?.manifest, echo);
    await assert.rejects(client.registerAcp({ url: setup().acp.url, name: 'echo' }), (err: any) => err.code === 'AM_ERR_REGISTRY_AGENT_EXISTS');
  });
});
