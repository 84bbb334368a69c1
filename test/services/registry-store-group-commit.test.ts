/**
 * The registry store's group commit (ADR 0038, ADR 0056), on SQLite and
 * PostgreSQL: the registrations asked for together commit in one
 * transaction of a few statements, not a few statements each; a write that
 * is refused, or that the database rejects, fails alone while its group
 * mates commit; and the change log holds the group's changes in the order
 * they were asked for.
 */
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { AgentCard } from '@a2a-js/sdk';
import { databaseBackends } from '../helpers/database-backends.js';
import { RegistryStore, type AgentDecision } from '../../src/registry/store/registry-store.js';
import { sampleCard } from '../helpers/registry-fixture.js';
import { pgStatementsDuring, register, registryStoreOn } from '../helpers/registry-store-writes.js';

/** The statement texts pg sends while `run` runs. */
async function countStatements<T>(run: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const { result, statements } = await pgStatementsDuring(run);
  return { result, statements: statements.map((s) => s.text) };
}

for (const backend of await databaseBackends({ tmpPrefix: 'agentmesh-registry-group-' })) {
  describe(`registry store group commit: ${backend.name}`, { skip: backend.skip }, () => {
    const suite = registryStoreOn(backend);
    let store: RegistryStore;
    before(() => {
      store = suite.store();
    });

    test('16 registrations asked for together commit in one transaction of a few statements, logged in the order asked', async () => {
      const names = Array.from({ length: 16 }, (_, i) => `group-${i}`);
      const { before: seqBefore } = { before: (await store.changeBounds()).newest };
      const { result, statements } = await countStatements(() => Promise.all(names.map((name) => store.writeAgent(name, register(name)))));
      for (const [i, { record }] of result.entries()) assert.equal(record?.name, names[i]);
      const seqs = result.map(({ changes }) => changes[0]!.seq);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'seqs follow the order the writes were asked in');
      assert.ok(seqs[0]! > seqBefore);
      const logged = await store.changesSince(seqBefore, 100);
      assert.deepEqual(logged.map((c) => [c.kind, c.agent]), names.map((name) => ['registered', name]));
      // The log as another replica reads it (nothing kept of these writes): the records come from the rows.
      const elsewhere = await new RegistryStore(suite.opened().database).changesSince(seqBefore, 100);
      assert.deepEqual(elsewhere.map((c) => [c.seq, c.agent, c.record?.name, c.record?.card.name]), logged.map((c) => [c.seq, c.agent, c.agent, c.agent]));
      for (const name of names) assert.equal((await store.getAgent(name))?.name, name);
      if (backend.name === 'postgres') {
        // begin and the writers' lock, the database's time (every replica's writes are timed on its clock), the
        // group's agents read at once, their rows with their changes, commit.
        assert.equal(statements.filter((s) => /^\s*begin/i.test(s)).length, 1, statements.join('\n'));
        assert.ok(statements.length <= 5, `${statements.length} statements for 16 registrations:\n${statements.join('\n')}`);
      }
    });

    test('a refused write fails alone: its group mates commit', async () => {
      await store.writeAgent('taken', register('taken'));
      const names = ['mate-a', 'taken', 'mate-b'];
      const outcomes = await Promise.allSettled(names.map((name) => store.writeAgent(name, register(name))));
      assert.equal(outcomes[0]!.status, 'fulfilled');
      assert.equal(outcomes[1]!.status, 'rejected');
      assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /taken exists/);
      assert.equal(outcomes[2]!.status, 'fulfilled');
      assert.equal((await store.getAgent('mate-a'))?.name, 'mate-a');
      assert.equal((await store.getAgent('mate-b'))?.name, 'mate-b');
    });

    test('the same name twice in one group: the second write sees the first', async () => {
      const outcomes = await Promise.allSettled([store.writeAgent('twice', register('twice')), store.writeAgent('twice', register('twice'))]);
      assert.equal(outcomes[0]!.status, 'fulfilled');
      assert.equal(outcomes[1]!.status, 'rejected');
      assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /twice exists/);
    });

    test('a write the database rejects fails alone: its group mates commit, the log holds theirs only', async () => {
      const seqBefore = (await store.changeBounds()).newest;
      // PostgreSQL's text cannot hold a NUL character: that row's insert fails in the database, not in the decision.
      const bad = 'bad\u0000name';
      const writes = [store.writeAgent('db-mate-a', register('db-mate-a')), store.writeAgent(bad, register(bad, AgentCard.fromJSON(sampleCard('bad')))), store.writeAgent('db-mate-b', register('db-mate-b'))];
      const outcomes = await Promise.allSettled(writes);
      assert.equal(outcomes[0]!.status, 'fulfilled');
      assert.equal(outcomes[2]!.status, 'fulfilled');
      if (backend.name === 'postgres') assert.equal(outcomes[1]!.status, 'rejected');
      assert.equal((await store.getAgent('db-mate-a'))?.name, 'db-mate-a');
      assert.equal((await store.getAgent('db-mate-b'))?.name, 'db-mate-b');
      const logged = (await store.changesSince(seqBefore, 100)).map((c) => c.agent);
      assert.deepEqual(logged, backend.name === 'postgres' ? ['db-mate-a', 'db-mate-b'] : ['db-mate-a', bad, 'db-mate-b']);
      const seqs = (await Promise.all([writes[0]!, writes[2]!])).map(({ changes }) => changes[0]!.seq);
      assert.ok(seqs[0]! < seqs[1]!);
    });

    test('an update and an instance in a group with new agents: each sees the writes before it', async () => {
      await store.writeAgent('known', register('known'));
      const update: AgentDecision = (current, now) => (current ? { kind: 'updated', record: { ...current, status: 'deprecated', revision: current.revision + 1, updatedAt: new Date(now).toISOString() } } : undefined);
      const [fresh, updated, withInstance] = await Promise.all([
        store.writeAgent('fresh', register('fresh')),
        store.writeAgent('known', update),
        store.writeAgent('fresh-two', register('fresh-two'), { instance: { id: 'inst-1', url: 'https://agents.example.com/fresh-two', kind: 'static' } }),
      ]);
      assert.equal(fresh.record?.name, 'fresh');
      assert.equal(updated.record?.status, 'deprecated');
      assert.equal((await store.getAgent('known'))?.revision, 2);
      assert.deepEqual(withInstance.changes.map((c) => c.kind), ['registered', 'instance_changed']);
      assert.equal((await store.listInstances('fresh-two')).length, 1);
    });
  });
}
