import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../src/observability/index.js';
import type { Database } from '../../../src/storage/index.js';
import { SettlementTracker, type OpenReservation } from '../../../src/gateway/settlement-tracker.js';
import type { CreditLedger } from '../../../src/tenancy/index.js';
import type { CreditsCaller } from '../../../src/gateway/credit-routes/index.js';
import { bearerAuthenticator, credits, startCreditRoutes } from './credits-harness.js';
import { closeInTurn, directoryRemoval } from '../../helpers/close-in-turn.js';

const PRINCIPALS: Record<string, CreditsCaller> = {
  'acme-token': { subject: 'acme-app', tenant: 'acme', scopes: ['a2a:message:send'] },
  'billing-token': { subject: 'billing', tenant: 'ops', scopes: ['credits:admin'] },
  'reader-token': { subject: 'ops-reader', tenant: 'ops', scopes: ['gateway:admin'] },
};

const authenticate = bearerAuthenticator(PRINCIPALS);

/*
 * A reservation whose task never ends (abandoned in
 * input-required) stayed held forever. Holds now expire after a max hold
 * (default 24 h: refunded, logged, audited by the gateway), and an operator
 * can list and release them (`agentmesh credits holds|release`). Time is an
 * injected clock: nothing here sleeps.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('credit holds that never end', () => {
  let dir: string;
  let served: Awaited<ReturnType<typeof startCreditRoutes>>;
  let database: Database;
  let ledger: CreditLedger;
  let env: Record<string, string>;
  const logger = createLogger({ level: 'silent' });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentmesh-holds-'));
    served = await startCreditRoutes(authenticate, { listen: true, sqlitePath: join(dir, 'mesh.db'), logger });
    ({ database, ledger } = served);
    env = { AGENTMESH_GATEWAY: served.url };
  });
  after(() => closeInTurn(served, directoryRemoval(dir)));

  test('expireHolds refunds a hold older than the max hold, and only then; the ledger still reconciles', async () => {
    await ledger.topUp('acme', 10_000, 'acme-expiry');
    const start = Date.now();
    await ledger.reserve({ tenant: 'acme', key: 'asker:abandoned', milliCredits: 4_000, agent: 'asker', skill: 'ask' });
    assert.deepEqual(await ledger.expireHolds({ now: start + 23 * HOUR, maxHoldMs: DAY }), [], 'not yet');
    assert.equal((await ledger.balance('acme')).reservedMilliCredits, 4_000);

    const expired = await ledger.expireHolds({ now: start + DAY + HOUR, maxHoldMs: DAY });
    assert.equal(expired.length, 1);
    assert.equal(expired[0]!.key, 'asker:abandoned');
    assert.equal(expired[0]!.status, 'refunded');
    assert.equal(expired[0]!.releasedMilliCredits, 4_000);
    assert.equal(expired[0]!.chargedMilliCredits, 0);
    assert.match(expired[0]!.reason!, /^expired: held longer than the 86400000 ms maximum$/);
    assert.deepEqual(await ledger.balance('acme'), { tenant: 'acme', milliCredits: 10_000, reservedMilliCredits: 0, availableMilliCredits: 10_000 });
    // The task ending later changes nothing: the hold is closed, as refunded.
    const late = await ledger.settle('asker:abandoned', 4_000, { state: 'TASK_STATE_COMPLETED' });
    assert.deepEqual([late.status, late.replayed], ['refunded', true]);
    assert.deepEqual(await ledger.expireHolds({ now: start + 2 * DAY, maxHoldMs: DAY }), [], 'expires once');
    assert.equal((await ledger.reconcile()).ok, true);
  });

  test('the settlement tracker expires a tracked task that stays in input-required, and reports it', async () => {
    await ledger.topUp('acme', 5_000, 'acme-tracker');
    const clock = { now: Date.now() };
    const expiredReports: Array<{ key: string; open: OpenReservation | undefined; reason: string | undefined }> = [];
    let reads = 0;
    const tracker = new SettlementTracker({
      ledger,
      logger,
      db: database.db,
      now: () => clock.now,
      maxHoldMs: DAY,
      sweepIntervalMs: HOUR,
      // The agent keeps answering that the task waits for input.
      read: async () => {
        reads++;
        return { id: 't-wait', status: { state: 'TASK_STATE_INPUT_REQUIRED' } };
      },
      onExpired: (settlement, open) => expiredReports.push({ key: settlement.key, open, reason: settlement.reason }),
    });
    await ledger.reserve({ tenant: 'acme', key: 'asker:t-wait', milliCredits: 2_000, agent: 'asker', skill: 'ask' });
    await tracker.track({ key: 'asker:t-wait', agent: 'asker', taskId: 't-wait', tenant: 'acme', subject: 'acme-app', estimate: 2_000 });
    const openRows = async () => (await database.db.selectFrom('gateway_open_reservations').select('key').execute()).map((r) => r.key);
    assert.deepEqual(await openRows(), ['asker:t-wait']);

    clock.now += 1_000;
    await tracker.runOnce();
    assert.ok(reads >= 1, 'the task was read');
    assert.equal(tracker.size, 1, 'input-required: still open');
    assert.equal((await ledger.balance('acme')).reservedMilliCredits, 2_000);

    clock.now += DAY + HOUR;
    await tracker.runOnce();
    assert.equal(tracker.size, 0);
    assert.deepEqual(await openRows(), []);
    assert.equal(expiredReports.length, 1);
    assert.equal(expiredReports[0]!.key, 'asker:t-wait');
    assert.equal(expiredReports[0]!.open?.taskId, 't-wait');
    assert.match(expiredReports[0]!.reason!, /^expired/);
    assert.equal((await ledger.balance('acme')).reservedMilliCredits, 0);
    await tracker.stop();
  });

  test('the tracker sweep also expires holds nobody tracks (a gateway that crashed in between)', async () => {
    await ledger.topUp('globex', 3_000, 'globex-1');
    await ledger.reserve({ tenant: 'globex', key: 'scorer:orphan', milliCredits: 1_500, agent: 'scorer', skill: 'score' });
    const clock = { now: Date.now() + DAY + 1 };
    const reports: string[] = [];
    const tracker = new SettlementTracker({ ledger, logger, db: database.db, now: () => clock.now, maxHoldMs: DAY, read: async () => undefined, onExpired: (s, open) => reports.push(`${s.key} ${open === undefined ? 'untracked' : 'tracked'}`) });
    await tracker.runOnce();
    assert.deepEqual(reports, ['scorer:orphan untracked']);
    assert.deepEqual(await ledger.balance('globex'), { tenant: 'globex', milliCredits: 3_000, reservedMilliCredits: 0, availableMilliCredits: 3_000 });
    await tracker.stop();
  });

  test('an operator lists the open holds and releases one; a second release says it is closed', async () => {
    await ledger.topUp('initech', 8_000, 'initech-1');
    await ledger.reserve({ tenant: 'initech', key: 'asker:stuck', milliCredits: 3_000, agent: 'asker', skill: 'ask', clientId: 'app-1' });

    const listed = await fetch(`${env.AGENTMESH_GATEWAY}/v1/tenants/initech/credits/reservations`, { headers: { authorization: 'Bearer reader-token' } });
    assert.equal(listed.status, 200);
    const body = (await listed.json()) as any;
    assert.equal(body.tenant, 'initech');
    assert.deepEqual(body.reservations.map((r: any) => [r.key, r.agent, r.skill, r.clientId, r.milliCredits, r.credits]), [['asker:stuck', 'asker', 'ask', 'app-1', 3_000, '3.000']]);

    const holds = await credits(['holds', 'initech', '--token', 'reader-token'], env);
    assert.equal(holds.code, 0, holds.stderr);
    assert.match(holds.stdout, /^asker:stuck +asker +ask +3\.000 /m);

    const released = await credits(['release', 'initech', 'asker:stuck', '--reason', 'task abandoned in input-required', '--admin-token', 'billing-token'], env);
    assert.equal(released.code, 0, released.stderr);
    assert.equal(released.stdout, 'released 3.000 credits held by asker:stuck back to initech (task abandoned in input-required)\n');
    assert.deepEqual(await ledger.balance('initech'), { tenant: 'initech', milliCredits: 8_000, reservedMilliCredits: 0, availableMilliCredits: 8_000 });

    const again = await credits(['release', 'initech', 'asker:stuck', '--json', '--admin-token', 'billing-token'], env);
    assert.equal(again.code, 0, again.stderr);
    const replay = JSON.parse(again.stdout);
    assert.deepEqual([replay.status, replay.replayed, replay.reason], ['refunded', true, 'task abandoned in input-required']);
    assert.match((await credits(['holds', 'initech', '--token', 'reader-token'], env)).stdout, /^no credit holds open for initech$/m);
  });

  test('release needs credits:admin, and cannot touch another tenant\'s hold', async () => {
    await ledger.topUp('umbrella', 2_000, 'umbrella-1');
    await ledger.reserve({ tenant: 'umbrella', key: 'asker:u1', milliCredits: 1_000, agent: 'asker', skill: 'ask' });
    const url = `${env.AGENTMESH_GATEWAY}/v1/tenants/acme/credits/reservations/release`;
    const post = (token: string | undefined, tenantUrl = url, key = 'asker:u1') =>
      fetch(tenantUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) }, body: JSON.stringify({ key }) });

    const anonymous = await post(undefined);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer/);
    const tenantOnly = await post('acme-token');
    assert.equal(tenantOnly.status, 403);
    assert.equal(((await tenantOnly.json()) as any).error.status, 'PERMISSION_DENIED');

    // The hold is umbrella's: released under acme, it is no reservation at all.
    const foreign = await post('billing-token');
    assert.equal(foreign.status, 400);
    const error = ((await foreign.json()) as any).error;
    assert.equal(error.status, 'INVALID_ARGUMENT');
    assert.match(error.message, /names no reservation of tenant acme/);
    assert.equal((await ledger.balance('umbrella')).reservedMilliCredits, 1_000, 'nothing moved');

    const cli = await credits(['release', 'acme', 'asker:u1', '--admin-token', 'billing-token'], env);
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /names no reservation of tenant acme/);
    const own = await post('billing-token', `${env.AGENTMESH_GATEWAY}/v1/tenants/umbrella/credits/reservations/release`);
    assert.equal(own.status, 200);
    assert.equal(((await own.json()) as any).releasedMilliCredits, 1_000);
  });
});
