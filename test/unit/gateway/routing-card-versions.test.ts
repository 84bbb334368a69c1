import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentCard, generateAgentCardSignature, verifyAgentCardSignature } from '@a2a-js/sdk';
import { parseLegacyAgentCard } from '@a2a-js/sdk/compat/v0_3/client';
import { base64url, flattenedVerify, generateKeyPair, importJWK } from 'jose';
import { loadCardSigningKey } from '../../../src/gateway/card-signing-key.js';
import { CardCache } from '../../../src/gateway/routing/card-cache.js';
import { gatewaySecurity } from '../../../src/gateway/routing/card-security.js';
import { rewriteCard } from '../../../src/gateway/routing/gateway-card.js';
import { isLegacyShape, legacyCanonicalForm, toLegacyCard } from '../../../src/gateway/routing/legacy-card.js';
import { signCardJson, type AgentCardJson } from '../../../src/protocol/agent-card-json.js';
import type { AgentRecord } from '../../../src/registry/index.js';

const GATEWAY = 'https://gateway.example.com/mesh/';

function record(extra: { interfaces?: Array<Record<string, unknown>>; metadata?: AgentRecord['metadata']; skills?: Array<Record<string, unknown>>; security?: Record<string, unknown> } = {}): AgentRecord {
  const card = AgentCard.fromJSON({
    name: 'Lead scorer',
    description: 'Scores leads',
    version: '2.0.0',
    supportedInterfaces: extra.interfaces ?? [
      { url: 'https://pod-1:4000', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      { url: 'https://pod-1:4000', protocolBinding: 'JSONRPC', protocolVersion: '0.3' },
      { url: 'https://pod-1:4000', protocolBinding: 'HTTP+JSON', protocolVersion: '0.3' },
    ],
    capabilities: { streaming: true },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: extra.skills ?? [
      { id: 'score', name: 'Score', description: 'Scores', tags: ['sales'] },
      { id: 'echo', name: 'Echo', description: 'Echoes', tags: [] },
    ],
    ...(extra.security ?? {}),
  });
  return { name: 'lead-scorer', identifier: 'urn:air:acme:agent:lead-scorer', card, sourceProtocol: '1.0', signed: false, metadata: extra.metadata ?? {}, status: 'active', health: 'healthy', revision: 1, createdAt: '', updatedAt: '' };
}

test("the gateway's schemes replace the agent's: client credentials at the token URL, the API key header, scopes described", () => {
  const agentsOwn = {
    securitySchemes: { agentBearer: { httpAuthSecurityScheme: { scheme: 'Bearer' } } },
    securityRequirements: [{ schemes: { agentBearer: { list: [] } } }],
  };
  const skills = [{ id: 'score', name: 'Score', description: 'Scores', tags: [], securityRequirements: [{ schemes: { agentBearer: { list: ['x'] } } }] }];
  const card = rewriteCard(record({ security: agentsOwn, skills, metadata: { requiredScopes: ['crm:read'] } }), ['https://pod-1:4000'], GATEWAY) as any;
  assert.deepEqual(Object.keys(card.securitySchemes).sort(), ['apiKey', 'oauth2']);
  const flow = card.securitySchemes.oauth2.oauth2SecurityScheme.flows.clientCredentials;
  assert.equal(flow.tokenUrl, 'https://gateway.example.com/mesh/oauth/token');
  assert.equal(flow.scopes['a2a:tasks:read'], 'Needed by GetTask, ListTasks, SubscribeToTask');
  assert.equal(flow.scopes['crm:read'], 'Needed by every call to lead-scorer');
  assert.deepEqual(card.securitySchemes.apiKey.apiKeySecurityScheme, { description: card.securitySchemes.apiKey.apiKeySecurityScheme.description, location: 'header', name: 'X-API-Key' });
  assert.deepEqual(card.securityRequirements, [{ schemes: { oauth2: { list: ['a2a:message:send', 'crm:read'] } } }, { schemes: { apiKey: {} } }]);
  assert.equal(card.skills[0].securityRequirements, undefined, "the skill's requirement named the agent's scheme, which the card no longer declares");
});

test('a skill gets its own requirement only where the registry requires scopes for it; names such as __proto__ are plain keys', () => {
  const skills = [
    { id: 'score', name: 'Score', description: 'Scores', tags: [] },
    { id: '__proto__', name: 'Odd', description: 'Odd', tags: [] },
    { id: 'echo', name: 'Echo', description: 'Echoes', tags: [] },
  ];
  const metadata = { skills: { score: { requiredScopes: ['leads:score', 'leads:score'] }, ['__proto__']: { requiredScopes: ['__proto__'] }, ghost: { requiredScopes: ['ghost:x'] } } } as AgentRecord['metadata'];
  const security = gatewaySecurity(record({ skills, metadata }), GATEWAY);
  assert.deepEqual([...security.skillRequirements.keys()], ['score', '__proto__']);
  assert.deepEqual(security.skillRequirements.get('score'), [{ schemes: { oauth2: { list: ['a2a:message:send', 'leads:score'] } } }, { schemes: { apiKey: { list: [] } } }]);
  const scopes = (security.securitySchemes['oauth2'] as any).oauth2SecurityScheme.flows.clientCredentials.scopes;
  assert.equal(Object.hasOwn(scopes, '__proto__'), true);
  assert.equal(Object.getPrototypeOf(scopes), Object.prototype);
  assert.equal(Object.hasOwn(scopes, 'ghost:x'), false, 'a skill the card does not list adds nothing');
});

test('the v0.3 card is the SDK translation, with the v1.0 interfaces kept; a card without a v0.3 interface has none', async () => {
  const v1 = rewriteCard(record({ metadata: { skills: { score: { requiredScopes: ['leads:score'] } } } }), ['https://pod-1:4000'], GATEWAY);
  const legacy = (await toLegacyCard(v1)) as any;
  assert.equal(isLegacyShape(legacy), true);
  assert.equal(isLegacyShape(v1), false);
  assert.equal(legacy.url, 'https://gateway.example.com/mesh/agents/lead-scorer');
  assert.equal(legacy.protocolVersion, '0.3');
  assert.deepEqual(legacy.additionalInterfaces, [{ url: 'https://gateway.example.com/mesh/agents/lead-scorer', transport: 'HTTP+JSON' }]);
  assert.deepEqual(legacy.supportedInterfaces, (v1 as any).supportedInterfaces);
  assert.deepEqual(legacy.security, [{ oauth2: ['a2a:message:send'] }, { apiKey: [] }]);
  assert.deepEqual(legacy.skills[0].security, [{ oauth2: ['a2a:message:send', 'leads:score'] }, { apiKey: [] }]);
  assert.equal(legacy.securitySchemes.oauth2.flows.clientCredentials.tokenUrl, 'https://gateway.example.com/mesh/oauth/token');
  // The SDK reads it back to the same schemes.
  assert.deepEqual((AgentCard.toJSON(parseLegacyAgentCard(legacy)) as any).securitySchemes, (v1 as any).securitySchemes);

  const v1Only = rewriteCard(record({ interfaces: [{ url: 'https://pod-1:4000', protocolBinding: 'JSONRPC', protocolVersion: '1.0' }] }), ['https://pod-1:4000'], GATEWAY);
  await assert.rejects(toLegacyCard(v1Only), (err: any): boolean => {
    assert.equal(err.code, 'AM_ERR_PROTOCOL_VERSION_NOT_SUPPORTED');
    assert.deepEqual(err.details, { requestedVersion: '0.3', supportedVersions: '1.0' });
    return true;
  });
});

test('the cache keeps one signed card per version, and forgets both', async () => {
  const keys = await generateKeyPair('ES256');
  const sdkSign = generateAgentCardSignature(keys.privateKey, { alg: 'ES256', kid: 'g', typ: 'JOSE' });
  const signed: string[] = [];
  const sign = async (card: AgentCardJson) => {
    signed.push(isLegacyShape(card) ? '0.3' : '1.0');
    return signCardJson(sdkSign, card);
  };
  const cache = new CardCache();
  const unsigned = rewriteCard(record(), ['https://pod-1:4000'], GATEWAY);
  const v1 = await cache.get('a', unsigned, sign, { version: '1.0' });
  const v03 = await cache.get('a', unsigned, sign, { version: '0.3' });
  assert.notEqual(v1.etag, v03.etag);
  assert.equal(JSON.parse(v03.json).protocolVersion, '0.3');
  assert.equal((await cache.get('a', unsigned, sign, { version: '1.0' })).etag, v1.etag);
  assert.equal((await cache.get('a', unsigned, sign, { version: '0.3' })).etag, v03.etag);
  assert.deepEqual(signed, ['1.0', '0.3']);
  cache.delete('a');
  await cache.get('a', unsigned, sign, { version: '1.0' });
  await cache.get('a', unsigned, sign, { version: '0.3' });
  assert.deepEqual(signed, ['1.0', '0.3', '1.0', '0.3']);
});

test("the gateway's key signs a v1.0 card once, a v0.3 card twice: over the SDK's reading and over every field", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-card-key-'));
  try {
    const key = await loadCardSigningKey(join(dir, 'card.pem'), () => 'https://gateway.example.com/.well-known/agent-card-jwks.json');
    const publicKey = (await importJWK(key.jwks().keys[0]!, 'ES256')) as Exclude<Awaited<ReturnType<typeof importJWK>>, Uint8Array>;
    const unsigned = rewriteCard(record(), ['https://pod-1:4000'], GATEWAY);
    const v1 = (await key.sign(unsigned)) as any;
    assert.equal(v1.signatures.length, 1);
    await verifyAgentCardSignature(async () => publicKey)(v1);

    const legacy = (await key.sign(await toLegacyCard(unsigned))) as any;
    assert.equal(legacy.signatures.length, 2);
    await verifyAgentCardSignature(async () => publicKey)(legacy);
    const payload = base64url.encode(legacyCanonicalForm(legacy));
    await flattenedVerify({ payload, ...legacy.signatures[1] }, publicKey);
    await assert.rejects(flattenedVerify({ payload, ...legacy.signatures[0] }, publicKey), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' }, 'the first is over the v1.0 reading only');
    const moved = { ...legacy, url: 'https://attacker.example.com/' };
    await assert.rejects(flattenedVerify({ payload: base64url.encode(legacyCanonicalForm(moved)), ...legacy.signatures[1] }, publicKey), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
