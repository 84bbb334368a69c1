/**
 * Tampering with the audit table of a real SQLite file, the way someone with
 * the file would (a second connection, plain SQL: the stored rows of
 * `audit_log_rows`, whose `fields` text the `audit_log` view reads), and what
 * verify names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { createAuditLog, type AuditEntry, type AuditLog } from '../../../src/audit/index.js';
import { createLogger, createMetrics } from '../../../src/observability/index.js';
import { createDatabase, type Database } from '../../../src/storage/index.js';
import { setAuditColumnSql, writeAuditRow, type StoredAuditRow } from '../../helpers/audit-rows.js';

interface Chain {
  file: string;
  database: Database;
  audit: AuditLog;
  /** A second connection to the same file: the tamperer. */
  raw: BetterSqlite3.Database;
}

const entry = (i: number): AuditEntry => ({
  eventType: i % 10 === 0 ? 'credits.reserved' : 'a2a.call',
  actor: { kind: 'client', id: `client-${i % 3}` },
  targetAgent: 'sales',
  taskId: `task-${i}`,
  tenant: i % 2 ? 'acme' : 'globex',
  method: 'SendMessage',
  outcome: 'ok',
  milliCredits: 250 * i,
  durationMs: i % 17,
});

async function chainOf(t: { after(fn: () => Promise<void> | void): void }, rows: number, options: { checkpointEveryRows?: number } = {}): Promise<Chain> {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-audit-'));
  const file = join(dir, 'mesh.db');
  const database = await createDatabase({ sqlitePath: file });
  const audit = createAuditLog({ database, logger: createLogger({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }), maxBatch: 100, ...options });
  for (let i = 1; i <= rows; i++) audit.append(entry(i));
  await audit.flush();
  const raw = new BetterSqlite3(file);
  raw.pragma('busy_timeout = 5000');
  t.after(async () => {
    raw.close();
    await audit.close().catch(() => undefined);
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { file, database, audit, raw };
}

test('an intact chain verifies, with progress reported', async (t) => {
  const { audit } = await chainOf(t, 5000);
  const progress: number[] = [];
  const result = await audit.verify({ onProgress: (n) => progress.push(n) });
  assert.deepEqual({ ok: result.ok, checked: result.checked, problems: result.problems }, { ok: true, checked: 5000, problems: [] });
  assert.equal(result.tip?.seq, 5000);
  assert.deepEqual(progress, [2000, 4000, 5000]);
});

test('one field changed in one row: verify names that row as modified', async (t) => {
  const { audit, raw } = await chainOf(t, 300);
  raw.prepare(setAuditColumnSql('milli_credits')).run(0, 137);
  const result = await audit.verify();
  assert.equal(result.ok, false);
  assert.deepEqual(result.problems.map((p) => [p.seq, p.kind]), [[137, 'modified']]);
  assert.match(result.problems[0]!.detail, /row 137 no longer matches its hash/);
});

test('one row deleted in the middle: verify names the gap', async (t) => {
  const { audit, raw } = await chainOf(t, 300);
  raw.prepare('DELETE FROM audit_log_rows WHERE seq = 150').run();
  const result = await audit.verify();
  assert.deepEqual(result.problems.map((p) => [p.seq, p.kind, p.detail]), [[150, 'deleted', 'row 150 is missing']]);
  assert.equal(result.checked, 299);
});

test('a range deleted at the start: verify names it from seq 1', async (t) => {
  const { audit, raw } = await chainOf(t, 50);
  raw.prepare('DELETE FROM audit_log_rows WHERE seq <= 3').run();
  const result = await audit.verify();
  assert.deepEqual(result.problems.map((p) => [p.seq, p.kind, p.detail]), [[1, 'deleted', 'rows 1..3 are missing (3 rows)']]);
});

test('the newest rows deleted: verify reports the log truncated, from the checkpoint', async (t) => {
  const { audit, raw } = await chainOf(t, 300, { checkpointEveryRows: 100 });
  await audit.close(); // checkpoints the tip, 300
  raw.prepare('DELETE FROM audit_log_rows WHERE seq > 290').run();
  const result = await audit.verify();
  assert.deepEqual(result.problems.map((p) => [p.seq, p.kind]), [[291, 'truncated']]);
  assert.match(result.problems[0]!.detail, /the log ends at row 290 but the checkpoint of .* records row 300: rows 291..300 were deleted/);
});

test('two rows with their contents swapped: verify names both', async (t) => {
  const { audit, raw } = await chainOf(t, 300);
  raw.transaction(() => {
    const get = (seq: number) => raw.prepare('SELECT * FROM audit_log WHERE seq = ?').get(seq) as StoredAuditRow;
    const a = get(40);
    const b = get(200);
    writeAuditRow(raw, { ...b, seq: 40 });
    writeAuditRow(raw, { ...a, seq: 200 });
  })();
  const result = await audit.verify();
  const named = [...new Set(result.problems.map((p) => p.seq))].sort((x, y) => x - y);
  assert.deepEqual(named, [40, 41, 200, 201]);
  assert.deepEqual(result.problems.filter((p) => p.kind === 'modified').map((p) => p.seq), [40, 200]);
});

test('two rows swapped with their hashes re-computed: verify names the broken links', async (t) => {
  const { audit, raw } = await chainOf(t, 100);
  // Swap the data of 30 and 31 only, then re-hash each in place: each row is self-consistent again.
  const { rowHash } = await import('../../../src/audit/row-hash.js');
  raw.transaction(() => {
    const get = (seq: number) => raw.prepare('SELECT * FROM audit_log WHERE seq = ?').get(seq) as StoredAuditRow;
    const a = get(30);
    const b = get(31);
    const rehash = (seq: number, content: StoredAuditRow, prev: string) => {
      const row = { ...content, seq, prev_hash: prev };
      writeAuditRow(raw, { ...row, hash: rowHash(prev, row) });
    };
    rehash(30, b, a.prev_hash);
    rehash(31, a, b.prev_hash);
  })();
  const result = await audit.verify();
  assert.deepEqual(result.problems.map((p) => [p.seq, p.kind]), [[31, 'broken-link'], [32, 'broken-link']]);
});

test('a chain rewritten and re-hashed to its tip: the checkpoint names the rewritten row', async (t) => {
  const { audit, raw } = await chainOf(t, 250, { checkpointEveryRows: 100 });
  await audit.close(); // checkpoints the tip, 250
  const { rowHash } = await import('../../../src/audit/row-hash.js');
  // Change row 220 and re-hash everything after it, so every link holds again.
  raw.transaction(() => {
    raw.prepare(setAuditColumnSql('milli_credits')).run(1, 220);
    let prev = (raw.prepare('SELECT hash FROM audit_log WHERE seq = 219').get() as { hash: string }).hash;
    for (const row of raw.prepare('SELECT * FROM audit_log WHERE seq >= 220 ORDER BY seq').all() as Array<Parameters<typeof rowHash>[1]>) {
      const hash = rowHash(prev, row);
      raw.prepare('UPDATE audit_log_rows SET prev_hash = ?, hash = ? WHERE seq = ?').run(prev, hash, row.seq);
      prev = hash;
    }
  })();
  const checkpoints = (raw.prepare('SELECT seq FROM audit_checkpoints ORDER BY seq').all() as Array<{ seq: number }>).map((r) => r.seq);
  assert.deepEqual(checkpoints, [100, 200, 250]);
  const result = await audit.verify();
  assert.deepEqual(result.problems.map((p) => [p.seq, p.kind]), [[250, 'modified']]);
  assert.match(result.problems[0]!.detail, /the checkpoint of .* recorded hash .* for row 250, which now has .*: the chain was rewritten up to here/);
});

test('an anchor kept outside the database catches a rewrite of rows and checkpoints together', async (t) => {
  const { audit, raw } = await chainOf(t, 120);
  await audit.close(); // checkpoints the tip, 120
  const anchor = (await audit.verify()).tip!;
  const { rowHash } = await import('../../../src/audit/row-hash.js');
  // Rewrite the newest row, re-hash it, and fix its checkpoint too: only the anchor still knows.
  const row = raw.prepare('SELECT * FROM audit_log WHERE seq = 120').get() as StoredAuditRow;
  const forged = rowHash(row.prev_hash, { ...row, milli_credits: 0 });
  writeAuditRow(raw, { ...row, milli_credits: 0, hash: forged });
  raw.prepare('UPDATE audit_checkpoints SET hash = ? WHERE seq = 120').run(forged);
  assert.equal((await audit.verify()).ok, true);
  const result = await audit.verify({ anchor });
  assert.deepEqual(result.problems.map((p) => [p.seq, p.kind]), [[120, 'modified']]);
  assert.match(result.problems[0]!.detail, /the anchor recorded hash .* for row 120/);
  await assert.rejects(audit.verify({ anchor: { seq: 1, hash: 'nope' } }), { code: 'AM_ERR_AUDIT_INVALID_ARGUMENT', message: /"anchor.hash" option must be 64 lowercase hex digits/ });
});

test('verify from/to checks a slice, linking it to the row before', async (t) => {
  const { audit, raw } = await chainOf(t, 300);
  raw.prepare(setAuditColumnSql('tenant')).run('mallory', 250);
  const slice = await audit.verify({ from: 100, to: 200 });
  assert.deepEqual({ ok: slice.ok, checked: slice.checked }, { ok: true, checked: 101 });
  const tail = await audit.verify({ from: 201 });
  assert.deepEqual(tail.problems.map((p) => [p.seq, p.kind]), [[250, 'modified']]);
  await assert.rejects(audit.verify({ from: 10, to: 5 }), { message: '"to" option must be an integer >= 10, got 5' });
});

test('10,000 appends from concurrent callers on two connections form one gapless chain', async (t) => {
  const { audit, database, file } = await chainOf(t, 0);
  // A second gateway on the same file: its own connection, its own batches.
  const other = await createDatabase({ sqlitePath: file });
  const otherAudit = createAuditLog({ database: other, logger: createLogger({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }), maxBatch: 64, flushIntervalMs: 2 });
  t.after(async () => {
    await otherAudit.close().catch(() => undefined);
    await other.close();
  });
  const callers = 100;
  const perCaller = 100;
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      const log = caller % 2 ? otherAudit : audit;
      for (let i = 0; i < perCaller; i++) {
        log.append({ ...entry(i), actor: { kind: 'client', id: `caller-${caller}` }, taskId: `${caller}:${i}` });
        // Interleave callers the way request handlers do: a turn of the event loop between calls.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }),
  );
  await Promise.all([audit.close(), otherAudit.close()]);
  const stats = database.sqlite!.prepare('SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi, count(DISTINCT task_id) AS tasks FROM audit_log').get();
  assert.deepEqual(stats, { n: 10_000, lo: 1, hi: 10_000, tasks: 10_000 });
  const result = await audit.verify();
  assert.deepEqual({ ok: result.ok, checked: result.checked }, { ok: true, checked: 10_000 });
  // Each caller's entries keep their order within the chain.
  const order = database.sqlite!.prepare("SELECT task_id FROM audit_log WHERE actor_id = 'caller-7' ORDER BY seq").all() as Array<{ task_id: string }>;
  assert.deepEqual(order.map((r) => r.task_id), Array.from({ length: perCaller }, (_, i) => `7:${i}`));
});
