/**
 * Two gateway processes sharing Redis admit within 5% of the configured
 * quota in total. Gateway A runs in this process
 * (createGateway), gateway B is a real `agentmesh serve gateway` child. They
 * are two replicas of one deployment: one PostgreSQL schema (clients,
 * signing keys, ledger, audit), one GATEWAY_SECRET, one public URL (so a
 * token either issues works on both), one Redis for the quota counters. One
 * client's quota is 200 requests per minute (GATEWAY_DEFAULT_RPM); 600 calls
 * alternate between the replicas, 24 in flight at a time.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { callAgent, createClient, fetchToken } from '../helpers/gateway-fixture.js';
import { startGatewayAndChildReplica } from '../helpers/gateway-replicas.js';
import { startRuntime, testAgent } from '../helpers/runtime-fixture.js';
import { REDIS_URL, deleteRedisKey, postgresSkipReason, randomSuffix, redisSkipReason } from '../helpers/services.js';
import { until } from '../helpers/until.js';
import { Quotas, quotaKeyOf, type QuotaCheck } from '../../src/gateway/policy/quotas.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());

const QUOTA = 200;
const CALLS = 600;
const IN_FLIGHT = 24;
/** Shared by the replicas: encrypts the signing keys they both read from the database. */
const SECRET = 'shared-quota-test-secret-0123456789abcdef';

/** A cheap call: GetTask on an id no one has. It is forwarded (and answered -32001) only once the quota admitted it. */
function getUnknownTask(gatewayUrl: string, token: string): Promise<Response> {
  return callAgent(gatewayUrl, 'tester', token, 'GetTask', { id: 'no-such-task' });
}

describe('two gateway replicas sharing Redis quotas', { skip }, () => {
  let replicas: Awaited<ReturnType<typeof startGatewayAndChildReplica>>;
  let a: typeof replicas.a;
  let b: typeof replicas.b;
  let host: Awaited<ReturnType<typeof startRuntime>>;
  const redisKeys: string[] = [];

  before(async () => {
    // A first: it migrates the schema and creates the signing key B then loads.
    replicas = await startGatewayAndChildReplica({ redisUrl: REDIS_URL, secret: SECRET }, { defaultRequestsPerMinute: QUOTA }, { GATEWAY_DEFAULT_RPM: String(QUOTA) });
    ({ a, b } = replicas);
    // The agent accepts only gateway assertions, checked against A's JWKS: B's verify too because the replicas share their keys.
    host = await startRuntime([testAgent], { registryUrl: replicas.registry.url, gatewayJwksUrl: replicas.jwksUrl, requireGatewayAssertion: true });
  });
  after(async () => {
    await host?.close();
    await replicas?.close();
    for (const key of redisKeys) await deleteRedisKey(key);
  });

  test(`${CALLS} calls alternating between the replicas admit ${QUOTA} ±5% in total`, async (t) => {
    // Warm both routes with another client, so the measured client's window holds only measured calls.
    const warmTenant = `warm-${randomSuffix()}`;
    const warm = await createClient(a.url, { name: 'warm-up', tenant: warmTenant, scopes: ['a2a:tasks:read'] });
    redisKeys.push(`am:q:${QUOTA}/0:client:${warm.clientId}:agent:tester`, `am:q:10000/0:tenant:${warmTenant}`);
    const warmToken = await fetchToken(a.url, warm);
    for (const url of [a.url, b.url]) {
      await until(`${url} to forward to the test agent`, async () => ((await (await getUnknownTask(url, warmToken)).json()) as any).error?.code === -32001);
    }

    const tenant = `quota-${randomSuffix()}`;
    const client = await createClient(a.url, { name: 'metered', tenant, scopes: ['a2a:tasks:read'] });
    const counterKey = `am:q:${QUOTA}/0:client:${client.clientId}:agent:tester`;
    redisKeys.push(counterKey, `am:q:10000/0:tenant:${tenant}`);
    // One token, issued by A, used on both: the replicas are one issuer.
    const token = await fetchToken(a.url, client);

    const replicas = [
      { name: 'A (in process)', url: a.url, admitted: 0, refused: 0 },
      { name: 'B (child process)', url: b.url, admitted: 0, refused: 0 },
    ];
    const problems: string[] = [];
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < CALLS; i = next++) {
        const replica = replicas[i % 2]!;
        const res = await getUnknownTask(replica.url, token);
        const body = (await res.json()) as any;
        if (res.status === 429) {
          replica.refused++;
          const retryAfter = Number(res.headers.get('retry-after'));
          if (!(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60)) problems.push(`#${i} on ${replica.name}: 429 with Retry-After ${res.headers.get('retry-after')}`);
          if (body.error?.code !== -32011) problems.push(`#${i} on ${replica.name}: 429 with ${JSON.stringify(body.error)}`);
          if (res.headers.get('ratelimit-limit') !== String(QUOTA) || res.headers.get('ratelimit-remaining') !== '0') problems.push(`#${i} on ${replica.name}: 429 without RateLimit-* headers`);
        } else if (body.error?.code === -32001) {
          replica.admitted++;
          if (res.headers.get('ratelimit-limit') !== String(QUOTA) || res.headers.get('ratelimit-remaining') === null || res.headers.get('ratelimit-reset') === null) {
            problems.push(`#${i} on ${replica.name}: admitted without RateLimit-* headers`);
          }
        } else {
          problems.push(`#${i} on ${replica.name}: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));

    const admitted = replicas.reduce((sum, r) => sum + r.admitted, 0);
    for (const r of replicas) t.diagnostic(`${r.name}: ${r.admitted} admitted, ${r.refused} refused`);
    t.diagnostic(`admitted in total: ${admitted} of ${CALLS} calls, quota ${QUOTA}/min (${(((admitted - QUOTA) / QUOTA) * 100).toFixed(1)}% off)`);
    assert.deepEqual(problems, []);
    assert.ok(admitted >= QUOTA * 0.95 && admitted <= QUOTA * 1.05, `${admitted} admitted, not within 5% of ${QUOTA}`);
    for (const r of replicas) assert.ok(r.admitted > 0 && r.refused > 0, `${r.name} took part on both sides of the limit`);

    // Every call was counted in Redis, none by a replica's in-memory insurance limiter: the client's counter
    // saw every call; the tenant's, charged in the same script only when the client's admitted, every admitted one.
    // Each replica claims a hundredth of a limit at a time and may hold one claim unspent (ADR 0048): 2 of the
    // client's 200, 64 of the tenant's 10,000.
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      const clientCount = Number(await redis.get(counterKey));
      assert.ok(clientCount >= CALLS && clientCount <= CALLS + 2 * 2, `client counter ${clientCount}`);
      const tenantCount = Number(await redis.get(`am:q:10000/0:tenant:${tenant}`));
      assert.ok(tenantCount >= admitted && tenantCount <= admitted + 2 * 64, `tenant counter ${tenantCount}`);
    } finally {
      redis.disconnect();
    }
  });

  test('the audit chain both replicas appended to verifies', async () => {
    // B flushes its audit queue as it shuts down.
    await b.close();
    await a.gateway.audit.flush();
    const rows = await a.gateway.audit.tail({ limit: 1000 });
    assert.ok(rows.filter((r) => r.eventType === 'quota.exceeded').length >= CALLS - QUOTA);
    const verdict = await a.gateway.audit.verify();
    assert.equal(verdict.ok, true, JSON.stringify(verdict.problems));
  });
});

/**
 * Both limits of a call in one script, across replicas: two `Quotas` on their
 * own Redis connections (as two gateway processes hold) take calls of two
 * clients of one tenant. Each client may make 60 a minute plus 10 of burst,
 * the tenant 100 in all, so the tenant's limit binds: exactly 100 calls are
 * admitted, no client more than 70, and a call the tenant refused is charged
 * to no counter (all or none), so each client's counter is its calls less
 * those the tenant refused.
 */
describe('one quota script charging both limits from two replicas', { skip }, () => {
  const PER_CLIENT = 150;
  const keys: string[] = [];
  const connections: Redis[] = [];
  after(async () => {
    for (const redis of connections) redis.disconnect();
    for (const key of keys) await deleteRedisKey(key);
  });

  test('the tenant limit binds exactly; each client stays within rpm + burst; a call refused by one limit is charged to none', async () => {
    const replicas = [0, 1].map(() => {
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: true });
      connections.push(redis);
      return new Quotas({ redis });
    });
    const tenant = `both-${randomSuffix()}`;
    const tenantCheck: QuotaCheck = { key: `tenant:${tenant}`, rpm: 100, burst: 0 };
    const clients = ['c1', 'c2'].map((name) => ({ check: { key: `client:${name}-${tenant}:agent:tester`, rpm: 60, burst: 10 } satisfies QuotaCheck, admitted: 0, byClient: 0, byTenant: 0 }));
    for (const c of clients) keys.push(quotaKeyOf(c.check), quotaKeyOf(c.check).replace('am:q:', 'am:qb:'));
    keys.push(quotaKeyOf(tenantCheck));
    const problems: string[] = [];
    await Promise.all(
      clients.flatMap((client) =>
        Array.from({ length: 8 }, async (_, lane) => {
          for (let i = lane; i < PER_CLIENT; i += 8) {
            try {
              const state = await replicas[i % 2]!.admit([client.check, tenantCheck]);
              client.admitted++;
              if (state === undefined || state.remaining < 0 || state.resetSeconds < 0 || state.resetSeconds > 60) problems.push(`admitted with ${JSON.stringify(state)}`);
            } catch (err) {
              const details = (err as { details?: Record<string, unknown> }).details ?? {};
              const retry = Number(details['retryAfterSeconds']);
              if (!(Number.isInteger(retry) && retry >= 1 && retry <= 60)) problems.push(`refused with Retry-After ${String(details['retryAfterSeconds'])}`);
              if (details['quota'] === 'tenant') client.byTenant++;
              else if (details['quota'] === 'client') client.byClient++;
              else problems.push(`refused by ${String(details['quota'])}`);
            }
          }
        }),
      ),
    );
    assert.deepEqual(problems, []);
    const admitted = clients.reduce((sum, c) => sum + c.admitted, 0);
    assert.equal(admitted, tenantCheck.rpm, `${admitted} admitted in all`);
    const redis = connections[0]!;
    for (const c of clients) {
      assert.ok(c.admitted <= c.check.rpm + c.check.burst, `${c.check.key}: ${c.admitted} admitted`);
      assert.equal(c.admitted + c.byClient + c.byTenant, PER_CLIENT);
      assert.equal(Number(await redis.get(quotaKeyOf(c.check))), PER_CLIENT - c.byTenant, `${c.check.key}: its counter holds its calls less those the tenant refused`);
    }
    assert.ok(clients.some((c) => c.byTenant > 0), 'the tenant limit refused some calls');
    // The tenant's counter: every call the clients' limits let through to it (admitted, or refused by it and kept).
    assert.equal(Number(await redis.get(quotaKeyOf(tenantCheck))), admitted + clients.reduce((sum, c) => sum + c.byTenant, 0));
  });
});
