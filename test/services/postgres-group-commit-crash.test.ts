/**
 * Group commit never acknowledges an uncommitted write (ADR 0022): a writer
 * process is killed with SIGKILL while one of its batches has inserted its
 * tasks and waits, before COMMIT, on a lock this test holds on task_events.
 * The batch's backend is then ended too (its transaction rolls back, as it
 * would if the server lost the client first). Every task the process
 * acknowledged must be in the database with its events; none of the batch
 * that was waiting may have been acknowledged.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createDatabase } from '../../src/storage/index.js';
import { createTestSchema, postgresSkipReason, randomSuffix, waitFor, type TestSchema } from '../helpers/services.js';
import { TS_CHILD_ARGV } from '../helpers/typescript-child.js';

const skip = await postgresSkipReason();

describe('PostgreSQL group commit under kill -9', { skip }, () => {
  let schema: TestSchema;
  let admin: pg.Client;
  let locker: pg.Client;

  before(async () => {
    schema = await createTestSchema();
    // Migrated here, so the writer starts straight into its writes.
    await (await createDatabase({ url: schema.url, poolSize: 1 })).close();
    admin = new pg.Client({ connectionString: schema.url });
    locker = new pg.Client({ connectionString: schema.url });
    await Promise.all([admin.connect(), locker.connect()]);
  });
  after(async () => {
    await Promise.all([admin.end(), locker.end()]);
    await schema.drop();
  });

  test('killed between its batch insert and commit, the writer loses nothing it acknowledged', async () => {
    const tenant = `crash-${randomSuffix()}`;
    const child = spawn(process.execPath, [...TS_CHILD_ARGV, fileURLToPath(new URL('./fixtures/store-writer.ts', import.meta.url))], {
      env: { ...process.env, AGENTMESH_TEST_DATABASE_URL: schema.url, AGENTMESH_TEST_TENANT: tenant },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const acked = new Set<string>();
    let enough: () => void;
    const ackedEnough = new Promise<void>((resolve) => (enough = resolve));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      acked.add((JSON.parse(line) as { acked: string }).acked);
      if (acked.size >= 200) enough();
    });
    try {
      await ackedEnough;
      // From here no task_events insert can finish: the next batch inserts its tasks, then waits before COMMIT.
      await locker.query('begin');
      await locker.query('lock table task_events in share row exclusive mode');
      // The query text shown is cut at track_activity_query_size; the tenant's marker is at its start.
      const blocked = await waitFor('a batch waiting on the lock after inserting its tasks', async () => {
        const { rows } = await admin.query<{ pid: number }>(
          "select pid from pg_stat_activity where wait_event_type = 'Lock' and state = 'active' and query like $1",
          [`%${tenant}%`],
        );
        return rows[0]?.pid;
      });
      const { rows: pending } = await admin.query<{ n: number }>("select count(*)::int as n from pg_locks where pid = $1 and locktype = 'transactionid' and granted", [blocked]);
      assert.ok(pending[0]!.n >= 1, 'the waiting batch holds a transaction id: its task rows are inserted, not committed');
      const ackedBeforeKill = new Set(acked);
      child.kill('SIGKILL');
      await exited;
      await admin.query('select pg_terminate_backend($1)', [blocked]);
      await locker.query('rollback');

      const { rows } = await admin.query<{ id: string; events: number }>(
        'select t.id, (select count(*)::int from task_events e where e.task_id = t.id) as events from tasks t where t.tenant = $1',
        [tenant],
      );
      const stored = new Map(rows.map((r) => [r.id, r.events]));
      const lost = [...ackedBeforeKill].filter((id) => !stored.has(id));
      assert.deepEqual(lost, [], 'every acknowledged task is stored');
      for (const [id, events] of stored) assert.equal(events, 1, `${id} is stored with its event row (one row per write)`);
      assert.equal(acked.size, ackedBeforeKill.size, 'nothing was acknowledged while the batch waited');
    } finally {
      child.kill('SIGKILL');
      await locker.query('rollback').catch(() => undefined);
    }
  });
});
