import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApprovalStore, type NewApproval } from '../../../../src/gateway/approvals/approval-store.js';
import { databaseBackends, type OpenedDatabase } from '../../../helpers/database-backends.js';

const parked = (id: string, over: Partial<NewApproval> = {}): NewApproval => ({
  id,
  tenant: 'acme',
  agent: 'payments',
  skill: 'pay',
  ruleId: 'big',
  reason: 'payments above 50 credits need an approval',
  approverScope: 'gateway:approve',
  principal: { kind: 'client', subject: 'buyer', clientId: 'buyer', tenant: 'acme', scopes: ['a2a:message:send'], act: { sub: 'orchestrator' } },
  request: { binding: 'JSONRPC', version: '1.0', streaming: false, path: '/', body: Buffer.from('{}').toString('base64'), jsonRpcId: 1 },
  messageId: `m-${id}`,
  contextId: '',
  milliCredits: 80_000,
  reservationKey: `payments:acme:m-${id}`,
  createdAt: 1_000,
  expiresAt: 61_000,
  ...over,
});

for (const backend of await databaseBackends({ tmpPrefix: 'approval-store-' })) {
  describe(`approval store: ${backend.name}`, { skip: backend.skip }, () => {
    let opened: OpenedDatabase;
    let store: ApprovalStore;
    before(async () => {
      opened = await backend.open();
      store = new ApprovalStore(opened.database.db);
    });
    after(() => opened.dispose());

    test('keeps a parked call whole: its caller, delegation chain and request', async () => {
      await store.insert(parked('a1'));
      const got = await store.get('a1');
      assert.equal(got?.state, 'pending');
      assert.deepEqual(got?.principal.act, { sub: 'orchestrator' });
      assert.equal(got?.request.jsonRpcId, 1);
      assert.equal(got?.milliCredits, 80_000);
      assert.equal(await store.get('nope'), undefined);
    });

    test('finds the newest call parked under a message id, later ones stored under a suffix; a like-prefixed id is another', async () => {
      await store.insert(parked('r1', { messageId: 'reused', createdAt: 1_000 }));
      assert.equal(await store.insert(parked('r2', { messageId: 'reused', createdAt: 2_000 })), false, 'the same id without a suffix is the same call');
      assert.equal(await store.insert(parked('r2', { messageId: 'reused', createdAt: 2_000 }), 'second'), true);
      await store.insert(parked('r3', { messageId: 'reused-other', createdAt: 3_000 }));
      const newest = await store.byMessage('acme', 'payments', 'reused');
      assert.equal(newest?.id, 'r2');
      assert.equal(newest?.messageId, 'reused', 'the record shows the client\'s message id');
      assert.equal((await store.byMessage('acme', 'payments', 'reused-other'))?.id, 'r3');
      assert.equal(await store.byMessage('acme', 'payments', 'reuse'), undefined);
    });

    test('lets exactly one decision win a pending call', async () => {
      await store.insert(parked('a2'));
      const results = await Promise.all([
        store.transition('a2', 'pending', 'forwarding', { by: 'alice', at: 5, reason: 'ok' }),
        store.transition('a2', 'pending', 'denied', { by: 'bob', at: 6, reason: 'no' }),
        store.transition('a2', 'pending', 'expired', { by: 'expiry', at: 7 }),
      ]);
      assert.equal(results.filter(Boolean).length, 1);
      const got = await store.get('a2');
      assert.ok(['forwarding', 'denied', 'expired'].includes(got!.state));
      assert.ok(got!.decidedBy !== undefined && got!.decidedAt !== undefined);
    });

    test('ends a forwarded call approved with the agent task it became', async () => {
      await store.insert(parked('a3'));
      assert.equal(await store.transition('a3', 'pending', 'forwarding', { by: 'alice', at: 5 }), true);
      assert.deepEqual((await store.stranded(10)).map((a) => a.id).filter((id) => id === 'a3'), ['a3']);
      await store.forwarded('a3', 'task-9', { state: 'TASK_STATE_COMPLETED', status: 200 });
      const got = await store.get('a3');
      assert.equal(got?.state, 'approved');
      assert.equal(got?.taskId, 'task-9');
      assert.deepEqual(got?.outcome, { state: 'TASK_STATE_COMPLETED', status: 200 });
    });

    test('finds the calls due to expire and lists by tenant, state and approver scope, newest first', async () => {
      await store.insert(parked('b1', { tenant: 'globex', createdAt: 2_000, expiresAt: 3_000 }));
      await store.insert(parked('b2', { tenant: 'globex', createdAt: 2_500, expiresAt: 999_000, approverScope: 'hr:approve' }));
      assert.deepEqual((await store.due(10_000, 10)).map((a) => a.id), ['b1']);
      assert.deepEqual((await store.list({ tenant: 'globex', limit: 10 })).map((a) => a.id), ['b2', 'b1']);
      assert.deepEqual((await store.list({ tenant: 'globex', approverScopes: ['hr:approve'], limit: 10 })).map((a) => a.id), ['b2']);
      assert.deepEqual((await store.list({ tenant: 'globex', approverScopes: [], limit: 10 })).map((a) => a.id), []);
      assert.deepEqual((await store.list({ tenant: 'globex', before: 2_500, limit: 10 })).map((a) => a.id), ['b1']);
    });

    test('writes, replaces and deletes rules', async () => {
      await store.putRule({ id: 'big', agent: 'payments', condition: 'price > 50', approverScope: 'gateway:approve', expiresAfterMs: 60_000, source: 'api' }, 'admin');
      await store.putRule({ id: 'big', agent: 'payments', condition: 'price > 80', approverScope: 'gateway:approve', expiresAfterMs: 120_000, source: 'api' }, 'admin');
      assert.deepEqual(await store.rules(), [{ id: 'big', agent: 'payments', condition: 'price > 80', approverScope: 'gateway:approve', expiresAfterMs: 120_000, source: 'api' }]);
      assert.equal(await store.deleteRule('big'), true);
      assert.equal(await store.deleteRule('big'), false);
      assert.deepEqual(await store.rules(), []);
    });
  });
}
