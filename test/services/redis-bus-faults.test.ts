/**
 * The Redis bus's subscriber connection under network faults (TCP proxy):
 * it sends nothing of its own, so only its heartbeat notices a connection
 * gone silent; once re-opened, ioredis restores its subscriptions and
 * messages flow again (ADR 0023). Messages published meanwhile are lost by
 * design: subscribers re-read their log.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMAND_TIMEOUT_MS, HEARTBEAT_MS, RedisBus } from '../../src/storage/index.js';
import { REDIS_URL, redisSkipReason, uniqueStreamKey } from '../helpers/services.js';
import { proxyInFrontOf } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/until.js';
import { closeInTurn } from '../helpers/close-in-turn.js';
import { startedForSuite } from '../helpers/suite-fixture.js';

const skip = await redisSkipReason();

describe('the Redis bus subscriber under network faults', { skip }, () => {
  const namespace = uniqueStreamKey();
  /** Two buses on one namespace: `direct` publishes on a direct connection, `proxied` subscribes through the proxy. */
  const buses = startedForSuite(async () => {
    const through = await proxyInFrontOf(REDIS_URL, 6379);
    const direct = await RedisBus.connect({ url: REDIS_URL, namespace });
    const proxied = await RedisBus.connect({ url: through.url, namespace });
    return { proxy: through.proxy, direct, proxied, close: () => closeInTurn(proxied, direct, through.proxy) };
  });

  /** Subscribes through the proxy to `topic`; resolves once the subscription is ready, with what it receives. */
  async function subscribed(topic: string): Promise<{ received: unknown[]; unsubscribe: () => void }> {
    const received: unknown[] = [];
    const unsubscribe = buses().proxied.subscribe(topic, (m) => received.push(m));
    await unsubscribe.ready;
    return { received, unsubscribe };
  }

  /** Publishes on `topic` until the subscriber got one message, within `ms`. */
  async function deliveredWithin(topic: string, received: unknown[], ms: number): Promise<void> {
    let n = 0;
    await until(`a message on ${topic} to reach the subscriber`, async () => {
      await buses().direct.publish(topic, ++n);
      return received.length > 0;
    }, ms);
  }

  test('a connection that goes silent is dropped by the heartbeat and re-opened with its subscriptions', async () => {
    const { received, unsubscribe } = await subscribed('silent');
    await deliveredWithin('silent', received, 2_000);
    const accepted = buses().proxy.accepted;
    buses().proxy.silenceOpen();
    received.length = 0;
    // One heartbeat interval to send the PING, one command deadline for it to go unanswered, then a reconnect.
    const bound = HEARTBEAT_MS + COMMAND_TIMEOUT_MS + 3_000;
    const silencedAt = Date.now();
    await until('the subscriber to reconnect', () => buses().proxy.accepted > accepted, bound);
    await deliveredWithin('silent', received, 3_000);
    assert.ok(Date.now() - silencedAt <= bound + 3_000, `delivering again within ${bound + 3_000} ms (took ${Date.now() - silencedAt} ms)`);
    assert.equal(buses().proxied.stats().channels, 1);
    unsubscribe();
  });

  test('after a pause (half-open both ways) and the heal, nothing is stuck: messages flow again', async () => {
    const { received, unsubscribe } = await subscribed('paused');
    buses().proxy.pause();
    // Published while the subscriber's connection holds every byte: lost to it, by design.
    await buses().direct.publish('paused', 'held');
    buses().proxy.heal();
    await deliveredWithin('paused', received, COMMAND_TIMEOUT_MS + HEARTBEAT_MS + 5_000);
    await buses().proxied.ping();
    unsubscribe();
  });

  test('after a reset, the subscriptions are restored on the new connection', async () => {
    const { received, unsubscribe } = await subscribed('reset');
    buses().proxy.reset();
    await deliveredWithin('reset', received, 5_000);
    unsubscribe();
  });
});
