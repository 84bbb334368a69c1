/**
 * Regressions: a GetTask whose id is the lone surrogate "\ud800" made
 * `agentmesh audit verify` name its row as modified (the row read back with
 * U+FFFD, not what was hashed); a method named toString, __proto__ or
 * constructor, handed over as Object.prototype's function, lost its entry
 * ("audit entry method must be a string, got function"). On a real SQLite file,
 * verified through the CLI command as an operator runs it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditLog, hashInput, type AuditEntry } from '../../../src/audit/index.js';
import { createLogger, createMetrics } from '../../../src/observability/index.js';
import { createDatabase, type Database } from '../../../src/storage/index.js';
import { auditCommand } from '../../../src/cli/commands/audit/audit.js';
import { runCommand } from '../cli/cli-harness.js';

const call = (extra: Partial<AuditEntry>): AuditEntry => ({ eventType: 'a2a.call', actor: { kind: 'client', id: 'client-1' }, targetAgent: 'sales', tenant: 'acme', outcome: 'ok', ...extra });

async function openLog(t: { after(fn: () => Promise<void>): void }): Promise<{ dir: string; database: Database; audit: ReturnType<typeof createAuditLog>; warnings: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-hostile-entries-'));
  const database = await createDatabase({ sqlitePath: join(dir, 'mesh.db') });
  const warnings: string[] = [];
  const logger = createLogger({ level: 'warn', destination: { write: (line: string) => void warnings.push(line) } });
  const audit = createAuditLog({ database, logger, metrics: createMetrics({ defaultMetrics: false }), flushIntervalMs: 60_000 });
  t.after(async () => {
    await audit.close().catch(() => undefined);
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, database, audit, warnings };
}

test('a GetTask whose id is a lone surrogate is stored as U+FFFD and verify finds the chain sound', async (t) => {
  const { dir, database, audit, warnings } = await openLog(t);
  const params = JSON.parse('{"id":"\\ud800"}') as { id: string };
  audit.append(call({ method: 'GetTask', taskId: params.id, inputHash: hashInput(params), detail: { id: params.id } }));
  audit.append(call({ method: 'GetTask', taskId: 'task-\u0000-nul', userAgent: 'x\udc00y' }));
  await audit.close();

  const stored = database.sqlite!.prepare('SELECT seq, task_id, user_agent, detail FROM audit_log ORDER BY seq').all();
  assert.deepEqual(stored, [
    { seq: 1, task_id: '\ufffd', user_agent: null, detail: '{"id":"\ufffd"}' },
    { seq: 2, task_id: 'task-\ufffd-nul', user_agent: 'x\ufffdy', detail: null },
  ]);
  const rows = await audit.tail();
  assert.deepEqual(rows.map((r) => [r.taskId, r.detail]), [['\ufffd', { id: '\ufffd' }], ['task-\ufffd-nul', undefined]]);
  assert.deepEqual(await audit.verify().then((r) => ({ ok: r.ok, checked: r.checked, problems: r.problems })), { ok: true, checked: 2, problems: [] });
  // Well-formed strings are not "wrong types": nothing to warn about.
  assert.deepEqual(warnings, []);

  const cli = await runCommand(auditCommand, ['verify', '--data-dir', dir]);
  assert.equal(cli.code, 0, cli.stdout + cli.stderr);
  assert.match(cli.stdout, /^audit chain ok: 2 rows checked; tip seq 2 hash [0-9a-f]{64}\n$/);
  assert.doesNotMatch(cli.stdout, /modified/);
});

test('methods named toString, __proto__ and constructor are each audited once, as strings or as the functions a lookup returned', async (t) => {
  const { audit, warnings } = await openLog(t);
  const names = ['toString', '__proto__', 'constructor'];
  for (const method of names) audit.append(call({ method, detail: JSON.parse(`{"${method}":"${method}"}`) as Record<string, unknown> }));
  // What a classifier that did `table[method]` on a plain object handed over (a bug the gateway once had).
  const lookedUp: Record<string, unknown> = {};
  for (const method of names) audit.append(call({ method: lookedUp[method] as string }));
  await audit.flush();

  const rows = await audit.tail();
  assert.equal(rows.length, 6);
  assert.deepEqual(
    rows.slice(0, 3).map((r) => [r.method, JSON.stringify(r.detail)]),
    names.map((name) => [name, `{"${name}":"${name}"}`]),
  );
  // The detail's "__proto__" is an own key read back, not the prototype.
  assert.equal(Object.hasOwn(rows[1]!.detail!, '__proto__'), true);
  assert.deepEqual(
    rows.slice(3).map((r) => [r.method, r.detail]),
    [
      ['[function toString]', { $coerced: { method: 'function toString' } }],
      ['[object]', { $coerced: { method: 'object' } }],
      ['[function Object]', { $coerced: { method: 'function Object' } }],
    ],
  );
  assert.equal(warnings.length, 3);
  assert.deepEqual((JSON.parse(warnings[0]!) as { coerced: unknown }).coerced, { method: 'function toString' });
  const result = await audit.verify();
  assert.deepEqual({ ok: result.ok, checked: result.checked, problems: result.problems }, { ok: true, checked: 6, problems: [] });
});
