/**
 * On a real PostgreSQL, whose text columns refuse U+0000 and whose
 * driver writes U+FFFD for a lone surrogate: 1,000 hostile entries (the
 * arbitraries of the SQLite property test) make 1,000 rows and a chain that
 * verifies, and the lone-surrogate task id reads back as it was hashed.
 *
 * FC_SEED=<n> replays another seed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createAuditLog } from '../../src/audit/index.js';
import { createLogger, createMetrics } from '../../src/observability/index.js';
import { anyEntry, appendAndVerify } from '../integration/audit/arbitrary-audit-entry.js';
import { openPostgresDatabase } from '../helpers/database-backends.js';
import { startedForSuite } from '../helpers/suite-fixture.js';
import { closeInTurn } from '../helpers/close-in-turn.js';
import { postgresSkipReason, withPgClient } from '../helpers/services.js';

const skip = await postgresSkipReason();

const RUNS = 10;
const PER_RUN = 100;
const SEED = Number(process.env['FC_SEED'] ?? 15);

describe('hostile audit entries on PostgreSQL', { skip }, () => {
  const opened = startedForSuite(async () => {
    const postgres = await openPostgresDatabase({ poolSize: 2 });
    const audit = createAuditLog({ database: postgres.database, logger: createLogger({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }), flushIntervalMs: 60_000 });
    return { ...postgres, audit, close: () => closeInTurn(() => audit.close().catch(() => undefined), postgres) };
  });

  test('a lone-surrogate task id, NUL characters and prototype-named methods are stored as hashed', async () => {
    const id = (JSON.parse('{"id":"\\ud800"}') as { id: string }).id;
    const lookedUp: Record<string, unknown> = {};
    await appendAndVerify(opened().audit, [
      { eventType: 'a2a.call', actor: { kind: 'client', id: 'c-1' }, method: 'GetTask', taskId: id, outcome: 'ok', detail: { id } },
      { eventType: 'a2a.call', actor: { kind: 'client', id: 'c\u0000-1' }, method: '__proto__', userAgent: 'nul\u0000here', outcome: 'ok', detail: JSON.parse('{"__proto__":{"k":"\\u0000"}}') as Record<string, unknown> },
      { eventType: 'a2a.call', actor: { kind: 'client', id: 'c-1' }, method: lookedUp['toString'] as string, outcome: 'ok' },
    ]);
    await withPgClient(opened().schema.url, async (client) => {
      const { rows } = await client.query<{ task_id: string | null; actor_id: string; method: string; user_agent: string | null; detail: string }>(
        'SELECT task_id, actor_id, method, user_agent, detail FROM audit_log ORDER BY seq',
      );
      assert.deepEqual(rows, [
        { task_id: '\ufffd', actor_id: 'c-1', method: 'GetTask', user_agent: null, detail: '{"id":"\ufffd"}' },
        { task_id: null, actor_id: 'c\ufffd-1', method: '__proto__', user_agent: 'nul\ufffdhere', detail: '{"__proto__":{"k":"\ufffd"}}' },
        { task_id: null, actor_id: 'c-1', method: '[function toString]', user_agent: null, detail: '{"$coerced":{"method":"function toString"}}' },
      ]);
    });
  });

  test('1,000 arbitrary entries make 1,000 rows and a chain that verifies', { timeout: 300_000 }, async (t) => {
    const before = (await opened().audit.tail({ limit: 1 }))[0]?.seq ?? 0;
    await fc.assert(
      fc.asyncProperty(fc.array(anyEntry, { minLength: PER_RUN, maxLength: PER_RUN }), (entries) => appendAndVerify(opened().audit, entries)),
      { seed: SEED, numRuns: RUNS },
    );
    await opened().audit.close();
    const whole = await opened().audit.verify();
    assert.deepEqual(
      { ok: whole.ok, checked: whole.checked, problems: whole.problems, tip: whole.tip?.seq },
      { ok: true, checked: before + RUNS * PER_RUN, problems: [], tip: before + RUNS * PER_RUN },
    );
    t.diagnostic(`seed ${SEED}: ${RUNS * PER_RUN} entries`);
  });
});
