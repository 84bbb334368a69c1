import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { observeDatabase } from '../../src/http/index.js';
import { createMetrics } from '../../src/observability/index.js';
import type { Database } from '../../src/storage/index.js';
import { openPostgresDatabase, type PostgresDatabase } from '../helpers/database-backends.js';
import { postgresSkipReason } from '../helpers/services.js';

function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('database gauges on PostgreSQL', { skip: await postgresSkipReason() }, () => {
  let opened: PostgresDatabase;
  let database: Database;
  before(async () => {
    opened = await openPostgresDatabase({ poolSize: 2 });
    ({ database } = opened);
  });
  after(() => opened?.close());

  test('reports PostgreSQL up and the WAL written since the last checkpoint, growing with writes', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    observeDatabase(metrics, database);
    const first = (await metrics.render()).body;
    assert.equal(sample(first, 'agentmesh_storage_up{dialect="postgres"}'), 1);
    const before = sample(first, 'agentmesh_storage_wal_bytes{dialect="postgres"}');
    assert.ok(before !== undefined && before >= 0, first);
    await sql`create table wal_filler (x text)`.execute(database.db);
    await sql`insert into wal_filler select repeat('x', 1000) from generate_series(1, 200)`.execute(database.db);
    const after = sample((await metrics.render()).body, 'agentmesh_storage_wal_bytes{dialect="postgres"}')!;
    // 200 kB written: the distance grows, unless a checkpoint ran in between and moved the redo point (then it differs too).
    assert.notEqual(after, before, 'the WAL held since the last checkpoint moved with the writes');
  });
});
