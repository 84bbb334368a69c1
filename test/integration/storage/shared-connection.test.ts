import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDatabase, createRuntimeStores, type NewTask } from '../../../src/storage/index.js';
import { newTask } from '../../helpers/new-task.js';

function task(id: string, messageId: string): NewTask {
  return newTask(id, { agent: 'batch-worker', messageId, idempotent: true });
}

test('runtimes sharing one SQLite connection recognise each other\'s retried messageIds', async (t) => {
  const database = await createDatabase({ sqlitePath: ':memory:' });
  t.after(() => database.close());
  // Two runtimes in one process over one database (replicas of an agent, as the map tests run them).
  const a = createRuntimeStores(database).tasks;
  const b = createRuntimeStores(database).tasks;
  // b has looked a message up before a's task exists: whatever b remembers must still learn of it.
  assert.equal(await b.findByMessage('batch-worker', '', 'batch-7', Date.now()), undefined);
  await a.create(task('t-7', 'batch-7'));
  // The orchestrator re-sends the same message after a restart, and it lands on the other instance.
  assert.equal((await b.findByMessage('batch-worker', '', 'batch-7', Date.now()))?.id, 't-7');
});
