import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentCard, verifyAgentCardSignature } from '@a2a-js/sdk';
import { ClientFactory, DefaultAgentCardResolver, JsonRpcTransportFactory, createAuthenticatingFetchWithRetry, type AuthenticationHandler } from '@a2a-js/sdk/client';
import { parseLegacyAgentCard } from '@a2a-js/sdk/compat/v0_3/client';
import { decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { defineAgent } from '../../../src/runtime/index.js';
import { verifyCardSignatures } from '../../../src/registry/intake/card-signatures.js';
import { agentCardViolations, legacyAgentCardViolations } from '../../../src/registry/intake/card-validation.js';
import { ADMIN_TOKEN, createClient, fetchToken } from '../../helpers/gateway-fixture.js';
import { asTask, completedText, sendRequest, textOf } from '../../helpers/sdk-client.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { agentCardFields } from '../../helpers/proto-agent-card.js';

/** Two skills, one of which the registry guards with a scope of its own; every call needs crm:read. */
const scorer = defineAgent({
  card: { name: 'scorer', description: 'Scores leads' },
  registry: { requiredScopes: ['crm:read'], skills: { score: { requiredScopes: ['leads:score'] } } },
  skills: {
    score: { description: 'Scores leads', handler: async (input: unknown) => `scored ${typeof input === 'string' ? input : JSON.stringify(input)}` },
    echo: { description: 'Echoes', handler: async (input: unknown) => input },
  },
});

type Json = Record<string, any>;

describe('the card the gateway serves', () => {
  let mesh: GatewayMesh;
  let gw: GatewayMesh['gw'];
  let host: GatewayMesh['host'];
  let cardUrl: string;

  before(async () => {
    mesh = await startGatewayMesh({ agents: [scorer] });
    ({ gw, host } = mesh);
    cardUrl = `${gw.url}/agents/scorer/.well-known/agent-card.json`;
  });
  after(() => mesh?.close());

  /** The gateway's card-signing key, found as a verifier finds it: the `jku` of the signature. */
  const gatewayKey = async (kid: string, jku?: string) => {
    assert.equal(jku, `${gw.url}/.well-known/agent-card-jwks.json`);
    const jwks = (await (await fetch(jku!)).json()) as { keys: JWK[] };
    return (await importJWK(jwks.keys.find((k) => k.kid === kid)!, 'ES256')) as Exclude<Awaited<ReturnType<typeof importJWK>>, Uint8Array>;
  };

  test('with A2A-Version: 0.3: the v0.3 shape, with the OAuth 2.0 and API key schemes, signed as served', async () => {
    const res = await fetch(cardUrl, { headers: { 'A2A-Version': '0.3' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('vary') ?? '', /(^|,\s*)A2A-Version(\s*,|$)/i);
    assert.match(res.headers.get('etag') ?? '', /^"[A-Za-z0-9_-]{27}"$/);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const card = (await res.json()) as Json;
    assert.equal(card.protocolVersion, '0.3');
    assert.equal(card.url, `${gw.url}/agents/scorer`);
    assert.equal(card.preferredTransport, 'JSONRPC');
    assert.deepEqual(card.securitySchemes.apiKey, { type: 'apiKey', name: 'X-API-Key', in: 'header', description: card.securitySchemes.apiKey.description });
    const oauth = card.securitySchemes.oauth2;
    assert.equal(oauth.type, 'oauth2');
    assert.equal(oauth.flows.clientCredentials.tokenUrl, `${gw.url}/oauth/token`);
    assert.deepEqual(Object.keys(oauth.flows.clientCredentials.scopes), ['a2a:card:read', 'a2a:message:send', 'a2a:push:write', 'a2a:tasks:cancel', 'a2a:tasks:read', 'crm:read', 'leads:score']);
    assert.equal(oauth.flows.clientCredentials.scopes['leads:score'], 'Needed by skill score');
    assert.deepEqual(card.security, [{ oauth2: ['a2a:message:send', 'crm:read'] }, { apiKey: [] }]);
    const skills = new Map((card.skills as Json[]).map((s) => [s.id, s]));
    assert.deepEqual(skills.get('score')!.security, [{ oauth2: ['a2a:message:send', 'crm:read', 'leads:score'] }, { apiKey: [] }]);
    assert.equal(skills.get('echo')!.security, undefined, 'a skill without scopes of its own needs what the card needs');

    // A card the registry would admit as v0.3 (its schema of the v0.3 card, security schemes included).
    assert.deepEqual(legacyAgentCardViolations(card), []);
    // The official SDK reads it: the v0.3 translator gives back the gateway's schemes.
    const parsed = parseLegacyAgentCard(card);
    assert.equal(parsed.securitySchemes['oauth2']?.scheme?.$case, 'oauth2SecurityScheme');
    // Signed as served: one signature over every field (how v0.3 verifiers, and the registry for a v0.3 card, read it)…
    await verifyCardSignatures(card, { legacy: true, resolveKey: async ({ kid, jku }) => ({ key: await gatewayKey(kid, jku) }) });
    // …and one over the SDK's v1.0 reading of it (its verifier, and the registry for a card with supportedInterfaces).
    await verifyAgentCardSignature(gatewayKey)(card as AgentCard);
    await verifyCardSignatures(card, { legacy: false, resolveKey: async ({ kid, jku }) => ({ key: await gatewayKey(kid, jku) }) });
    // The token URL a v0.3 client would send its secret to is covered.
    const forged = structuredClone(card);
    forged.securitySchemes.oauth2.flows.clientCredentials.tokenUrl = 'https://attacker.example.com/token';
    await assert.rejects(verifyCardSignatures(forged, { legacy: true, resolveKey: async ({ kid, jku }) => ({ key: await gatewayKey(kid, jku) }) }), { code: 'AM_ERR_REGISTRY_CARD_SIGNATURE_INVALID' });
  });

  test('without A2A-Version: the v1.0 card, only the fields of the v1.0 AgentCard (ADR 0033)', async () => {
    const res = await fetch(cardUrl);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('vary') ?? '', /A2A-Version/i);
    const card = (await res.json()) as Json;
    const { fields, required } = agentCardFields();
    assert.deepEqual(Object.keys(card).filter((k) => !fields.has(k)), []);
    for (const name of required) assert.ok(Object.hasOwn(card, name), `${name} is present`);
    assert.deepEqual(agentCardViolations(card), []);
    await verifyAgentCardSignature(gatewayKey)(card as AgentCard);
    // The same card a client naming 1.0 gets.
    const named = await fetch(cardUrl, { headers: { 'A2A-Version': '1.0' } });
    assert.equal(named.headers.get('etag'), res.headers.get('etag'));
    assert.deepEqual(await named.json(), card);
    // The v0.2-era agent.json keeps the v0.3 shape for the clients that read it.
    const legacy = (await (await fetch(`${gw.url}/agents/scorer/.well-known/agent.json`)).json()) as Json;
    assert.equal(legacy.protocolVersion, '0.3');
  });

  test('with A2A-Version: 1.0: the v1.0 shape, its schemes and requirements, verified by the SDK', async () => {
    const res = await fetch(cardUrl, { headers: { 'A2A-Version': '1.0' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('vary') ?? '', /A2A-Version/i);
    const card = (await res.json()) as Json;
    assert.equal(card.url, undefined);
    assert.equal(card.protocolVersion, undefined);
    assert.ok(card.supportedInterfaces.every((i: Json) => i.url.startsWith(`${gw.url}/agents/scorer`)));
    const flow = card.securitySchemes.oauth2.oauth2SecurityScheme.flows.clientCredentials;
    assert.equal(flow.tokenUrl, `${gw.url}/oauth/token`);
    assert.equal(card.securitySchemes.oauth2.oauth2SecurityScheme.oauth2MetadataUrl, `${gw.url}/.well-known/oauth-authorization-server`);
    assert.deepEqual(card.securitySchemes.apiKey.apiKeySecurityScheme, { description: card.securitySchemes.apiKey.apiKeySecurityScheme.description, location: 'header', name: 'X-API-Key' });
    assert.deepEqual(card.securityRequirements, [{ schemes: { oauth2: { list: ['a2a:message:send', 'crm:read'] } } }, { schemes: { apiKey: {} } }]);
    const score = (card.skills as Json[]).find((s) => s.id === 'score')!;
    assert.deepEqual(score.securityRequirements, [{ schemes: { oauth2: { list: ['a2a:message:send', 'crm:read', 'leads:score'] } } }, { schemes: { apiKey: {} } }]);
    assert.equal(card.signatures.length, 1);
    assert.deepEqual(agentCardViolations(card), []);
    await verifyAgentCardSignature(gatewayKey)(card as AgentCard);
    // The schemes are inside what is signed.
    const forged = structuredClone(card);
    forged.securitySchemes.oauth2.oauth2SecurityScheme.flows.clientCredentials.tokenUrl = 'https://attacker.example.com/token';
    await assert.rejects(verifyAgentCardSignature(gatewayKey)(forged as AgentCard), /No valid signatures/);
  });

  test('If-None-Match with the ETag: 304 with no body; each version has its own ETag', async () => {
    const v03 = await fetch(cardUrl, { headers: { 'A2A-Version': '0.3' } });
    const v1 = await fetch(cardUrl, { headers: { 'A2A-Version': '1.0' } });
    await v03.arrayBuffer();
    await v1.arrayBuffer();
    const etag03 = v03.headers.get('etag')!;
    const etag1 = v1.headers.get('etag')!;
    assert.notEqual(etag03, etag1);

    const same = await fetch(cardUrl, { headers: { 'A2A-Version': '1.0', 'If-None-Match': etag1 } });
    assert.equal(same.status, 304);
    assert.equal(await same.text(), '');
    assert.equal(same.headers.get('etag'), etag1);
    assert.match(same.headers.get('vary') ?? '', /A2A-Version/i);
    const legacy = await fetch(cardUrl, { headers: { 'A2A-Version': '0.3', 'If-None-Match': `W/${etag03}, "other"` } });
    assert.equal(legacy.status, 304, 'weak comparison, any tag of the list');
    assert.equal(await legacy.text(), '');
    // The other version's tag does not match: a cache keyed without Vary must not serve the wrong shape.
    const crossed = await fetch(cardUrl, { headers: { 'A2A-Version': '0.3', 'If-None-Match': etag1 } });
    assert.equal(crossed.status, 200);
    assert.equal(((await crossed.json()) as Json).protocolVersion, '0.3');
    // The agent.json alias is the same card.
    const alias = await fetch(`${gw.url}/agents/scorer/.well-known/agent.json`, { headers: { 'A2A-Version': '1.0', 'If-None-Match': etag1 } });
    assert.equal(alias.status, 304);
  });

  test('the version is negotiated exactly as the runtime negotiates its own card', async () => {
    for (const header of [undefined, '', '0.3', '0.3.0', '1.0', '1', '1.0.2']) {
      const headers: Record<string, string> = header === undefined ? {} : { 'A2A-Version': header };
      const [viaGateway, direct] = await Promise.all([fetch(cardUrl, { headers }), fetch(`${host.url}/.well-known/agent-card.json`, { headers })]);
      const [viaGatewayQuery, directQuery] = header === undefined ? [] : await Promise.all([fetch(`${cardUrl}?A2A-Version=${header}`), fetch(`${host.url}/.well-known/agent-card.json?A2A-Version=${header}`)]);
      if (viaGatewayQuery !== undefined && directQuery !== undefined) {
        assert.equal(viaGatewayQuery.status, directQuery.status, `status for ?A2A-Version=${header}`);
        assert.equal(((await viaGatewayQuery.json()) as Json).protocolVersion, ((await directQuery.json()) as Json).protocolVersion, `shape for ?A2A-Version=${header}`);
      }
      assert.equal(viaGateway.status, direct.status, `status for A2A-Version ${JSON.stringify(header)}`);
      const [g, d] = [(await viaGateway.json()) as Json, (await direct.json()) as Json];
      assert.equal(g.protocolVersion, d.protocolVersion, `shape for A2A-Version ${JSON.stringify(header)}`);
      assert.equal(typeof g.url, typeof d.url);
    }
    const refused = await fetch(cardUrl, { headers: { 'A2A-Version': '2.0' } });
    const direct = await fetch(`${host.url}/.well-known/agent-card.json`, { headers: { 'A2A-Version': '2.0' } });
    assert.equal(refused.status, 400);
    assert.equal(direct.status, 400);
    assert.match(refused.headers.get('vary') ?? '', /A2A-Version/i);
    const body = (await refused.json()) as Json;
    assert.equal(body.error.status, 'FAILED_PRECONDITION');
    assert.deepEqual(body.error.details.map((d: Json) => d.reason), ['AM_ERR_PROTOCOL_VERSION_NOT_SUPPORTED', 'VERSION_NOT_SUPPORTED']);
    assert.equal(body.error.details[0].metadata.supportedVersions, '1.0,0.3');
    await direct.arrayBuffer();
  });

  test('a 0.3 SDK client given the ?A2A-Version=0.3 card URL finds the gateway\'s JSON-RPC endpoint there and calls it', async () => {
    // As @a2a-js/sdk 0.3's A2AClient.fromCardUrl does: the card URL it is given, no A2A-Version, then message/send to the card's url.
    const card = (await (await fetch(`${cardUrl}?A2A-Version=0.3`, { headers: { accept: 'application/json' } })).json()) as Json;
    assert.equal(card.url, `${gw.url}/agents/scorer`);
    const token = await fetchToken(gw.url, await createClient(gw.url, { name: 'v03-reader', tenant: 'acme', scopes: ['a2a:message:send', 'crm:read'] }));
    const res = await fetch(card.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message: { kind: 'message', messageId: crypto.randomUUID(), role: 'user', parts: [{ kind: 'text', text: 'v0.3 through the gateway' }], metadata: { skillId: 'echo' } } } }),
    });
    const body = (await res.json()) as Json;
    assert.equal(body.result?.kind, 'task', JSON.stringify(body));
    assert.equal(body.result.status.state, 'completed');
    assert.equal(body.result.artifacts[0].parts[0].text, 'v0.3 through the gateway');
  });

  test("the official SDK resolves the card and, from it alone, gets a token and sends a message through the gateway", async () => {
    const credentials = await createClient(gw.url, { name: 'card-reader', tenant: 'acme', scopes: ['a2a:message:send', 'crm:read', 'leads:score'] });
    // The SDK's resolver (it asks for A2A-Version: 1.0) and its parse of the card.
    const card = await new DefaultAgentCardResolver().resolve(`${gw.url}/agents/scorer/`, '.well-known/agent-card.json');
    await verifyAgentCardSignature(async (kid, jku) => {
      assert.equal(decodeProtectedHeader(card.signatures[0]!).kid, kid);
      return gatewayKey(kid, jku);
    })(AgentCard.toJSON(card) as AgentCard);

    // What a client learns from the card: the scheme, its token URL, and the scopes the skill it calls requires.
    const scheme = card.securitySchemes['oauth2']?.scheme;
    assert.equal(scheme?.$case, 'oauth2SecurityScheme');
    const flow = scheme.value.flows?.flow;
    assert.equal(flow?.$case, 'clientCredentials');
    const tokenUrl = flow.value.tokenUrl;
    const skill = card.skills.find((s) => s.id === 'score')!;
    const scopes = skill.securityRequirements.flatMap((r) => r.schemes['oauth2']?.list ?? []);
    assert.deepEqual(scopes, ['a2a:message:send', 'crm:read', 'leads:score']);

    let tokensFetched = 0;
    const token = async () => {
      tokensFetched += 1;
      const res = await fetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: scopes.join(' ') }).toString(),
      });
      assert.equal(res.status, 200);
      return ((await res.json()) as { access_token: string }).access_token;
    };
    let current: string | undefined;
    const auth: AuthenticationHandler = {
      headers: async (): Promise<Record<string, string>> => (current === undefined ? {} : { authorization: `Bearer ${current}` }),
      // The gateway's 401 challenge (WWW-Authenticate: Bearer) is the cue to fetch a token.
      shouldRetryWithHeaders: async (_req, res) => {
        if (res.status !== 401 || !/^Bearer/.test(res.headers.get('www-authenticate') ?? '')) return undefined;
        return { authorization: `Bearer ${await token()}` };
      },
      onSuccessfulRetry: async (headers) => {
        current = headers['authorization']!.slice('Bearer '.length);
      },
    };
    const factory = new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl: createAuthenticatingFetchWithRetry(fetch, auth) })] });
    const client = await factory.createFromAgentCard(card);
    assert.equal(await completedText(client, 'lead-7', { skillId: 'score' }), 'scored lead-7');
    const again = asTask(await client.sendMessage(sendRequest('lead-8', { skillId: 'score' })));
    assert.equal(textOf(again), 'scored lead-8');
    assert.equal(tokensFetched, 1, 'the token is reused once it worked');
  });

  test('the API key scheme the card declares is the one the gateway reads', async () => {
    const card = (await (await fetch(cardUrl, { headers: { 'A2A-Version': '1.0' } })).json()) as Json;
    const { location, name } = card.securitySchemes.apiKey.apiKeySecurityScheme;
    assert.equal(location, 'header');
    const created = await fetch(`${gw.url}/v1/api-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ name: 'card-key', tenant: 'acme', scopes: ['a2a:message:send', 'crm:read'] }),
    });
    assert.equal(created.status, 201);
    const { key } = (await created.json()) as { key: string };
    const interfaceUrl = (card.supportedInterfaces as Json[]).find((i) => i.protocolBinding === 'JSONRPC' && i.protocolVersion === '1.0')!.url;
    const call = (headers: Record<string, string>) =>
      fetch(interfaceUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', ...headers },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'hi' }], metadata: { skillId: 'echo' } } } }),
      });
    const anonymous = await call({});
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as Json).error.code, -32600);
    const res = await call({ [name]: key });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Json;
    assert.equal(body.result.task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(body));
  });
});
