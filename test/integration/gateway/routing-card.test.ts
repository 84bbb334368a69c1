import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateAgentCardSignature, verifyAgentCardSignature } from '@a2a-js/sdk';
import { decodeProtectedHeader, generateKeyPair, importJWK, type JWK } from 'jose';
import { ORIGINAL_CARD_EXTENSION_URI, type CardSigner } from '../../../src/gateway/routing/index.js';
import { signCardJson } from '../../../src/protocol/index.js';
import { call, startRegistry } from '../../helpers/registry-fixture.js';
import { rpc, startRuntime, testAgent, userMessage } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';
import { startRouterApp } from './routing-harness.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

describe('cards served through the gateway', () => {
  /** A router in front of a registry and the test agent's runtime, and the gateway's card-signing key. */
  const setup = startedForSuite(async () => {
    const reg = await startRegistry({ probeIntervalMs: 60_000 });
    const host = await startRuntime([testAgent], { registryUrl: reg.url });
    const gw = await startRouterApp(reg.url);
    await until('tester cached', () => gw.router.agent('tester')?.instances.length === 1);
    const gatewayKeys = await generateKeyPair('ES256');
    const sdkSign = generateAgentCardSignature(gatewayKeys.privateKey, { alg: 'ES256', kid: 'gateway-2026-08', typ: 'JOSE', jku: `${gw.url}/.well-known/jwks.json` });
    const sign: CardSigner = (card) => signCardJson(sdkSign, card);
    return { reg, host, gw, gatewayKeys, sign, close: () => closeInTurn(gw, host, reg) };
  });

  test("a runtime's signed card, re-signed by the gateway, verifies with the SDK's verifier and points at the gateway", async () => {
    assert.equal(setup().gw.router.agent('tester')!.record.signed, true, 'the runtime signs its card and the registry verified it');
    const { json, etag } = await setup().gw.router.card('tester', { gatewayBaseUrl: setup().gw.url, sign: setup().sign, version: '1.0' });
    const card = JSON.parse(json);

    await verifyAgentCardSignature(async (kid, jku) => {
      assert.equal(kid, 'gateway-2026-08');
      assert.equal(jku, `${setup().gw.url}/.well-known/jwks.json`);
      return setup().gatewayKeys.publicKey;
    })(card);

    const interfaces = card.supportedInterfaces.map((i: any) => `${i.protocolBinding} ${i.protocolVersion}`);
    assert.deepEqual([...interfaces].sort(), ['HTTP+JSON 0.3', 'HTTP+JSON 1.0', 'JSONRPC 0.3', 'JSONRPC 1.0']);
    for (const i of card.supportedInterfaces) assert.equal(i.url, `${setup().gw.url}/agents/tester`);

    // The agent's own signature is kept verifiable, over the card it signed.
    const extension = card.capabilities.extensions.find((e: any) => e.uri === ORIGINAL_CARD_EXTENSION_URI);
    const original = extension.params.card;
    assert.equal(original.supportedInterfaces[0].url, setup().host.url);
    const { kid, jku } = decodeProtectedHeader(original.signatures[0]);
    assert.equal(jku, `${setup().host.url}/.well-known/jwks.json`);
    const jwks = (await (await fetch(jku!)).json()) as { keys: JWK[] };
    await verifyAgentCardSignature(async (k) => (await importJWK(jwks.keys.find((key) => key.kid === k)!, 'ES256')) as Awaited<ReturnType<typeof generateKeyPair>>['publicKey'])(original);
    assert.equal(kid, jwks.keys[0]!.kid);

    // A client that follows the served card reaches the agent through the gateway, on both bindings.
    const viaJsonRpc = await rpc(card.supportedInterfaces.find((i: any) => i.protocolBinding === 'JSONRPC' && i.protocolVersion === '1.0').url, 'SendMessage', { message: userMessage('via the card') });
    assert.equal(viaJsonRpc.body.result.task.artifacts[0].parts[0].text, 'via the card');
    const rest = card.supportedInterfaces.find((i: any) => i.protocolBinding === 'HTTP+JSON' && i.protocolVersion === '1.0').url;
    const viaRest = await fetch(`${rest}/message:send`, { method: 'POST', headers: { 'content-type': 'application/json', 'A2A-Version': '1.0' }, body: JSON.stringify({ message: userMessage('via rest') }) });
    assert.equal(((await viaRest.json()) as any).task.artifacts[0].parts[0].text, 'via rest');

    assert.equal((await setup().gw.router.card('tester', { gatewayBaseUrl: setup().gw.url, sign: setup().sign, version: '1.0' })).etag, etag, 'unchanged card, same signed bytes');
  });

  test("the agent's own card passes through the router too, conditional requests included (304, no body)", async () => {
    const first = await fetch(`${setup().gw.url}/agents/tester/.well-known/agent-card.json`, { headers: { 'A2A-Version': '1.0' } });
    assert.equal(first.status, 200);
    const etag = first.headers.get('etag')!;
    assert.equal(((await first.json()) as any).name, 'tester');
    const again = await fetch(`${setup().gw.url}/agents/tester/.well-known/agent-card.json`, { headers: { 'A2A-Version': '1.0', 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), '');
    const head = await fetch(`${setup().gw.url}/agents/tester/.well-known/agent-card.json`, { method: 'HEAD', headers: { 'A2A-Version': '1.0' } });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  test('a record change outside the card keeps the signed card; a new card or base URL is signed anew; an unknown agent is an error', async () => {
    const before = await setup().gw.router.card('tester', { gatewayBaseUrl: setup().gw.url, sign: setup().sign, version: '1.0' });
    const revision = setup().gw.router.agent('tester')!.record.revision;
    const patched = await call(setup().reg.url, 'PATCH', '/v1/agents/tester', { metadata: { department: 'qa' } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const deprecated = await call(setup().reg.url, 'PATCH', '/v1/agents/tester', { status: 'deprecated' });
    assert.equal(deprecated.status, 200);
    await until('the new revision cached', () => setup().gw.router.agent('tester')!.record.revision > revision + 1);
    const again = await setup().gw.router.card('tester', { gatewayBaseUrl: setup().gw.url, sign: setup().sign, version: '1.0' });
    assert.equal(again.etag, before.etag, 'metadata and status are not in the card: same card');
    // The card itself changes (the owner replaces it, unsigned this time).
    const served = (await (await fetch(`${setup().host.url}/.well-known/agent-card.json`, { headers: { 'A2A-Version': '1.0' } })).json()) as Record<string, unknown>;
    const { signatures: _signatures, ...unsigned } = served;
    const replaced = await call(setup().reg.url, 'PATCH', '/v1/agents/tester', { card: { ...unsigned, description: 'Tests, now unsigned' } });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    await until('the new card cached', () => setup().gw.router.agent('tester')!.record.card.description === 'Tests, now unsigned');
    const changed = await setup().gw.router.card('tester', { gatewayBaseUrl: setup().gw.url, sign: setup().sign, version: '1.0' });
    assert.notEqual(changed.etag, before.etag);
    const changedCard = JSON.parse(changed.json);
    assert.equal(changedCard.description, 'Tests, now unsigned');
    assert.equal(changedCard.capabilities.extensions?.some((e: any) => e.uri === ORIGINAL_CARD_EXTENSION_URI) ?? false, false, 'no original signature to keep');
    await verifyAgentCardSignature(async () => setup().gatewayKeys.publicKey)(changedCard);

    const moved = await setup().gw.router.card('tester', { gatewayBaseUrl: 'https://agents.example.com/mesh', sign: setup().sign, version: '1.0' });
    assert.notEqual(moved.etag, changed.etag);
    assert.equal(JSON.parse(moved.json).supportedInterfaces[0].url, 'https://agents.example.com/mesh/agents/tester');
    await assert.rejects(setup().gw.router.card('nobody', { gatewayBaseUrl: setup().gw.url, sign: setup().sign, version: '1.0' }), { code: 'AM_ERR_GATEWAY_AGENT_NOT_FOUND' });
  });
});
