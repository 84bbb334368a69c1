import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateAgentCardSignature, type AgentCard } from '@a2a-js/sdk';
import { base64url, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { createSsrfGuard } from '../../../src/http/outbound/ssrf-guard.js';
import { createCardIntake } from '../../../src/registry/intake/card-intake.js';
import { sampleCard } from '../../helpers/registry-fixture.js';

/** A valid card with a security scheme (a oneof, signed in its JSON form): what is signed matters here, not what it says. */
const validCard = () => sampleCard('contract-reviewer', { securitySchemes: { bearer: { httpAuthSecurityScheme: { scheme: 'Bearer' } } } });

/** Signs the card's JSON form with the SDK signer (the JSON form, as it goes on the wire). */
async function sign(card: Record<string, any>, key: CryptoKey, header: Record<string, unknown>): Promise<Record<string, any>> {
  return (await generateAgentCardSignature(key, { typ: 'JOSE', ...header })(card as unknown as AgentCard)) as unknown as Record<string, any>;
}

/** A protected header with no usable signature behind it. */
function forged(header: Record<string, unknown>): { protected: string; signature: string } {
  return { protected: base64url.encode(JSON.stringify(header)), signature: '' };
}

async function refusal(promise: Promise<unknown>): Promise<{ message: string; violations: Array<{ field: string; description: string }> }> {
  let caught: any;
  await assert.rejects(promise, (err: any) => {
    caught = err;
    return true;
  });
  assert.equal(caught.code, 'AM_ERR_REGISTRY_CARD_SIGNATURE_INVALID', caught.message);
  assert.equal(caught.statusCode, 400);
  return caught;
}

describe('card signatures (A2A §8.4)', () => {
  let es256: { privateKey: CryptoKey; jwk: JWK & { kid: string } };
  let ed25519: { privateKey: CryptoKey; jwk: JWK & { kid: string } };
  let jwksServer: Server;
  let origin: string;
  let jwksHits = 0;

  before(async () => {
    const ec = await generateKeyPair('ES256');
    es256 = { privateKey: ec.privateKey, jwk: { ...(await exportJWK(ec.publicKey)), kid: 'legal-es256', alg: 'ES256', use: 'sig' } };
    const ed = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    ed25519 = { privateKey: ed.privateKey, jwk: { ...(await exportJWK(ed.publicKey)), kid: 'legal-ed25519' } };
    jwksServer = createServer((req, res) => {
      if (req.url === '/.well-known/jwks.json') {
        jwksHits++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [es256.jwk, ed25519.jwk] }));
      } else res.writeHead(404).end();
    });
    jwksServer.listen(0, '127.0.0.1');
    await once(jwksServer, 'listening');
    origin = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`;
  });
  after(() => jwksServer.close());

  const trusting = () => createCardIntake({ ssrfGuard: createSsrfGuard(), trustedKeys: [es256.jwk, ed25519.jwk] });
  const fetchingKeys = () => createCardIntake({ ssrfGuard: createSsrfGuard({ allowHosts: ['127.0.0.1'] }) });

  test('a card signed by a trusted key is admitted as signed', async () => {
    const card = await sign(validCard(), es256.privateKey, { alg: 'ES256', kid: 'legal-es256' });
    const admitted = await trusting().fromJson(card);
    assert.equal(admitted.signed, true);
    assert.equal(admitted.card.signatures.length, 1);
  });

  test('an EdDSA signature verifies too', async () => {
    const card = await sign(validCard(), ed25519.privateKey, { alg: 'EdDSA', kid: 'legal-ed25519' });
    assert.equal((await trusting().fromJson(card)).signed, true);
  });

  test('the key is fetched from the jku of the protected header', async () => {
    const card = await sign(validCard(), es256.privateKey, { alg: 'ES256', kid: 'legal-es256', jku: `${origin}/.well-known/jwks.json` });
    const hitsBefore = jwksHits;
    assert.equal((await fetchingKeys().fromJson(card)).signed, true);
    assert.equal(jwksHits, hitsBefore + 1);
  });

  test('a tampered card is refused with the reason', async () => {
    const card = await sign(validCard(), es256.privateKey, { alg: 'ES256', kid: 'legal-es256' });
    card.skills[0].description = 'Approves every contract';
    const { message, violations } = await refusal(trusting().fromJson(card));
    assert.equal(message, 'The agent card signature does not verify: signatures[0] does not verify with key "legal-es256": the card differs from what was signed');
    assert.deepEqual(violations, [{ field: 'signatures[0]', description: 'does not verify with key "legal-es256": the card differs from what was signed' }]);
  });

  test('a changed security scheme breaks the signature (the oneof is signed in its JSON form)', async () => {
    const card = await sign(validCard(), es256.privateKey, { alg: 'ES256', kid: 'legal-es256' });
    card.securitySchemes.bearer.httpAuthSecurityScheme.scheme = 'Basic';
    await refusal(trusting().fromJson(card));
  });

  test('an unknown kid is refused', async () => {
    const card = await sign(validCard(), es256.privateKey, { alg: 'ES256', kid: 'someone-else' });
    const { violations } = await refusal(trusting().fromJson(card));
    assert.equal(violations[0]?.description, 'unknown kid "someone-else": not among the trusted keys, and the signature names no jku');
  });

  test('a kid missing from the jku key set is refused', async () => {
    const card = await sign(validCard(), es256.privateKey, { alg: 'ES256', kid: 'rotated-away', jku: `${origin}/.well-known/jwks.json` });
    const { violations } = await refusal(fetchingKeys().fromJson(card));
    assert.equal(violations[0]?.description, `unknown kid "rotated-away": not in the key set at ${origin}/.well-known/jwks.json`);
  });

  test('an unreachable jku is refused, naming it', async () => {
    const card = await sign(validCard(), es256.privateKey, { alg: 'ES256', kid: 'legal-es256', jku: `${origin}/keys-moved.json` });
    const { violations } = await refusal(fetchingKeys().fromJson(card));
    assert.equal(violations[0]?.description, `the key set at ${origin}/keys-moved.json answered HTTP 404`);
  });

  test('a jku the SSRF guard refuses is refused', async () => {
    const card = await sign(validCard(), es256.privateKey, { alg: 'ES256', kid: 'legal-es256', jku: 'http://169.254.169.254/latest/keys' });
    const { violations } = await refusal(createCardIntake({ ssrfGuard: createSsrfGuard({ allowHttp: true }) }).fromJson(card));
    assert.match(violations[0]?.description ?? '', /^the key set at http:\/\/169\.254\.169\.254\/latest\/keys could not be fetched: Outbound request to .* refused/);
  });

  test('alg none and HMAC algorithms are refused before any key is looked up', async () => {
    const card = { ...validCard(), signatures: [forged({ alg: 'none', kid: 'legal-es256', typ: 'JOSE' }), forged({ alg: 'HS256', kid: 'legal-es256', typ: 'JOSE' })] };
    const { message, violations } = await refusal(trusting().fromJson(card));
    assert.deepEqual(
      violations.map((v) => v.description),
      [
        'alg "none" is not allowed (allowed: ES256, ES384, ES512, RS256, RS384, RS512, PS256, EdDSA)',
        'alg "HS256" is not allowed (allowed: ES256, ES384, ES512, RS256, RS384, RS512, PS256, EdDSA)',
      ],
    );
    assert.match(message, /^None of the 2 agent card signatures verifies:\n {2}- signatures\[0\] alg "none"/);
  });

  test('a header without kid or typ, or one that is not JSON, is refused', async () => {
    const card = { ...validCard(), signatures: [forged({ alg: 'ES256', typ: 'JOSE' }), forged({ alg: 'ES256', kid: 'legal-es256' }), { protected: 'not-json', signature: 'x' }] };
    const { violations } = await refusal(trusting().fromJson(card));
    assert.deepEqual(
      violations.map((v) => v.description),
      ['the protected header names no kid', 'the protected header names no typ (A2A §8.4.2 requires it, e.g. "JOSE")', 'the protected header is not base64url-encoded JSON'],
    );
  });

  test('a key is only used for its own algorithm', async () => {
    const card = { ...validCard(), signatures: [forged({ alg: 'RS256', kid: 'legal-es256', typ: 'JOSE' })] };
    const { violations } = await refusal(trusting().fromJson(card));
    assert.equal(violations[0]?.description, 'key "legal-es256" in the trusted keys is for alg ES256, the signature says RS256');
  });

  test('one verifying signature among several is enough (key rotation)', async () => {
    const signed = await sign(validCard(), es256.privateKey, { alg: 'ES256', kid: 'legal-es256' });
    const card = { ...signed, signatures: [forged({ alg: 'ES256', kid: 'retired', typ: 'JOSE' }), ...signed.signatures] };
    assert.equal((await trusting().fromJson(card)).signed, true);
  });

  test('requireSignature refuses unsigned cards and admits signed ones', async () => {
    const strict = createCardIntake({ ssrfGuard: createSsrfGuard(), trustedKeys: [es256.jwk], requireSignature: true });
    const { message, violations } = await refusal(strict.fromJson(validCard()));
    assert.equal(message, 'The agent card is not signed, and this registry accepts only signed cards (A2A §8.4)');
    assert.deepEqual(violations, [{ field: 'signatures', description: 'is required: the registry accepts only signed cards' }]);
    assert.equal((await strict.fromJson(await sign(validCard(), es256.privateKey, { alg: 'ES256', kid: 'legal-es256' }))).signed, true);
  });

  test('unsigned cards are admitted as unsigned by default', async () => {
    assert.equal((await trusting().fromJson(validCard())).signed, false);
  });
});

describe('key sets reused across cards', () => {
  /** A JWKS server whose keys, status and Cache-Control the test sets, counting its fetches. */
  let server: Server;
  let jku: string;
  let hits = 0;
  let answer: { status: number; keys: JWK[]; cacheControl?: string; delayMs?: number };
  let first: { privateKey: CryptoKey; jwk: JWK & { kid: string } };
  let second: { privateKey: CryptoKey; jwk: JWK & { kid: string } };
  /** The host's new key under the first key's kid (rotated in place). */
  let rotated: { privateKey: CryptoKey; jwk: JWK & { kid: string } };
  /** The clock the intake reads reuse times and cooldowns from: moved by the tests, never waited for. */
  let now = 1_000_000;
  const clock = { now: () => now };
  const guard = () => createSsrfGuard({ allowHosts: ['127.0.0.1'] });
  const signWith = (key: { privateKey: CryptoKey; jwk: { kid: string } }, name = 'Contract Reviewer') =>
    sign({ ...validCard(), name }, key.privateKey, { alg: 'ES256', kid: key.jwk.kid, jku });

  before(async () => {
    const make = async (kid: string) => {
      const pair = await generateKeyPair('ES256');
      return { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' } };
    };
    first = await make('host-key-1');
    second = await make('host-key-2');
    rotated = await make('host-key-1');
    server = createServer((_req, res) => {
      hits++;
      const { status, keys, cacheControl, delayMs } = answer;
      setTimeout(() => res.writeHead(status, { 'content-type': 'application/json', ...(cacheControl !== undefined && { 'cache-control': cacheControl }) }).end(JSON.stringify({ keys })), delayMs ?? 0);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    jku = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  after(() => server.close());

  test('the cards of one host, admitted together and one after another, fetch its key set once', async () => {
    answer = { status: 200, keys: [first.jwk], cacheControl: 'public, max-age=300', delayMs: 50 };
    hits = 0;
    const intake = createCardIntake({ ssrfGuard: guard() });
    const cards = await Promise.all(Array.from({ length: 13 }, (_, i) => signWith(first, `Agent ${i}`)));
    const together = await Promise.all(cards.slice(0, 8).map((card) => intake.fromJson(card)));
    for (const card of cards.slice(8)) assert.equal((await intake.fromJson(card)).signed, true);
    assert.ok(together.every((admitted) => admitted.signed));
    assert.equal(hits, 1);
  });

  test('a key rotated in after the set was fetched is found by one refetch', async () => {
    answer = { status: 200, keys: [first.jwk], cacheControl: 'max-age=300' };
    hits = 0;
    const intake = createCardIntake({ ssrfGuard: guard(), keySetCache: { refetchCooldownMs: 100 }, clock });
    assert.equal((await intake.fromJson(await signWith(first))).signed, true);
    answer = { status: 200, keys: [second.jwk], cacheControl: 'max-age=300' };
    now += 100;
    assert.equal((await intake.fromJson(await signWith(second))).signed, true);
    assert.equal(hits, 2);
  });

  test('a key rotated at the host under the same kid is found by one refetch, at most once per cooldown', async () => {
    answer = { status: 200, keys: [first.jwk], cacheControl: 'max-age=300' };
    hits = 0;
    const intake = createCardIntake({ ssrfGuard: guard(), clock });
    assert.equal((await intake.fromJson(await signWith(first))).signed, true);
    answer = { status: 200, keys: [rotated.jwk], cacheControl: 'max-age=300' };
    const doesNotVerify = 'does not verify with key "host-key-1": the card differs from what was signed';
    // Within the cooldown of the fetch the held key came from: refused with the held key, nothing fetched.
    const early = await refusal(intake.fromJson(await signWith(rotated)));
    assert.equal(early.violations[0]?.description, doesNotVerify);
    assert.equal(hits, 1);
    now += 5_000;
    assert.equal((await intake.fromJson(await signWith(rotated))).signed, true);
    assert.equal((await intake.fromJson(await signWith(rotated, 'Another Agent'))).signed, true);
    assert.equal(hits, 2, 'one refetch, whose set the next card reuses');
    // A card that verifies with no key refetches once per cooldown, however many are sent.
    now += 5_000;
    for (let i = 0; i < 3; i++) {
      const tampered = { ...(await signWith(rotated)), description: 'Changed after signing' };
      assert.equal((await refusal(intake.fromJson(tampered))).violations[0]?.description, doesNotVerify);
    }
    assert.equal(hits, 3);
  });

  test('a key pinned in trustedKeys that does not verify fetches nothing', async () => {
    hits = 0;
    const intake = createCardIntake({ ssrfGuard: guard(), trustedKeys: [first.jwk], clock });
    const { violations } = await refusal(intake.fromJson(await signWith(rotated)));
    assert.equal(violations[0]?.description, 'does not verify with key "host-key-1": the card differs from what was signed');
    assert.equal(hits, 0);
  });

  test('unknown kids refetch at most once per cooldown', async () => {
    answer = { status: 200, keys: [first.jwk], cacheControl: 'max-age=300' };
    hits = 0;
    const intake = createCardIntake({ ssrfGuard: guard() });
    assert.equal((await intake.fromJson(await signWith(first))).signed, true);
    for (let i = 0; i < 5; i++) {
      const { violations } = await refusal(intake.fromJson(await signWith(second)));
      assert.equal(violations[0]?.description, `unknown kid "host-key-2": not in the key set at ${jku}`);
    }
    assert.equal(hits, 1, 'the set fetched under the cooldown is the one asked about');
  });

  test('a key set that failed is fetched again by the next card, not remembered', async () => {
    answer = { status: 503, keys: [] };
    hits = 0;
    const intake = createCardIntake({ ssrfGuard: guard() });
    const { violations } = await refusal(intake.fromJson(await signWith(first)));
    assert.equal(violations[0]?.description, `the key set at ${jku} answered HTTP 503`);
    answer = { status: 200, keys: [first.jwk] };
    assert.equal((await intake.fromJson(await signWith(first))).signed, true);
    assert.equal(hits, 2);
  });

  test('a set past its max-age is fetched again; max-age is bounded below', async () => {
    answer = { status: 200, keys: [first.jwk], cacheControl: 'max-age=0' };
    hits = 0;
    const intake = createCardIntake({ ssrfGuard: guard(), keySetCache: { minTtlMs: 200 }, clock });
    await intake.fromJson(await signWith(first));
    now += 199;
    await intake.fromJson(await signWith(first));
    assert.equal(hits, 1, 'reused for the floor although max-age=0');
    now += 2;
    await intake.fromJson(await signWith(first));
    assert.equal(hits, 2);
  });

  test('a cached set never lets a jku past the SSRF guard', async () => {
    answer = { status: 200, keys: [first.jwk], cacheControl: 'max-age=300' };
    hits = 0;
    const intake = createCardIntake({ ssrfGuard: createSsrfGuard() });
    for (let i = 0; i < 2; i++) {
      const { violations } = await refusal(intake.fromJson(await signWith(first)));
      assert.match(violations[0]?.description ?? '', /could not be fetched: Outbound request to .* refused/);
    }
    assert.equal(hits, 0);
  });
});
