/**
 * The PostgreSQL task store's group commit (ADR 0022) on a real server:
 * writes that arrive together share one transaction, a bad write among them
 * fails alone while the others commit, each tenant's rows are written under
 * that tenant's row-security marker inside the one transaction, and text of
 * any shape survives being written into the batch's query.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { NewTask } from '../../src/storage/index.js';
import { WriteBatcher } from '../../src/storage/postgres/write-batcher.js';
import { submittedTask } from '../helpers/new-task.js';
import { openPostgresStores } from '../helpers/database-backends.js';
import { postgresSkipReason } from '../helpers/services.js';
import { startedForSuite } from '../helpers/suite-fixture.js';

const skip = await postgresSkipReason();

const newTask = (id: string, extra: Partial<NewTask> = {}): NewTask => submittedTask(id, { tenant: 'acme', ...extra });

describe('PostgreSQL group commit of task writes', { skip }, () => {
  const opened = startedForSuite(() => openPostgresStores({ poolSize: 6 }));

  /** The transaction id that wrote each row: rows committed together share it. */
  async function writers(ids: string[]): Promise<Set<string>> {
    const { rows } = await opened().admin.query<{ xmin: string }>('select xmin::text from tasks where id = any($1)', [ids]);
    assert.equal(rows.length, ids.length, 'every row is there');
    return new Set(rows.map((r) => r.xmin));
  }

  test('creates and appends issued together commit in one transaction, and lookups in the same turn see committed tasks', async () => {
    await Promise.all(['a1', 'a2', 'a3'].map((id) => opened().stores.tasks.create(newTask(id))));
    assert.equal((await writers(['a1', 'a2', 'a3'])).size, 1, 'one transaction wrote the three');
    const appended = ['a1', 'a2'].map((id) => opened().stores.tasks.append({ taskId: id, tenant: 'acme', expectedVersion: 1, state: 'TASK_STATE_COMPLETED', snapshot: '{"done":true}', terminal: true, events: [{ seq: 2, kind: 'status', payload: '{"n":2}' }], now: Date.now() }));
    const [found, missing] = await Promise.all([opened().stores.tasks.findByMessage('tester', 'acme', 'm-a3', Date.now()), opened().stores.tasks.findByMessage('tester', 'acme', 'm-none', Date.now()), ...appended]);
    assert.equal(found?.id, 'a3');
    assert.equal(missing, undefined);
    assert.equal((await writers(['a1', 'a2'])).size, 1, 'one transaction appended to both');
    assert.deepEqual((await opened().stores.tasks.events('a2', 0, 10)).map((e) => e.seq), [1, 2]);
    assert.equal((await opened().stores.tasks.get('a1'))?.state, 'TASK_STATE_COMPLETED');
  });

  test('a batch with one bad write commits the others; the bad one fails alone, a stale append gets its version conflict', async () => {
    await opened().stores.tasks.create(newTask('dup'));
    await opened().stores.tasks.create(newTask('live'));
    const results = await Promise.allSettled([
      opened().stores.tasks.create(newTask('b1')),
      opened().stores.tasks.create(newTask('dup', { snapshot: '{"second":true}' })),
      opened().stores.tasks.create(newTask('b2')),
      opened().stores.tasks.append({ taskId: 'live', tenant: 'acme', expectedVersion: 7, state: 'TASK_STATE_FAILED', snapshot: '{}', terminal: true, events: [{ seq: 2, kind: 'status', payload: '{}' }], now: Date.now() }),
      opened().stores.tasks.create(newTask('b3')),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal(((results[1] as PromiseRejectedResult).reason as { code?: string }).code, '23505', 'the duplicate id is refused by the primary key');
    assert.equal(((results[3] as PromiseRejectedResult).reason as { code?: string }).code, 'AM_ERR_TASK_VERSION_CONFLICT');
    for (const id of ['b1', 'b2', 'b3']) assert.deepEqual((await opened().stores.tasks.events(id, 0, 10)).map((e) => e.seq), [1], `${id} committed with its event`);
    assert.equal((await opened().stores.tasks.get('dup'))?.snapshot, JSON.stringify({ id: 'dup' }), 'the first dup is untouched');
    assert.equal((await opened().stores.tasks.get('live'))?.version, 1, 'the stale append wrote nothing');
  });

  test("each tenant's rows are written under its own transaction-local marker, in the one transaction", async () => {
    // A trigger that refuses any row whose tenant is not the transaction's marker: row security's check, made loud.
    await opened().admin.query(`create function check_marker() returns trigger language plpgsql as $$
      begin
        if current_setting('agentmesh.scope', true) is distinct from 'tenant' or current_setting('agentmesh.tenant', true) is distinct from new.tenant then
          raise exception 'row of % written under marker %/%', new.tenant, current_setting('agentmesh.scope', true), current_setting('agentmesh.tenant', true);
        end if;
        return new;
      end $$`);
    await opened().admin.query('create trigger check_marker before insert on tasks for each row execute function check_marker()');
    try {
      await Promise.all([opened().stores.tasks.create(newTask('t-acme', { tenant: 'acme' })), opened().stores.tasks.create(newTask('t-globex', { tenant: 'globex' })), opened().stores.tasks.create(newTask("t-o'hara", { tenant: "o'hara\\" }))]);
      assert.equal((await writers(['t-acme', 't-globex', "t-o'hara"])).size, 1, 'three tenants, one transaction');
      // The marker is transaction-local: the next use of a pooled connection carries none of it.
      const { rows } = await opened().admin.query<{ tenant: string | null }>("select nullif(current_setting('agentmesh.tenant', true), '') as tenant");
      assert.equal(rows[0]!.tenant, null);
    } finally {
      await opened().admin.query('drop trigger check_marker on tasks; drop function check_marker()');
    }
  });

  test("lookups of several tenants in one turn each find their own tenant's task for the same agent and messageId", async () => {
    const tenants = ['acme', 'globex', "o'hara\\"];
    await Promise.all(tenants.map((tenant, i) => opened().stores.tasks.create(newTask(`l-${i}`, { tenant, messageId: 'm-shared' }))));
    const now = Date.now();
    const found = await Promise.all([...tenants, 'initech'].map((tenant) => opened().stores.tasks.findByMessage('tester', tenant, 'm-shared', now)));
    assert.deepEqual(
      found.map((task) => task?.id),
      ['l-0', 'l-1', 'l-2', undefined],
    );
    assert.deepEqual(
      found.map((task) => task?.tenant),
      [...tenants, undefined],
    );
    // A lookup past the window (25 h later) finds nothing: the retried-send window still bounds it.
    assert.equal(await opened().stores.tasks.findByMessage('tester', 'acme', 'm-shared', now + 26 * 3_600_000), undefined);
  });

  test('a batch of lookups is answered by the lookup function itself, never by the one-at-a-time fallback', async () => {
    await opened().stores.tasks.create(newTask('f-1', { tenant: 'acme', messageId: 'm-f' }));
    // A failed batch retries each write alone (ADR 0022), which would hide a missing or broken function: here the lone path refuses.
    const refuse = () => Promise.reject(new Error('the batch fell back to the one-at-a-time path'));
    const batcher = new WriteBatcher({ pool: opened().database.postgresPool!, toTask: (row) => row as never, lone: { lookup: refuse, create: refuse, append: refuse, landed: refuse } });
    const now = Date.now();
    const found = await Promise.all([
      batcher.submit<Record<string, unknown> | undefined>({ kind: 'lookup', agent: 'tester', tenant: 'acme', messageId: 'm-f', now }),
      batcher.submit<Record<string, unknown> | undefined>({ kind: 'lookup', agent: 'tester', tenant: 'globex', messageId: 'm-f', now }),
    ]);
    assert.deepEqual(
      found.map((row) => row?.['id']),
      ['f-1', undefined],
    );
  });

  test('text of any shape (quotes, backslashes, unicode) round-trips through the batch; a NUL is refused alone', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' })), { minLength: 1, maxLength: 6 }), async (texts) => {
        const clean = texts.map(([a, b]) => [a.replaceAll('\u0000', ''), b.replaceAll('\u0000', '').replaceAll('\n', '').replaceAll(',', '')] as const);
        // Each message id its own (the text after the task's id): two sends with one id are a retry, found as whichever came last.
        const tasks = clean.map(([a, b]) => {
          const id = `p${n++}`;
          return newTask(id, { snapshot: a, messageId: `${id}:${a}`, contextId: b, tenant: b, events: [{ seq: 1, kind: 'task', payload: b }] });
        });
        await Promise.all(tasks.map((t) => opened().stores.tasks.create(t)));
        for (const t of tasks) {
          const stored = await opened().stores.tasks.get(t.id);
          assert.deepEqual([stored?.snapshot, stored?.messageId, stored?.contextId, stored?.tenant], [t.snapshot, t.messageId, t.contextId, t.tenant]);
          assert.equal((await opened().stores.tasks.events(t.id, 0, 1))[0]?.payload, t.events[0]!.payload);
          assert.equal((await opened().stores.tasks.findByMessage(t.agent, t.tenant, t.messageId!, t.now))?.id, t.id);
        }
      }),
      { numRuns: 40 },
    );
    const results = await Promise.allSettled([opened().stores.tasks.create(newTask('nul', { snapshot: 'a\u0000b' })), opened().stores.tasks.create(newTask('beside-nul'))]);
    assert.equal(results[0].status, 'rejected', 'PostgreSQL text cannot hold a NUL');
    assert.equal(results[1].status, 'fulfilled');
    assert.ok(await opened().stores.tasks.get('beside-nul'));
  });
});
