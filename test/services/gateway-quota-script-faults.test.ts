/**
 * The quota script (ADR 0026) on a private `redis-server` this test starts
 * on a free port (so its command counts are this test's own, and flushing
 * its script cache or stopping it touches nobody else's):
 *
 * - what a call costs Redis: one EVALSHA, and inside it one INCR per check
 *   (a counter's TTL read once per window per replica, its expiry set once),
 *   for limits under 200 a minute; above, a replica claims a hundredth of
 *   the limit (at most 64) in one script and spends it locally, so the
 *   script runs once per claim, and a refused call gives back what it spent
 *   locally;
 * - the script is not loaded (a restarted or failed-over Redis, `SCRIPT
 *   FLUSH`): the call is still counted in Redis (EVALSHA answers NOSCRIPT,
 *   EVAL loads it again) and the next call is one EVALSHA again;
 * - Redis is down: the gateway keeps limiting per replica in memory (the
 *   documented behaviour: neither fail-open nor fail-closed), answering
 *   quota refusals, never an error; once Redis is back, calls count there
 *   again.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { Quotas, quotaKeyOf, type QuotaCheck } from '../../src/gateway/policy/quotas.js';
import { QUOTA_SCRIPT } from '../../src/gateway/policy/quota-script.js';
import { freePort } from '../helpers/free-port.js';
import { stopChild } from '../helpers/child-output.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { redisSkipReason } from '../helpers/services.js';
import { until } from '../helpers/until.js';
import { parseCommandStats } from '../../bench/scale/service-stats.js';

const skip = await redisSkipReason();

/** The gateway's quota connection: one retry per command and no offline queue, so a down Redis fails calls at once. */
function gatewayConnection(port: number): Redis {
  const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 50 });
  redis.on('error', () => undefined);
  return redis;
}

describe('the quota script on a private Redis: what a call costs, a lost script, Redis down', { skip }, () => {
  let port: number;
  let server: ChildProcess | undefined;
  let redis: Redis;
  let admin: Redis;
  const sha = createHash('sha1').update(QUOTA_SCRIPT).digest('hex');

  before(async () => {
    port = await freePort();
    server = await startRedisServer(port);
    redis = gatewayConnection(port);
    admin = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    admin.on('error', () => undefined);
    await until('the gateway connection to be ready', async () => redis.status === 'ready');
  });
  after(async () => {
    redis?.disconnect();
    admin?.disconnect();
    await stopChild(server);
  });

  test("a call's two quotas under 200 a minute cost Redis one EVALSHA and one INCR per check", async () => {
    const quotas = new Quotas({ redis });
    const checks: QuotaCheck[] = [
      { key: 'client:cost:agent:a', rpm: 190, burst: 50 },
      { key: 'tenant:cost', rpm: 199, burst: 0 },
    ];
    await quotas.admit(checks);
    await admin.config('RESETSTAT');
    const CALLS = 150;
    for (let i = 0; i < CALLS; i++) await quotas.admit(checks);
    const stats = parseCommandStats(await admin.info('commandstats'));
    // The admin connection's own commands are the only others.
    stats.delete('info');
    stats.delete('config|resetstat');
    assert.deepEqual(Object.fromEntries(stats), { evalsha: CALLS, incr: 2 * CALLS });
  });

  test('far from their limits, 256 calls cost Redis one script per 64 calls; each counter holds what was claimed', async () => {
    const quotas = new Quotas({ redis });
    const checks: QuotaCheck[] = [
      { key: 'client:blocks:agent:a', rpm: 10_000, burst: 50 },
      { key: 'tenant:blocks', rpm: 100_000, burst: 0 },
    ];
    // The first call claims 64 of each and spends one of them.
    const first = await quotas.admit(checks);
    assert.equal(first?.remaining, 9_999, 'the requests claimed and not spent are not reported as used');
    await admin.config('RESETSTAT');
    let last;
    for (let i = 0; i < 256; i++) last = await quotas.admit(checks);
    const stats = parseCommandStats(await admin.info('commandstats'));
    stats.delete('info');
    stats.delete('config|resetstat');
    assert.deepEqual(Object.fromEntries(stats), { evalsha: 4, incrby: 8 });
    // 257 spent, 5 × 64 claimed.
    assert.equal(Number(await admin.get(quotaKeyOf(checks[0]!))), 320);
    assert.equal(Number(await admin.get(quotaKeyOf(checks[1]!))), 320);
    assert.equal(last?.remaining, 10_000 - 257);
  });

  test('64 calls arriving together on one replica wait for the one claim in flight instead of each sending a script', async () => {
    const quotas = new Quotas({ redis });
    const checks: QuotaCheck[] = [
      { key: 'client:together:agent:a', rpm: 10_000, burst: 0 },
      { key: 'tenant:together', rpm: 100_000, burst: 0 },
    ];
    await admin.config('RESETSTAT');
    const states = await Promise.all(Array.from({ length: 64 }, () => quotas.admit(checks)));
    const stats = parseCommandStats(await admin.info('commandstats'));
    // A new Quotas defines its command afresh: ioredis may send its first one as EVAL.
    assert.equal((stats.get('evalsha') ?? 0) + (stats.get('eval') ?? 0), 1);
    assert.equal(Number(await admin.get(quotaKeyOf(checks[0]!))), 64);
    assert.equal(Math.min(...states.map((s) => s!.remaining)), 10_000 - 64);
  });

  test('near the limit claims shrink to one request: a client allowed 1,000 and a burst of 20 gets exactly 1,020 from one replica', async () => {
    const quotas = new Quotas({ redis });
    const check: QuotaCheck = { key: 'client:edge:agent:a', rpm: 1000, burst: 20 };
    let admitted = 0;
    let refused = 0;
    for (let i = 0; i < 1100; i++) {
      try {
        await quotas.admit([check]);
        admitted++;
      } catch {
        refused++;
      }
    }
    assert.equal(admitted, 1020);
    assert.equal(refused, 80);
  });

  test('two replicas claiming from one counter never admit more than the limit, and at most a claim each fewer', async () => {
    const other = gatewayConnection(port);
    try {
      await until('the second connection to be ready', async () => other.status === 'ready');
      const replicas = [new Quotas({ redis }), new Quotas({ redis: other })];
      const check: QuotaCheck = { key: 'client:two-replicas:agent:a', rpm: 1000, burst: 0 };
      const admitted = [0, 0];
      // Eight in flight, alternating replicas: claims interleave as they do behind a load balancer.
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < 1100) {
            const i = next++ % 2;
            try {
              await replicas[i]!.admit([check]);
              admitted[i]!++;
            } catch (err) {
              assert.equal((err as { code?: string }).code, 'AM_ERR_GATEWAY_QUOTA_EXCEEDED');
            }
          }
        }),
      );
      const total = admitted[0]! + admitted[1]!;
      assert.ok(total <= 1000, `${total} admitted`);
      // A claim is 10 requests here; what the other replica holds unspent at the end is lost to this window.
      assert.ok(total >= 1000 - 2 * 10, `${total} admitted`);
    } finally {
      other.disconnect();
    }
  });

  test('a call refused by one limit gives back the request it took locally from the other', async () => {
    const quotas = new Quotas({ redis });
    const client: QuotaCheck = { key: 'client:refund:agent:a', rpm: 1000, burst: 0 };
    const tight: QuotaCheck = { key: 'tenant:refund-tight', rpm: 5, burst: 0 };
    for (let i = 0; i < 5; i++) await quotas.admit([client, tight]);
    // The first call claimed 10 for the client; five spent.
    assert.equal(Number(await admin.get(quotaKeyOf(client))), 10);
    for (let i = 0; i < 3; i++) await assert.rejects(quotas.admit([client, tight]), (err: { details?: Record<string, unknown> }) => err.details?.['quota'] === 'tenant');
    // Five left here: five more calls of the client (on another tenant) claim nothing new from its counter.
    const roomy: QuotaCheck = { key: 'tenant:refund-roomy', rpm: 100_000, burst: 0 };
    for (let i = 0; i < 5; i++) await quotas.admit([client, roomy]);
    assert.equal(Number(await admin.get(quotaKeyOf(client))), 10, 'the refused calls spent none of the claimed requests');
    await quotas.admit([client, roomy]);
    assert.equal(Number(await admin.get(quotaKeyOf(client))), 20, 'the eleventh call claims again');
  });

  test('a flushed script cache (NOSCRIPT) is reloaded and the call still counts in Redis', async () => {
    const quotas = new Quotas({ redis });
    const check: QuotaCheck = { key: 'client:noscript:agent:a', rpm: 10, burst: 0 };
    await quotas.admit([check]);
    assert.deepEqual(await admin.script('EXISTS', sha), [1]);
    await admin.script('FLUSH');
    assert.deepEqual(await admin.script('EXISTS', sha), [0]);
    const state = await quotas.admit([check]);
    assert.equal(state?.remaining, 8);
    assert.equal(Number(await admin.get(quotaKeyOf(check))), 2, 'both calls counted in Redis, not in memory');
    assert.deepEqual(await admin.script('EXISTS', sha), [1], 'loaded again');
  });

  test('with Redis down, a replica limits in memory (429s, no errors); back up, calls count in Redis again', async () => {
    const quotas = new Quotas({ redis });
    const check: QuotaCheck = { key: 'client:down:agent:a', rpm: 3, burst: 1 };
    await quotas.admit([check]);
    assert.equal(Number(await admin.get(quotaKeyOf(check))), 1);

    await stopChild(server);
    await until('the gateway connection to see Redis gone', async () => redis.status !== 'ready');
    // In memory from zero: rpm + burst admitted, then refused with Retry-After, never a Redis error.
    for (let i = 0; i < 4; i++) assert.ok(await quotas.admit([check]));
    await assert.rejects(quotas.admit([check]), (err: { code?: string; details?: Record<string, unknown> }) => {
      assert.equal(err.code, 'AM_ERR_GATEWAY_QUOTA_EXCEEDED');
      assert.ok(Number(err.details?.['retryAfterSeconds']) >= 1);
      return true;
    });

    server = await startRedisServer(port);
    await until('the gateway connection to reconnect', async () => redis.status === 'ready');
    // A fresh server: the script is not loaded and the counter is gone; the call counts there again.
    const fresh: QuotaCheck = { key: 'client:back:agent:a', rpm: 3, burst: 0 };
    await quotas.admit([fresh]);
    assert.equal(Number(await admin.get(quotaKeyOf(fresh))), 1);
  });
});
