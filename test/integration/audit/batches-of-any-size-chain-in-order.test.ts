/**
 * The SQLite chain writer inserts a batch a few rows per statement: whatever
 * the batch size (one, just under, at and just over a statement's rows, many
 * statements), every row lands once, in order, as appended, and the chain
 * verifies, continuing a chain whose first rows were inserted one statement per row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditEntry } from '../../../src/audit/index.js';
import { toPendingRow } from '../../../src/audit/pending-row.js';
import { chainRows, GENESIS_TIP } from '../../../src/audit/row-hash.js';
import { openSqliteAuditLog } from '../../helpers/sqlite-audit-log.js';
import { insertAuditRow } from '../../helpers/audit-rows.js';

const BATCHES = [1, 63, 64, 65, 129, 200];

function entry(n: number): AuditEntry {
  return {
    eventType: 'a2a.call',
    actor: { kind: 'client', id: `c${n % 7}` },
    targetAgent: 'sales',
    taskId: `task-${n}`,
    ...(n % 2 === 0 && { skill: 'quote', user: `u\ud800${n}` }),
    tenant: 'acme',
    method: 'SendMessage',
    outcome: n % 5 === 0 ? 'error' : 'ok',
    durationMs: n,
    ...(n % 3 === 0 && { milliCredits: n * 10, detail: { reservedMilliCredits: n, settled: true, note: `\u0000${n}` } }),
  };
}

test('batches of any size are written in order, once each, continuing a chain written one row per statement', async (t) => {
  const { database, audit } = await openSqliteAuditLog(t, 'audit-batches');

  // The first rows as a writer inserting one row per statement left them.
  const head = chainRows(GENESIS_TIP, [0, 1, 2].map((n) => toPendingRow(entry(n), 1_000 + n)));
  for (const r of head) insertAuditRow(database.sqlite!, r);

  let n = head.length;
  const expected = head.map((r) => ({ ...r }));
  for (const size of BATCHES) {
    for (let i = 0; i < size; i++) {
      const e = entry(n++);
      audit.append(e);
      expected.push({ ...toPendingRow(e, 0), seq: n, prev_hash: '', hash: '' });
    }
    await audit.flush();
  }

  const rows = database.sqlite!.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Record<string, unknown>[];
  assert.equal(rows.length, n);
  for (const [i, row] of rows.entries()) {
    const want = expected[i]!;
    assert.equal(row['seq'], i + 1);
    assert.equal(row['task_id'], want.task_id);
    assert.equal(row['user_id'], want.user_id);
    assert.equal(row['skill'], want.skill);
    assert.equal(row['outcome'], want.outcome);
    assert.equal(row['duration_ms'], want.duration_ms);
    assert.equal(row['milli_credits'], want.milli_credits);
    assert.equal(row['detail'], want.detail);
    if (i > 0) assert.equal(row['prev_hash'], rows[i - 1]!['hash']);
  }
  const verified = await audit.verify();
  assert.deepEqual({ ok: verified.ok, checked: verified.checked, problems: verified.problems }, { ok: true, checked: n, problems: [] });
});
