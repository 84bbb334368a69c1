/**
 * The registry's pre-commit address check asks DNS once per host, not once
 * per registration: concurrent registrations naming one host share a
 * lookup, and a stale verdict answers at once while a fresh lookup runs.
 * (A resolver that loses answers to concurrent queries retries after 5 s:
 * each lookup a registration waits on is a chance to wait 5 s.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type dns from 'node:dns';
import type { LookupAddress } from 'node:dns';
import { AddressVerdicts } from '../../../src/http/outbound/address-verdicts.js';
import { createSsrfGuard } from '../../../src/http/outbound/ssrf-guard.js';

const PUBLIC_V4 = '93.184.216.34';

/** A resolver whose answers the test releases; it counts the questions. */
function heldLookup(table: Record<string, string>) {
  const pending: Array<() => void> = [];
  let calls = 0;
  let hold = true;
  const lookup = (host: string, _options: unknown, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void): void => {
    calls++;
    const answer = () => {
      const address = table[host];
      if (address === undefined) callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), []);
      else callback(null, [{ address, family: 4 }]);
    };
    if (hold) pending.push(answer);
    else answer();
  };
  return {
    lookup: lookup as unknown as typeof dns.lookup,
    get calls() {
      return calls;
    },
    release(keepHolding = false) {
      hold = keepHolding;
      for (const answer of pending.splice(0)) answer();
    },
  };
}

test('16 concurrent checks of one host: one DNS lookup, every caller answered by it', async () => {
  const dns = heldLookup({ 'agents.example.com': PUBLIC_V4 });
  const verdicts = new AddressVerdicts(createSsrfGuard({ lookup: dns.lookup }));
  const checks = Array.from({ length: 16 }, (_, i) => verdicts.refusal(`https://agents.example.com/agent-${i}`));
  // Let every check reach the lookup (were each to ask, there would be 16 questions now).
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(dns.calls, 1);
  dns.release();
  assert.deepEqual(await Promise.all(checks), Array.from({ length: 16 }, () => undefined));
  // Remembered: the next registration naming that host does not ask again.
  assert.equal(await verdicts.refusal('https://agents.example.com/another'), undefined);
  assert.equal(dns.calls, 1);
});

test('a refusal is remembered per origin and names the host', async () => {
  const dns = heldLookup({ 'internal.example': '10.0.0.5' });
  dns.release();
  const verdicts = new AddressVerdicts(createSsrfGuard({ lookup: dns.lookup }));
  const first = await verdicts.refusal('https://internal.example/a');
  const second = await verdicts.refusal('https://internal.example/b');
  assert.equal(first?.code, 'AM_ERR_SSRF_BLOCKED');
  assert.match(first!.message, /internal\.example resolves to a private/);
  assert.equal(second, first);
  assert.equal(dns.calls, 1);
});

test('a host that does not resolve is not refused, and is remembered only briefly (a starting pod)', async () => {
  const dns = heldLookup({});
  dns.release();
  const clock = { at: 1_000, now: () => clock.at };
  const verdicts = new AddressVerdicts(createSsrfGuard({ lookup: dns.lookup }), { clock, unresolvedTtlMs: 5_000 });
  assert.equal(await verdicts.refusal('https://not-yet.example/a2a'), undefined);
  assert.notEqual((await verdicts.judge('https://not-yet.example/b')).unresolved, undefined);
  assert.equal(dns.calls, 1, 'a name that does not resolve is not asked again at once');
  clock.at += 6_000;
  await verdicts.judge('https://not-yet.example/c');
  assert.equal(dns.calls, 2, 'asked again once its short verdict is stale');
});

test('once stale, the verdict answers at once while a fresh lookup runs', async () => {
  const dns = heldLookup({ 'agents.example.com': PUBLIC_V4 });
  const clock = { at: 1_000, now: () => clock.at };
  const verdicts = new AddressVerdicts(createSsrfGuard({ lookup: dns.lookup }), { ttlMs: 60_000, clock });
  const first = verdicts.refusal('https://agents.example.com/a');
  dns.release(true);
  assert.equal(await first, undefined);
  // Past the TTL; the next lookup stays held.
  clock.at += 61_000;
  assert.equal(await verdicts.refusal('https://agents.example.com/b'), undefined, 'answered from the stale verdict while DNS has not answered');
  assert.equal(dns.calls, 2, 'a refresh was asked for');
  dns.release();
});

test('what the guard judges without DNS is judged each time, never remembered', async () => {
  const dns = heldLookup({});
  const verdicts = new AddressVerdicts(createSsrfGuard({ lookup: dns.lookup }));
  assert.equal((await verdicts.refusal('ftp://agents.example.com/x'))?.code, 'AM_ERR_SSRF_BLOCKED');
  assert.equal((await verdicts.refusal('https://user:pw@agents.example.com/x'))?.code, 'AM_ERR_SSRF_BLOCKED');
  assert.equal((await verdicts.refusal('https://10.1.2.3/x'))?.code, 'AM_ERR_SSRF_BLOCKED');
  assert.equal(dns.calls, 0);
});
