import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { createAuditLog } from '../../src/audit/index.js';
import { createLogger, createMetrics } from '../../src/observability/index.js';
import { createDatabase } from '../../src/storage/index.js';

/**
 * An audit log on a real SQLite file of its own, flushed only when the test asks (the interval is a
 * minute) in batches of up to 1,000 rows; closed and removed when the test ends.
 */
export async function openSqliteAuditLog(t: TestContext, name: string) {
  const dir = mkdtempSync(join(tmpdir(), `agentmesh-${name}-`));
  const database = await createDatabase({ sqlitePath: join(dir, 'mesh.db') });
  const audit = createAuditLog({ database, logger: createLogger({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }), flushIntervalMs: 60_000, maxBatch: 1000 });
  t.after(async () => {
    await audit.close().catch(() => undefined);
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { database, audit };
}
