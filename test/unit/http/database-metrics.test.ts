import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { observeDatabase } from '../../../src/http/probes/database-metrics.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { createDatabase } from '../../../src/storage/database.js';

function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('observeDatabase', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-dbmetrics-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('reports an SQLite file up, its ping and its WAL file size at each scrape', async () => {
    const database = await createDatabase({ sqlitePath: join(dir, 'mesh.db') });
    const metrics = createMetrics({ defaultMetrics: false });
    observeDatabase(metrics, database);
    await sql`create table if not exists t (x text)`.execute(database.db);
    await sql`insert into t values (${'x'.repeat(10_000)})`.execute(database.db);
    const body = (await metrics.render()).body;
    assert.equal(sample(body, 'agentmesh_storage_up{dialect="sqlite"}'), 1);
    const ping = sample(body, 'agentmesh_storage_ping_seconds{dialect="sqlite"}');
    assert.ok(ping !== undefined && ping >= 0 && ping < 2, body);
    assert.ok((sample(body, 'agentmesh_storage_wal_bytes{dialect="sqlite"}') ?? 0) > 10_000, body);

    await database.close();
    const closed = (await metrics.render()).body;
    assert.equal(sample(closed, 'agentmesh_storage_up{dialect="sqlite"}'), 0, 'a closed database is down');
    assert.equal(sample(closed, 'agentmesh_storage_ping_seconds{dialect="sqlite"}'), 2);
  });
});
