/**
 * Two meshes sharing one PostgreSQL database in schemas of their own do not
 * wait on each other's locks. The registry's writers and the audit chain
 * serialize on transaction-scoped advisory locks, which PostgreSQL keeps per
 * database: keyed by a constant alone, a transaction holding one in schema A
 * (a stalled connection, a long group) held back every registration and
 * audit batch in schema B until its statement timed out, 30 s later, as a
 * 503. Each test holds the lock in one schema exactly as the product takes
 * it, and shows the other schema's write committing while the same
 * schema's write waits for the release.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createAuditLog, type AuditEntry } from '../../src/audit/index.js';
import { AUDIT_CHAIN_LOCK } from '../../src/audit/postgres-chain-writer.js';
import { createLogger, createMetrics } from '../../src/observability/index.js';
import { REGISTRY_WRITE_LOCK } from '../../src/registry/store/registry-store.js';
import { createDatabase, type Database } from '../../src/storage/index.js';
import { call, sampleCard, startRegistry } from '../helpers/registry-fixture.js';
import { createTestSchema, postgresSkipReason, type TestSchema } from '../helpers/services.js';

const skip = await postgresSkipReason();

/** A transaction in `schema` holding `lock` until `release()`. */
async function holdLock(schema: TestSchema, lock: string): Promise<{ release: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: schema.url });
  await client.connect();
  await client.query('begin');
  await client.query(lock);
  return {
    release: async () => {
      await client.query('commit');
      await client.end();
    },
  };
}

/** Whether `promise` has settled by the time the microtasks queued now have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise<void>((resolve) => setImmediate(resolve));
  return done;
}

describe('advisory locks are per schema', { skip }, () => {
  const schemas: TestSchema[] = [];
  before(async () => {
    schemas.push(await createTestSchema(), await createTestSchema());
  });
  after(async () => {
    for (const schema of schemas) await schema.drop();
  });

  test("a registration in one schema commits while another schema's registry writers hold their lock", async () => {
    const [a, b] = schemas as [TestSchema, TestSchema];
    const registryA = await startRegistry({ databaseUrl: a.url });
    const registryB = await startRegistry({ databaseUrl: b.url });
    try {
      const held = await holdLock(a, REGISTRY_WRITE_LOCK);
      let waiting: Promise<{ status: number }> | undefined;
      try {
        waiting = call(registryA.url, 'PUT', '/v1/agents/waits-for-its-own-lock', { card: sampleCard('waits-for-its-own-lock') });
        const other = await call(registryB.url, 'PUT', '/v1/agents/other-schema', { card: sampleCard('other-schema') });
        assert.equal(other.status, 201, 'the other schema registered while the lock was held');
        assert.equal(await settled(waiting), false, "the same schema's registration waits for the lock: the held lock is the one it takes");
      } finally {
        await held.release();
      }
      assert.equal((await waiting).status, 201, 'and commits once it is released');
    } finally {
      await registryA.close();
      await registryB.close();
    }
  });

  test("an audit batch in one schema commits while another schema's chain lock is held", async () => {
    const [a, b] = schemas as [TestSchema, TestSchema];
    const opened: Database[] = [];
    const auditOf = async (schema: TestSchema) => {
      const database = await createDatabase({ url: schema.url, poolSize: 2 });
      opened.push(database);
      return createAuditLog({ database, logger: createLogger({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }), flushIntervalMs: 1 });
    };
    const entry = (taskId: string): AuditEntry => ({ eventType: 'a2a.call', actor: { kind: 'client', id: 'c' }, targetAgent: 'sales', taskId, tenant: 'acme', method: 'SendMessage', outcome: 'ok', milliCredits: 0, durationMs: 1, detail: {} });
    const auditA = await auditOf(a);
    const auditB = await auditOf(b);
    try {
      const held = await holdLock(a, AUDIT_CHAIN_LOCK);
      let waiting: Promise<void> | undefined;
      try {
        waiting = auditA.record(entry('same-schema'));
        await auditB.record(entry('other-schema'));
        assert.equal((await auditB.tail({ limit: 1 }))[0]?.taskId, 'other-schema', "the other schema's batch committed while the lock was held");
        assert.equal(await settled(waiting), false, "the same schema's batch waits for the lock: the held lock is the one it takes");
      } finally {
        await held.release();
      }
      await waiting;
      assert.equal((await auditA.tail({ limit: 1 }))[0]?.taskId, 'same-schema', 'and commits once it is released');
    } finally {
      await auditA.close().catch(() => undefined);
      await auditB.close().catch(() => undefined);
      for (const database of opened) await database.close();
    }
  });
});
