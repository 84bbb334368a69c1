/**
 * A run's step records are written together (step-writes.ts): the records
 * asked for while a statement is on its way go in the next one, and a map
 * unit's completed record, which nobody waits for at once, waits a few
 * milliseconds for others to join it. A record someone waits for goes at
 * once, taking the gathered ones along; a failed statement fails every
 * write it carried. On a real RunStore (SQLite in memory), whose statements
 * are counted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunStore, type StepRecord } from '../../../../src/orchestrator/engine/run-store.js';
import { StepWrites } from '../../../../src/orchestrator/engine/step-writes.js';
import { createDatabase } from '../../../../src/storage/database.js';

/** The real store, its putSteps statements noted (rows each), and failing on demand. */
class CountedStore extends RunStore {
  readonly statements: number[] = [];
  failNext = false;

  override async putSteps(runId: string, steps: readonly StepRecord[]): Promise<void> {
    this.statements.push(steps.length);
    if (this.failNext) {
      this.failNext = false;
      throw new Error('the database went away');
    }
    return super.putSteps(runId, steps);
  }
}

const record = (path: string): StepRecord => ({ path, status: 'completed', attempt: 1, sends: 1, agent: 'a', messageId: `m-${path}`, taskId: null, contextId: null, output: { path }, error: null, startedAt: 1, finishedAt: 2 });

async function withWrites(body: (writes: StepWrites, store: CountedStore) => Promise<void>): Promise<void> {
  const database = await createDatabase({ sqlitePath: ':memory:' });
  try {
    const store = new CountedStore(database.db);
    await store.create({ id: 'run', workflow: 'w', definition: { name: 'w', steps: [] }, inputs: {}, onBehalfOf: { tenant: 't' } });
    await body(new StepWrites(store, 'run'), store);
  } finally {
    await database.close();
  }
}

test('units ending close together share one statement, and each one\'s promise settles once its record is stored', async () => {
  await withWrites(async (writes, store) => {
    const paths = Array.from({ length: 40 }, (_, i) => `map/${i}`);
    await Promise.all(paths.map((path) => writes.put(record(path), { gather: true })));
    assert.deepEqual(store.statements, [40]);
    const stored = await store.stepsAt('run', paths);
    assert.deepEqual([...stored.keys()].sort(), [...paths].sort());
  });
});

test('more records than a statement may carry are all stored (the store splits them)', async () => {
  await withWrites(async (writes, store) => {
    // 3,000 records of 15 parameters each: more than SQLite takes in one statement.
    const paths = Array.from({ length: 3_000 }, (_, i) => `map/${i}`);
    await Promise.all(paths.map((path) => writes.put(record(path), { gather: true })));
    assert.deepEqual(store.statements, [3_000]);
    assert.equal((await store.stepsAt('run', paths)).size, 3_000);
  });
});

test('a record someone waits for goes at once, taking the gathered ones along', async () => {
  await withWrites(async (writes, store) => {
    const gathered = writes.put(record('map/0'), { gather: true });
    const awaited = writes.put(record('next'));
    await Promise.all([gathered, awaited]);
    assert.deepEqual(store.statements, [2]);
  });
});

test('records asked for while a statement is on its way go together in the next', async () => {
  await withWrites(async (writes, store) => {
    const first = writes.put(record('a'));
    const later = ['b', 'c', 'd'].map((path) => writes.put(record(path), { gather: true }));
    await Promise.all([first, ...later]);
    assert.deepEqual(store.statements, [1, 3]);
  });
});

test('a failed statement fails every write it carried; the next ones are written', async () => {
  await withWrites(async (writes, store) => {
    store.failNext = true;
    const failed = await Promise.allSettled([writes.put(record('map/0'), { gather: true }), writes.put(record('map/1'), { gather: true })]);
    assert.deepEqual(failed.map((r) => r.status), ['rejected', 'rejected']);
    await writes.put(record('map/2'), { gather: true });
    assert.deepEqual([...(await store.stepsAt('run', ['map/0', 'map/1', 'map/2'])).keys()], ['map/2']);
  });
});
