/**
 * Whatever an entry holds, appending it records exactly one row,
 * and `verify` finds the chain sound. 10,000 hostile entries (lone
 * surrogates, NUL, prototype-named keys, thousands-deep nesting, megabyte
 * strings, fields of the wrong type) into a real SQLite file.
 *
 * FC_SEED=<n> replays another seed (the default is fixed, so the test is deterministic).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { anyEntry, appendAndVerify } from './arbitrary-audit-entry.js';
import { openSqliteAuditLog } from '../../helpers/sqlite-audit-log.js';

const RUNS = 100;
const PER_RUN = 100;
const SEED = Number(process.env['FC_SEED'] ?? 15);

test('10,000 arbitrary entries make 10,000 rows and a chain that verifies (SQLite)', { timeout: 300_000 }, async (t) => {
  const { database, audit } = await openSqliteAuditLog(t, 'audit-entries');
  const started = performance.now();
  await fc.assert(
    fc.asyncProperty(fc.array(anyEntry, { minLength: PER_RUN, maxLength: PER_RUN }), (entries) => appendAndVerify(audit, entries)),
    { seed: SEED, numRuns: RUNS },
  );
  await audit.close();
  const count = database.sqlite!.prepare('SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM audit_log').get();
  assert.deepEqual(count, { n: RUNS * PER_RUN, lo: 1, hi: RUNS * PER_RUN });
  const whole = await audit.verify();
  assert.deepEqual({ ok: whole.ok, checked: whole.checked, problems: whole.problems }, { ok: true, checked: RUNS * PER_RUN, problems: [] });
  t.diagnostic(`seed ${SEED}: ${RUNS * PER_RUN} entries in ${((performance.now() - started) / 1000).toFixed(1)} s`);
});
