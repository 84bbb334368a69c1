import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentCard, generateAgentCardSignature, verifyAgentCardSignature } from '@a2a-js/sdk';
import { generateKeyPair } from 'jose';
import { CardCache } from '../../../src/gateway/routing/card-cache.js';
import { ORIGINAL_CARD_EXTENSION_URI, rewriteCard } from '../../../src/gateway/routing/gateway-card.js';
import { signCardJson, type AgentCardJson } from '../../../src/protocol/agent-card-json.js';
import type { AgentRecord } from '../../../src/registry/index.js';

const GATEWAY = 'https://gateway.example.com/';
const V1 = { version: '1.0' } as const;

function cardJson(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Lead scorer',
    description: 'Scores leads',
    version: '2.0.0',
    supportedInterfaces: [
      { url: 'https://pod-1.internal:4000/a2a', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      { url: 'https://pod-1.internal:4000/a2a/rest', protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
      { url: 'https://pod-1.internal:4000/a2a', protocolBinding: 'JSONRPC', protocolVersion: '0.3' },
      { url: 'https://elsewhere.example.com/legacy', protocolBinding: 'HTTP+JSON', protocolVersion: '0.3' },
    ],
    capabilities: { streaming: true, extensions: [{ uri: ORIGINAL_CARD_EXTENSION_URI, params: { card: { name: 'forged' } } }, { uri: 'https://example.com/ext/v1', required: false }] },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['application/json'],
    skills: [{ id: 'score', name: 'Score', description: 'Scores', tags: ['sales'] }],
    ...extra,
  };
}

function record(card: unknown): AgentRecord {
  return { name: 'lead-scorer', identifier: 'urn:air:acme:agent:lead-scorer', card: AgentCard.fromJSON(card), sourceProtocol: '1.0', signed: true, metadata: {}, status: 'active', health: 'healthy', revision: 3, createdAt: '', updatedAt: '', cardUrl: 'https://pod-1.internal:4000/a2a/.well-known/agent-card.json' };
}

test('every interface points at the gateway, keeping the path under the instance URL', () => {
  const card = rewriteCard(record(cardJson()), ['https://pod-1.internal:4000/a2a', 'https://pod-2.internal:4000/a2a'], GATEWAY) as any;
  assert.deepEqual(
    card.supportedInterfaces.map((i: any) => `${i.protocolBinding} ${i.protocolVersion} ${i.url}`),
    [
      'JSONRPC 1.0 https://gateway.example.com/agents/lead-scorer',
      'HTTP+JSON 1.0 https://gateway.example.com/agents/lead-scorer/rest',
      'JSONRPC 0.3 https://gateway.example.com/agents/lead-scorer',
      'HTTP+JSON 0.3 https://gateway.example.com/agents/lead-scorer',
    ],
  );
  assert.equal(card.signatures, undefined);
  assert.equal(card.skills[0].id, 'score');
});

test("the agent's direct gRPC interfaces are left out: the gateway does not proxy gRPC", () => {
  const withGrpc = cardJson({
    supportedInterfaces: [
      { url: 'https://pod-1.internal:4000/a2a', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      { url: 'pod-1.internal:50051', protocolBinding: 'GRPC', protocolVersion: '1.0' },
      { url: 'pod-1.internal:50051', protocolBinding: 'GRPC', protocolVersion: '0.3' },
    ],
  });
  const card = rewriteCard(record(withGrpc), ['https://pod-1.internal:4000/a2a'], GATEWAY) as any;
  assert.deepEqual(card.supportedInterfaces.map((i: any) => `${i.protocolBinding} ${i.protocolVersion} ${i.url}`), ['JSONRPC 1.0 https://gateway.example.com/agents/lead-scorer']);
  assert.doesNotMatch(JSON.stringify(card.supportedInterfaces), /50051/);
});

test("the agent's signed card rides in an extension, verifiable with the SDK; a forged one is dropped", async () => {
  const agentKeys = await generateKeyPair('ES256');
  const gatewayKeys = await generateKeyPair('ES256');
  const signedByAgent = await signCardJson(generateAgentCardSignature(agentKeys.privateKey, { alg: 'ES256', kid: 'agent-1', typ: 'JOSE' }), cardJson());
  const rewritten = rewriteCard(record(signedByAgent), ['https://pod-1.internal:4000/a2a'], GATEWAY);
  const cache = new CardCache();
  const sdkSign = generateAgentCardSignature(gatewayKeys.privateKey, { alg: 'ES256', kid: 'gateway-1', typ: 'JOSE' });
  const sign = (card: AgentCardJson) => signCardJson(sdkSign, card);
  const { json, etag } = await cache.get('lead-scorer', rewritten, sign, V1);
  assert.match(etag, /^"[A-Za-z0-9_-]{27}"$/);
  const served = JSON.parse(json);
  assert.equal(served.signatures.length, 1, "only the gateway's signature: the agent's would not verify over the rewritten card");

  await verifyAgentCardSignature(async (kid) => {
    assert.equal(kid, 'gateway-1');
    return gatewayKeys.publicKey;
  })(served);
  const extensions = served.capabilities.extensions;
  assert.deepEqual(extensions.map((e: any) => e.uri), ['https://example.com/ext/v1', ORIGINAL_CARD_EXTENSION_URI]);
  const original = extensions[1].params.card;
  assert.equal(extensions[1].params.cardUrl, 'https://pod-1.internal:4000/a2a/.well-known/agent-card.json');
  await verifyAgentCardSignature(async () => agentKeys.publicKey)(original);
  assert.equal(original.supportedInterfaces[0].url, 'https://pod-1.internal:4000/a2a');

  // The gateway's signature covers the original inside the extension.
  const tampered = structuredClone(served);
  tampered.capabilities.extensions[1].params.card.description = 'Scores leads, and more';
  await assert.rejects(verifyAgentCardSignature(async () => gatewayKeys.publicKey)(tampered), /No valid signatures/);
});

test('an unsigned card gets no original-card extension', () => {
  const card = rewriteCard(record(cardJson({ capabilities: { streaming: true } })), [], GATEWAY) as any;
  assert.equal(card.capabilities.extensions, undefined, 'an empty list is left out, as the SDK writes it');
});

test('a signed card is reused until its content or the signer changes', async () => {
  const keys = await generateKeyPair('ES256');
  const sdkSign = generateAgentCardSignature(keys.privateKey, { alg: 'ES256', kid: 'g', typ: 'JOSE' });
  const sign = (card: AgentCardJson) => signCardJson(sdkSign, card);
  let signings = 0;
  const counting = async (card: AgentCardJson) => {
    signings += 1;
    return sign(card);
  };
  const cache = new CardCache();
  const unsigned = rewriteCard(record(cardJson()), [], GATEWAY);
  const [a, b] = await Promise.all([cache.get('x', unsigned, counting, V1), cache.get('x', unsigned, counting, V1)]);
  assert.equal(a.etag, b.etag);
  assert.equal(signings, 1);
  await cache.get('x', { ...unsigned, description: 'new' }, counting, V1);
  assert.equal(signings, 2);
  await cache.get('x', { ...unsigned, description: 'new' }, sign, V1);
  assert.equal(signings, 2, 'another signer (a rotated key) signs anew');
  const failing = async () => Promise.reject(new Error('no key'));
  await assert.rejects(cache.get('y', unsigned, failing, V1), /no key/);
  assert.equal((await cache.get('y', unsigned, counting, V1)).json.length > 0, true, 'a failed signing is not kept');
});
