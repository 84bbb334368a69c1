// test-tier: tools (needs haproxy)
/**
 * The gateway bench's HAProxy JWT anchor, run: a real HAProxy verifying an
 * ES256 token with the key it took from a JWKS, relaying to two upstreams in
 * turn (the scale bench's `haproxy-jwt-2` fronts relay so to both runtimes),
 * the Authorization header dropped, and refusing what the gateway refuses
 * there: no token, another key's, an expired one, a missing scope, a client
 * over its rate.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { startHaproxyRelay } from '../../../bench/gateway/haproxy-relay.js';
import type { NativeRelay } from '../../../bench/gateway/native-relay.js';

const KID = 'bench-key';
const LIMIT = 5;

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An upstream that answers with its name and the Authorization header it was sent. */
function upstream(name: string): Server {
  return createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ name, authorization: req.headers.authorization ?? null }));
    });
  });
}

describe('HAProxy verifying the token in front of two upstreams', () => {
  let dir: string;
  let relay: NativeRelay;
  let signingKey: CryptoKey;
  let otherKey: CryptoKey;
  const servers: Server[] = [];

  const token = ({ key = signingKey, scope = 'a2a:message:send a2a:tasks:read', client = 'client-a', expires = '5m' }: { key?: CryptoKey; scope?: string; client?: string; expires?: string | number } = {}) =>
    new SignJWT({ scope, client_id: client }).setProtectedHeader({ alg: 'ES256', kid: KID }).setIssuedAt().setExpirationTime(expires).sign(key);
  const call = async (headers: Record<string, string>) => {
    const res = await fetch(`${relay.origin}/agents/bench`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
    return { status: res.status, body: res.status === 200 ? ((await res.json()) as { name: string; authorization: string | null }) : (await res.arrayBuffer(), undefined) };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'haproxy-jwt-'));
    const pair = await generateKeyPair('ES256');
    signingKey = pair.privateKey;
    ({ privateKey: otherKey } = await generateKeyPair('ES256'));
    // The signing key published as the gateway publishes it, for HAProxy's key file.
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'ES256' };
    const jwks = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
    servers.push(jwks);
    const jwksUrl = `${await listen(jwks)}/.well-known/jwks.json`;
    const upstreams = [];
    for (const name of ['a', 'b']) {
      const server = upstream(name);
      servers.push(server);
      upstreams.push(await listen(server));
    }
    const started = await startHaproxyRelay({ dir, upstream: upstreams, jwksUrl, token: await token(), scope: 'a2a:message:send', requestsPerMinute: LIMIT });
    if ('missing' in started) throw new Error(started.missing);
    relay = started;
  });

  after(async () => {
    await relay?.stop();
    for (const server of servers) server.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('relays the calls to both upstreams in turn, without the Authorization header', async () => {
    const bearer = { authorization: `Bearer ${await token()}` };
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await call(bearer));
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200, 200, 200],
    );
    const names = answers.map((a) => a.body!.name);
    assert.deepEqual([...names].sort(), ['a', 'a', 'b', 'b']);
    assert.notEqual(names[0], names[1]);
    assert.ok(answers.every((a) => a.body!.authorization === null));
  });

  test('refuses no token, a token signed by another key and an expired one with 401, a missing scope with 403', async () => {
    assert.equal((await call({})).status, 401);
    assert.equal((await call({ authorization: `Bearer ${await token({ key: otherKey })}` })).status, 401);
    assert.equal((await call({ authorization: `Bearer ${await token({ expires: Math.floor(Date.now() / 1000) - 60 })}` })).status, 401);
    assert.equal((await call({ authorization: `Bearer ${await token({ scope: 'a2a:tasks:read' })}` })).status, 403);
  });

  test("counts each client's calls on the stick table and refuses the one over its rate with 429", async () => {
    const bearer = { authorization: `Bearer ${await token({ client: 'client-limited' })}` };
    const statuses = [];
    for (let i = 0; i <= LIMIT; i++) statuses.push((await call(bearer)).status);
    assert.deepEqual(statuses, [...Array.from({ length: LIMIT }, () => 200), 429]);
  });
});
