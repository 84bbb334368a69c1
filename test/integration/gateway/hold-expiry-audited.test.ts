/**
 * Through a real gateway: a hold older than
 * creditsMaxHoldMs is refunded by the gateway's sweep and audited as
 * `credits.expired`. The hold is backdated in the gateway's SQLite file
 * instead of waiting a minute.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { startRegistry } from '../../helpers/registry-fixture.js';
import { startGateway } from '../../helpers/gateway-fixture.js';
import { until } from '../../helpers/until.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

describe('the gateway expires and audits holds older than the max hold', () => {
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let gw: Awaited<ReturnType<typeof startGateway>>;

  before(async () => {
    registry = await startRegistry();
    gw = await startGateway(registry.url, { creditsMaxHoldMs: 60_000, creditsHoldSweepMs: 1_000 });
  });
  after(() => closeInTurn(gw, registry));

  test('a hold backdated past the max hold is refunded and audited as credits.expired', async () => {
    const ledger = gw.gateway.ledger;
    await ledger.topUp('acme', 5_000, 'acme-expiry');
    await ledger.reserve({ tenant: 'acme', key: 'asker:abandoned', milliCredits: 2_000, agent: 'asker', skill: 'ask' });
    const young = await ledger.reserve({ tenant: 'acme', key: 'asker:young', milliCredits: 1_000, agent: 'asker', skill: 'ask' });
    const db = new BetterSqlite3(join(gw.gateway.config.dataDir, 'mesh.db'));
    db.pragma('busy_timeout = 5000');
    db.prepare('update credit_reservations set created_at = created_at - 120000 where key = ?').run('asker:abandoned');
    db.close();

    await until('the sweep refunds the old hold', async () => (await ledger.balance('acme')).reservedMilliCredits === 1_000);
    assert.deepEqual(await ledger.balance('acme'), { tenant: 'acme', milliCredits: 5_000, reservedMilliCredits: 1_000, availableMilliCredits: 4_000 });
    assert.deepEqual((await ledger.holds('acme')).map((h) => h.key), [young.key], 'the young hold stays');

    await gw.gateway.audit.flush();
    const expired = (await gw.gateway.audit.tail({ limit: 100 })).filter((r) => r.eventType === 'credits.expired');
    assert.equal(expired.length, 1);
    assert.equal(expired[0]!.tenant, 'acme');
    assert.equal(expired[0]!.targetAgent, 'asker');
    assert.equal(expired[0]!.outcome, 'ok');
    assert.equal((expired[0]!.detail as any).key, 'asker:abandoned');
    assert.equal((expired[0]!.detail as any).reservedMilliCredits, 2_000);
    assert.match((expired[0]!.detail as any).reason, /^expired: held longer than the 60000 ms maximum$/);
    assert.equal((await gw.gateway.audit.verify()).ok, true);
  });
});
