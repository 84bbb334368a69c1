import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RunStore, type StepRecord, type StepStatus } from '../../src/orchestrator/engine/run-store.js';
import { databaseBackends, type OpenedDatabase } from '../helpers/database-backends.js';

/**
 * The engine reads a run's steps one at a time, or a page at a time, never
 * the whole run (docs/adr/0070): the same answers on SQLite and PostgreSQL,
 * whatever the characters of a path.
 */
const BACKENDS = await databaseBackends({ tmpPrefix: 'agentmesh-run-store-' });

const step = (path: string, status: StepStatus, output: unknown = null): StepRecord => ({
  path,
  status,
  attempt: 1,
  sends: 1,
  agent: 'a',
  messageId: `m-${path}`,
  taskId: null,
  contextId: null,
  output,
  error: status === 'failed' ? 'boom' : null,
  startedAt: 1,
  finishedAt: status === 'running' ? null : 2,
});

for (const backend of BACKENDS) {
  describe(`run store, one step at a time: ${backend.name}`, { skip: backend.skip }, () => {
    let opened: OpenedDatabase;
    let store: RunStore;
    before(async () => {
      opened = await backend.open();
      store = new RunStore(opened.database.db);
      const onBehalfOf = { tenant: 't1' };
      await store.create({ id: 'run-a', workflow: 'w', definition: { name: 'w', steps: [] }, inputs: {}, onBehalfOf });
      const rows = [
        step('a', 'completed', { x: 1 }),
        step('m', 'completed', [1, 2, 3]),
        step('m/0', 'completed'),
        step('m/1', 'failed'),
        step('m/2', 'skipped'),
        step('m/0/inner', 'failed'),
        step('r_', 'failed'),
        step('r_/x', 'failed'),
        step('r_/y', 'canceled'),
        step('r_/z', 'completed'),
        step('ra/x', 'failed'),
        step('q', 'input-required'),
        step('p', 'running'),
      ];
      for (const row of rows) await store.putStep('run-a', row);
    });
    after(() => opened.dispose());

    test('one step by its path, a page by its paths, and the count', async () => {
      assert.deepEqual((await store.step('run-a', 'a'))?.output, { x: 1 });
      assert.equal(await store.step('run-a', 'nope'), undefined);
      assert.equal(await store.step('run-b', 'a'), undefined);
      assert.equal(await store.countSteps('run-a'), 13);
      assert.equal(await store.countSteps('run-none'), 0);
      const page = await store.stepsAt('run-a', ['a', 'm', 'absent']);
      assert.deepEqual([...page.keys()].sort(), ['a', 'm']);
      assert.equal((await store.stepsAt('run-a', [])).size, 0);
    });

    test("a map's units are counted by how they ended, not the steps inside them", async () => {
      assert.deepEqual(await store.unitCounts('run-a', 'm/'), { done: 2, failed: 1 });
    });

    test('the steps under a prefix, by state: an underscore in a path is a character, not a wildcard', async () => {
      const under = await store.stepsUnder('run-a', 'r_/', ['failed', 'canceled']);
      assert.deepEqual(under.map((r) => r.path).sort(), ['r_/x', 'r_/y']);
    });

    test('a create answers the run as a read of it would, without reading it back; a create of an existing id answers nothing and changes nothing; a definition read is frozen', async () => {
      const definition = { name: 'w', steps: [{ id: 's', kind: 'call', input: { items: '{{ batch }}' } }] };
      const onBehalfOf = { tenant: 't2', subject: 'alice', scopes: ['a2a:invoke'], subjectToken: 'never-stored' };
      const created = await store.create({ id: 'run-c', workflow: 'w', definition, inputs: { items: [1, 2, 3] }, onBehalfOf });
      assert.deepEqual(created, await store.get('run-c'));
      assert.equal(created?.onBehalfOf.subjectToken, undefined);
      // Read back, the definition is frozen as a built one is: the engine compiles its templates once, by identity.
      const read = (await store.get('run-c'))?.definition as typeof definition;
      assert.ok(Object.isFrozen(read.steps[0]!.input));
      assert.equal(await store.create({ id: 'run-c', workflow: 'other', definition: { name: 'other', steps: [] }, inputs: {}, onBehalfOf: { tenant: 't2' } }), undefined);
      assert.equal((await store.get('run-c'))?.workflow, 'w');
    });

    test("a resumed run's copy takes the completed, skipped and waiting steps, in one statement", async () => {
      await store.create({ id: 'run-b', workflow: 'w', definition: { name: 'w', steps: [] }, inputs: {}, onBehalfOf: { tenant: 't1' }, resumedFrom: 'run-a' });
      assert.equal(await store.copySteps('run-a', 'run-b'), 6);
      assert.deepEqual((await store.step('run-b', 'a'))?.output, { x: 1 });
      assert.equal((await store.step('run-b', 'q'))?.status, 'input-required');
      assert.equal(await store.step('run-b', 'r_/x'), undefined);
      assert.equal(await store.countSteps('run-b'), 6);
    });
  });
}
