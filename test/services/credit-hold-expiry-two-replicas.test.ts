/**
 * On PostgreSQL: two gateway replicas sweeping for
 * expired holds at once refund each hold once; holds list and release by key.
 * Time is an injected `now`: nothing sleeps.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type CreditLedger } from '../../src/tenancy/index.js';
import { postgresSkipReason } from '../helpers/services.js';
import { openLedgerReplicas } from '../helpers/ledger-replicas.js';
import { startedForSuite } from '../helpers/suite-fixture.js';

const skip = await postgresSkipReason();
const DAY = 86_400_000;

describe('credit hold expiry on PostgreSQL (two replicas)', { skip }, () => {
  const opened = startedForSuite(() => openLedgerReplicas());

  test('concurrent sweeps refund each expired hold exactly once; younger holds stay', async () => {
    const [a, b] = opened().ledgers as [CreditLedger, CreditLedger];
    await a.topUp('acme', 20_000, 'acme-funds');
    const start = Date.now();
    for (let i = 0; i < 10; i++) await a.reserve({ tenant: 'acme', key: `asker:old-${i}`, milliCredits: 1_000, agent: 'asker', skill: 'ask' });
    const sweeps = await Promise.all([a.expireHolds({ now: start + DAY + 1_000, maxHoldMs: DAY }), b.expireHolds({ now: start + DAY + 1_000, maxHoldMs: DAY })]);
    const refunded = sweeps.flat().map((s) => s.key).sort();
    assert.deepEqual(refunded, Array.from({ length: 10 }, (_, i) => `asker:old-${i}`).sort(), 'each once, across both replicas');
    assert.deepEqual(await b.balance('acme'), { tenant: 'acme', milliCredits: 20_000, reservedMilliCredits: 0, availableMilliCredits: 20_000 });

    await a.reserve({ tenant: 'acme', key: 'asker:young', milliCredits: 2_000, agent: 'asker', skill: 'ask' });
    assert.deepEqual(await b.expireHolds({ now: Date.now() + DAY / 2, maxHoldMs: DAY }), []);
    assert.deepEqual((await b.holds('acme')).map((h) => [h.key, h.milliCredits, h.status]), [['asker:young', 2_000, 'held']]);
    assert.equal((await a.reconcile()).ok, true);
  });

  test('release refunds one hold of the tenant named, once; another tenant cannot release it', async () => {
    const [a, b] = opened().ledgers as [CreditLedger, CreditLedger];
    await a.topUp('globex', 5_000, 'globex-funds');
    await a.reserve({ tenant: 'globex', key: 'scorer:stuck', milliCredits: 3_000, agent: 'scorer', skill: 'score' });
    await assert.rejects(b.release('acme', 'scorer:stuck', 'wrong tenant'), (err: { code?: string; message?: string }) => err.code === 'AM_ERR_TENANCY_INVALID_ARGUMENT' && /names no reservation of tenant acme/.test(err.message ?? ''));
    const releases = await Promise.all([a.release('globex', 'scorer:stuck', 'abandoned'), b.release('globex', 'scorer:stuck', 'abandoned')]);
    assert.equal(releases.filter((r) => !r.replayed).length, 1);
    assert.ok(releases.every((r) => r.status === 'refunded' && r.reason === 'abandoned'));
    assert.deepEqual(await a.balance('globex'), { tenant: 'globex', milliCredits: 5_000, reservedMilliCredits: 0, availableMilliCredits: 5_000 });
  });
});
