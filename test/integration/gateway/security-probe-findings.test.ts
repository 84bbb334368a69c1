/**
 * The findings of the security probe of the gateway, each with
 * its regression test on real servers (port 0).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import { parseGatewayConfig } from '../../../src/gateway/index.js';
import { KeyManager } from '../../../src/gateway/identity/keys/key-manager.js';
import { KeyRing } from '../../../src/gateway/identity/keys/key-ring.js';
import { SigningKeyStore } from '../../../src/gateway/identity/store/signing-key-store.js';
import { LocalTokenVerifier } from '../../../src/gateway/identity/tokens/local-token-verifier.js';
import { createLogger } from '../../../src/observability/index.js';
import { createDatabase } from '../../../src/storage/index.js';
import { ADMIN_TOKEN, createClient, fetchToken, startGateway, topUp } from '../../helpers/gateway-fixture.js';
import { startRegistry } from '../../helpers/registry-fixture.js';
import { memoryDestination } from '../../helpers/memory-log.js';

const SSO = 'https://sso.probe.test/realms/acme';

interface Signer {
  privateKey: CryptoKey;
  jwk: JWK;
}

async function newSigner(): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid: 'sso-1', alg: 'ES256', use: 'sig' } };
}

/** A token of the external issuer for tenant acme, `iat` `skewSeconds` from now and no nbf. */
function ssoToken(signer: Signer, skewSeconds: number, claims: JWTPayload = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: 'alice', tenant: 'acme', scope: 'a2a:tasks:read', iat: now + skewSeconds, exp: now + skewSeconds + 600, ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: signer.jwk.kid! })
    .setIssuer(SSO)
    .setAudience('agentmesh')
    .sign(signer.privateKey);
}

const reasonOf = (body: any): unknown => body?.error?.details?.[0]?.reason;

describe('gateway security probe findings', () => {
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let gw: Awaited<ReturnType<typeof startGateway>>;
  let jwks: Server;
  let sso: Signer;
  let reader: string;
  // Every line the gateway writes, at info: request lines included.
  const { stream: destination, lines: logLines } = memoryDestination();

  before(async () => {
    sso = await newSigner();
    jwks = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [sso.jwk] }));
    });
    jwks.listen(0, '127.0.0.1');
    await once(jwks, 'listening');
    registry = await startRegistry({ logLevel: 'silent' });
    gw = await startGateway(registry.url, {
      clockToleranceSeconds: 30,
      externalIssuers: [{ issuer: SSO, jwksUri: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`, audience: 'agentmesh', tenantClaim: 'tenant', scopesClaim: 'scope' }],
    }, { logger: createLogger({ level: 'info', destination }) });
    await topUp(gw.url, 'acme', 5);
    reader = await fetchToken(gw.url, await createClient(gw.url, { name: 'reader', tenant: 'acme', scopes: ['a2a:tasks:read'] }));
  });
  after(async () => {
    await gw.close();
    await registry.close();
    jwks.close();
  });

  describe('finding 1: tenant series are not on the public port', () => {
    test('the public port answers /metrics 404 in the documented error shape, and still serves /health and /ready', async () => {
      const res = await fetch(`${gw.url}/metrics`);
      assert.equal(res.status, 404);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      const text = await res.text();
      assert.doesNotMatch(text, /agentmesh_tenancy|tenant=/);
      const body = JSON.parse(text);
      assert.equal(body.error.status, 'NOT_FOUND');
      assert.equal(reasonOf(body), 'AM_ERR_HTTP_NOT_FOUND');
      assert.equal(body.error.details[0].metadata.requestId, res.headers.get('x-request-id'));
      assert.equal((await fetch(`${gw.url}/health`)).status, 200);
      const ready = await fetch(`${gw.url}/ready`);
      assert.equal(ready.status, 200, await ready.clone().text());
    });

    test('the metrics listener, on loopback and another port, serves every series including the tenant ones', async () => {
      const metricsUrl = new URL(gw.metricsUrl);
      assert.equal(metricsUrl.hostname, '127.0.0.1');
      assert.equal(metricsUrl.pathname, '/metrics');
      assert.notEqual(metricsUrl.port, new URL(gw.url).port);
      const res = await fetch(gw.metricsUrl);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await res.text();
      assert.match(text, /^agentmesh_tenancy_available_millicredits\{tenant="acme"\} 5000$/m);
      assert.match(text, /^agentmesh_tenancy_credits_topped_up_millicredits_total\{tenant="acme"\} 5000$/m);
      assert.match(text, /^agentmesh_http_requests_total\{role="gateway",/m);

      const elsewhere = await fetch(new URL('/v1/clients?access_token=x', gw.metricsUrl));
      assert.equal(elsewhere.status, 404);
      const body = (await elsewhere.json()) as any;
      assert.equal(reasonOf(body), 'AM_ERR_HTTP_NOT_FOUND');
      assert.doesNotMatch(body.error.message, /access_token/);
      assert.equal(body.error.details[0].metadata.requestId, elsewhere.headers.get('x-request-id'));
    });

    test('the metrics port defaults to 4290 on 127.0.0.1 and may not be the public port', () => {
      const config = parseGatewayConfig({});
      assert.equal(config.metricsHost, '127.0.0.1');
      assert.equal(config.metricsPort, undefined);
      assert.throws(() => parseGatewayConfig({ port: 4290 }), /^AgentmeshError: gateway\.metricsPort must differ from port/);
      assert.throws(() => parseGatewayConfig({ port: 8080, metricsPort: 8080 }), /^AgentmeshError: gateway\.metricsPort must differ from port/);
      assert.equal(parseGatewayConfig({ port: 8080, metricsPort: 9464, metricsHost: '0.0.0.0' }).metricsPort, 9464);
    });
  });

  describe('finding 2: a token issued in the future is refused', () => {
    test('refuses an external token whose iat is beyond the clock tolerance with the 401 of any invalid token', async () => {
      const future = await ssoToken(sso, 3600);
      const res = await fetch(`${gw.url}/v1/tenants/acme/credits`, { headers: { authorization: `Bearer ${future}` } });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="agentmesh", error="invalid_token"');
      const body = (await res.json()) as any;
      assert.equal(body.error.status, 'UNAUTHENTICATED');
      assert.equal(reasonOf(body), 'AM_ERR_AUTH_UNAUTHENTICATED');
      assert.equal(body.error.details[0].metadata.reason, 'not_yet_valid');
      assert.equal(body.error.details[0].metadata.requestId, res.headers.get('x-request-id'));
    });

    test('accepts an external token whose iat is ahead by less than the tolerance', async () => {
      const skewed = await ssoToken(sso, 10);
      const res = await fetch(`${gw.url}/v1/tenants/acme/credits`, { headers: { authorization: `Bearer ${skewed}` } });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as any).availableMilliCredits, 5000);
    });

    test('refuses a token of our own issuer signed with a future iat (and a past nbf)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'agentmesh-probe-'));
      const database = await createDatabase({ sqlitePath: join(dir, 'mesh.db') });
      try {
        const now = Date.now();
        const ring = new KeyRing({ rotationIntervalMs: 86_400_000, publishLeadMs: 3_600_000, maxSignedLifetimeMs: 1_000_000 });
        const keys = new KeyManager({ store: new SigningKeyStore(database, { current: randomBytes(32) }), ring, alg: 'ES256', clock: () => now, log: createLogger({ level: 'silent' }) });
        await keys.maintain();
        const key = ring.signer(now)!;
        const verifier = new LocalTokenVerifier({ ring, keys, issuer: 'https://gw.test', audiences: ['agentmesh'], clockToleranceSeconds: 30, clock: () => now });
        const sign = (iatSkew: number) =>
          new SignJWT({ client_id: 'amc_1', tenant: 'acme', scope: 'a2a:tasks:read', jti: `j${iatSkew}` })
            .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
            .setIssuer('https://gw.test')
            .setSubject('amc_1')
            .setAudience('agentmesh')
            .setIssuedAt(Math.floor(now / 1000) + iatSkew)
            .setNotBefore(Math.floor(now / 1000) - 60)
            .setExpirationTime(Math.floor(now / 1000) + 900)
            .sign(key.privateKey);
        await assert.rejects(verifier.verify(await sign(3600)), (err: any) => err.code === 'AM_ERR_AUTH_UNAUTHENTICATED' && err.details.reason === 'not_yet_valid');
        await assert.rejects(verifier.verify(await sign(31)), (err: any) => err.details?.reason === 'not_yet_valid');
        const ok = await verifier.verify(await sign(30));
        assert.equal(ok.principal.tenant, 'acme');
      } finally {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('finding 3: management and credits refusals carry the RFC 6750 challenge', () => {
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${gw.url}${path}`, { headers });
    /** Asserts a refusal: its status, its WWW-Authenticate challenge and, when given, the reason in its body. */
    const assertRefused = async (res: Response, status: number, challenge: string, reason?: string): Promise<void> => {
      assert.equal(res.status, status);
      assert.equal(res.headers.get('www-authenticate'), challenge);
      if (reason !== undefined) assert.equal(reasonOf(await res.json()), reason);
    };

    test('a management call: no credential, a bad one, and one without gateway:admin', async () => {
      const anonymous = await get('/v1/clients');
      await assertRefused(anonymous, 401, 'Bearer realm="agentmesh", scope="gateway:admin"', 'AM_ERR_AUTH_UNAUTHENTICATED');

      const forged = await get('/v1/api-keys', { authorization: 'Bearer not.a.token' });
      await assertRefused(forged, 401, 'Bearer realm="agentmesh", error="invalid_token", scope="gateway:admin"', 'AM_ERR_AUTH_UNAUTHENTICATED');

      const badKey = await get('/v1/clients', { 'x-api-key': 'amk_nope' });
      await assertRefused(badKey, 401, 'Bearer realm="agentmesh", error="invalid_token", scope="gateway:admin"');

      const weak = await get('/v1/clients', { authorization: `Bearer ${reader}` });
      await assertRefused(weak, 403, 'Bearer realm="agentmesh", error="insufficient_scope", scope="gateway:admin"', 'AM_ERR_AUTH_FORBIDDEN');
    });

    test('a credits call: no credential, a bad one, another tenant, and a top-up without credits:admin', async () => {
      const anonymous = await get('/v1/tenants/acme/credits');
      await assertRefused(anonymous, 401, 'Bearer realm="agentmesh"', 'AM_ERR_AUTH_UNAUTHENTICATED');

      const forged = await get('/v1/tenants/acme/credits/usage', { authorization: 'Bearer not.a.token' });
      await assertRefused(forged, 401, 'Bearer realm="agentmesh", error="invalid_token"', 'AM_ERR_AUTH_UNAUTHENTICATED');

      const otherTenant = await get('/v1/tenants/globex/credits', { authorization: `Bearer ${reader}` });
      await assertRefused(otherTenant, 403, 'Bearer realm="agentmesh", error="insufficient_scope", scope="gateway:admin"', 'AM_ERR_AUTH_FORBIDDEN');

      const topUpRes = await fetch(`${gw.url}/v1/tenants/acme/credits/topups`, {
        method: 'POST',
        headers: { authorization: `Bearer ${reader}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reference: 'r-1', milliCredits: 1000 }),
      });
      await assertRefused(topUpRes, 403, 'Bearer realm="agentmesh", error="insufficient_scope", scope="credits:admin"', 'AM_ERR_AUTH_FORBIDDEN');

      const admin = await get('/v1/tenants/acme/credits', { authorization: `Bearer ${ADMIN_TOKEN}` });
      assert.equal(admin.status, 200);
      assert.equal(admin.headers.get('www-authenticate'), null);
    });
  });

  describe('finding 4: a token in the query string never reaches the log', () => {
    test('logs every request URL with its credential parameters redacted', async () => {
      const before = logLines.length;
      const calls = [
        `/v1/tenants/acme/credits?access_token=${reader}`,
        `/agents/nobody/tasks?access_token=${reader}&pageSize=5`,
        `/v1/clients?api_key=${reader}&client_secret=${reader}&code=${reader}`,
        `/no/such/route?token=${reader}`,
      ];
      for (const path of calls) await (await fetch(`${gw.url}${path}`)).arrayBuffer();
      const written = logLines.slice(before);
      const text = written.join('');
      assert.ok(!text.includes(reader), 'the token was written to the log');
      const urls = written.map((l) => JSON.parse(l)).filter((l) => l.msg === 'incoming request').map((l) => l.req.url);
      assert.deepEqual(urls, [
        '/v1/tenants/acme/credits?access_token=[redacted]',
        '/agents/nobody/tasks?access_token=[redacted]&pageSize=5',
        '/v1/clients?api_key=[redacted]&client_secret=[redacted]&code=[redacted]',
        '/no/such/route?token=[redacted]',
      ]);
    });
  });

  describe('finding 5: refusals Fastify and Node make answer the documented google.rpc.Status', () => {
    /** Asserts the documented error body, with the response's request id, and returns it. */
    async function refused(res: Response, status: number, code: string): Promise<any> {
      assert.equal(res.status, status);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      const requestId = res.headers.get('x-request-id');
      assert.ok(requestId, 'x-request-id is sent');
      const body = (await res.json()) as any;
      assert.equal(body.error.code, status);
      assert.equal(typeof body.error.status, 'string');
      assert.equal(typeof body.error.message, 'string');
      assert.equal(body.error.details[0]['@type'], 'type.googleapis.com/google.rpc.ErrorInfo');
      assert.equal(body.error.details[0].reason, code);
      assert.equal(body.error.details[0].domain, 'agentmesh.dev');
      assert.equal(body.error.details[0].metadata.requestId, requestId);
      return body;
    }
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

    test('an over-long tenant or id is 400 INVALID_ARGUMENT naming the field, and the URL is not echoed', async () => {
      const tenant = await refused(await fetch(`${gw.url}/v1/tenants/${'t'.repeat(200)}/credits?access_token=${reader}`, { headers: admin }), 400, 'AM_ERR_PROTOCOL_INVALID_PARAMS');
      assert.equal(tenant.error.status, 'INVALID_ARGUMENT');
      assert.match(tenant.error.message, /params\/tenant\b/);
      assert.ok(!JSON.stringify(tenant).includes(reader) && !JSON.stringify(tenant).includes('tttt'), 'the URL is not echoed');
      assert.match((await refused(await fetch(`${gw.url}/v1/clients/${'c'.repeat(600)}`, { headers: admin }), 400, 'AM_ERR_PROTOCOL_INVALID_PARAMS')).error.message, /params\/id\b/);
      assert.match((await refused(await fetch(`${gw.url}/v1/api-keys/${'k'.repeat(101)}/revoke`, { method: 'POST', headers: admin }), 400, 'AM_ERR_PROTOCOL_INVALID_PARAMS')).error.message, /params\/id\b/);
    });

    test('a URL over the limit is 414, headers over it 431, a bad URL 400', async () => {
      const long = await refused(await fetch(`${gw.url}/v1/clients?x=${'c'.repeat(20_000)}`, { headers: admin }), 414, 'AM_ERR_HTTP_URI_TOO_LONG');
      assert.equal(long.error.status, 'INVALID_ARGUMENT');
      await refused(await fetch(`${gw.url}/v1/clients`, { headers: { ...admin, 'x-padding': 'p'.repeat(20_000) } }), 431, 'AM_ERR_HTTP_HEADERS_TOO_LARGE');
      await refused(await fetch(`${gw.url}/v1/clients/%E0%A4%A`, { headers: admin }), 400, 'AM_ERR_PROTOCOL_INVALID_REQUEST');
    });

    test('a body over the limit is 413, a bad content type 415, bad JSON 400', async () => {
      const post = (body: string, type: string) => fetch(`${gw.url}/v1/clients`, { method: 'POST', headers: { ...admin, 'content-type': type }, body });
      await refused(await post(JSON.stringify({ name: 'x'.repeat(1_100_000) }), 'application/json'), 413, 'AM_ERR_HTTP_BODY_TOO_LARGE');
      await refused(await post('name=x', 'text/x-weird'), 415, 'AM_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE');
      await refused(await post('{"name": ', 'application/json'), 400, 'AM_ERR_PROTOCOL_PARSE');
    });
  });
});
