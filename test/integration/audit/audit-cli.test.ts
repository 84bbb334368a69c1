/**
 * `agentmesh audit verify|tail|export` against a real SQLite file, run
 * in-process through commander exactly as the program runs a command.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { createAuditLog, type AuditEntry, type AuditRow } from '../../../src/audit/index.js';
import { resolveCliIO, type CliContext } from '../../../src/cli/index.js';
import { auditCommand } from '../../../src/cli/commands/audit/audit.js';
import { printTail } from '../../../src/cli/commands/audit/audit-tail.js';
import { createLogger, createMetrics } from '../../../src/observability/index.js';
import { createDatabase } from '../../../src/storage/index.js';
import { AUDIT_FIELD_COLUMNS } from '../../../src/storage/migrations/0023-audit-rows-as-text.js';
import { Capture, runCommand } from '../cli/cli-harness.js';
import { isolatedCliEnv } from '../../helpers/isolated-cli-env.js';

const ROWS = 12_000;
let dir: string;

const entry = (i: number): AuditEntry => ({
  // One row a day from 2026-01-01 for the first 10, then all on 2026-02-01.
  time: i <= 10 ? `2026-01-${String(i).padStart(2, '0')}T09:00:00.000Z` : '2026-02-01T09:00:00.000Z',
  eventType: i % 100 === 0 ? 'auth.denied' : 'a2a.call',
  actor: { kind: 'client', id: `client-${i % 5}` },
  targetAgent: 'finance',
  tenant: 'acme',
  outcome: i % 100 === 0 ? 'denied' : 'ok',
  milliCredits: i,
});

function context(stdout: Capture, stderr: Capture, env: Record<string, string | undefined> = {}): { ctx: CliContext; code: () => number } {
  let code = 0;
  return { ctx: { io: resolveCliIO({ stdout, stderr, env: isolatedCliEnv(env) }), setExitCode: (c) => (code = c) }, code: () => code };
}

/** Runs `agentmesh audit <argv>` the way runCli does: commander errors are usage errors, others are reported. */
function audit(argv: string[], env: Record<string, string | undefined> = {}): ReturnType<typeof runCommand> {
  return runCommand(auditCommand, argv, env);
}

async function appendRows(from: number, to: number): Promise<void> {
  const database = await createDatabase({ sqlitePath: join(dir, 'mesh.db') });
  const log = createAuditLog({ database, logger: createLogger({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }) });
  for (let i = from; i <= to; i++) log.append(entry(i));
  await log.close();
  await database.close();
}

function tamper(statement: string): void {
  const raw = new BetterSqlite3(join(dir, 'mesh.db'));
  try {
    raw.prepare(statement).run();
  } finally {
    raw.close();
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agentmesh-audit-cli-'));
  await appendRows(1, ROWS);
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('verify reports a sound chain with progress on stderr and the tip on stdout', async () => {
  const run = await audit(['verify', '--data-dir', dir]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`^audit chain ok: ${ROWS} rows checked; tip seq ${ROWS} hash [0-9a-f]{64}\\n$`));
  assert.match(run.stderr, /^verified 10000 rows…\n$/);
});

test('verify finds the database through AGENTMESH_DATA_DIR and prints JSON with --json', async () => {
  const run = await audit(['verify', '--json'], { AGENTMESH_DATA_DIR: dir });
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout) as { ok: boolean; checked: number; problems: unknown[]; tip: { seq: number } };
  assert.deepEqual({ ok: result.ok, checked: result.checked, problems: result.problems, tip: result.tip.seq }, { ok: true, checked: ROWS, problems: [], tip: ROWS });
});

test('tail prints a line per row for people: seq, time, event, outcome, agent, tenant, actor, credits', async () => {
  const newest = await audit(['tail', '--data-dir', dir, '--limit', '2']);
  assert.equal(newest.code, 0, newest.stderr);
  assert.deepEqual(newest.lines, [
    `${ROWS - 1}  2026-02-01T09:00:00.000Z  a2a.call  ok  finance  tenant acme  client client-${(ROWS - 1) % 5}  ${((ROWS - 1) / 1000).toFixed(3)} credits`,
    `${ROWS}  2026-02-01T09:00:00.000Z  auth.denied  denied  finance  tenant acme  client client-${ROWS % 5}  ${(ROWS / 1000).toFixed(3)} credits`,
  ]);
});

test('tail prints the newest rows, or the rows after --since, as JSON lines with --json', async () => {
  const newest = await audit(['tail', '--data-dir', dir, '--limit', '3', '--json']);
  assert.equal(newest.code, 0, newest.stderr);
  const rows = newest.lines.map((l) => JSON.parse(l) as AuditRow);
  assert.deepEqual(rows.map((r) => r.seq), [ROWS - 2, ROWS - 1, ROWS]);
  assert.deepEqual(Object.keys(rows[0]!), ['seq', 'time', 'eventType', 'actor', 'targetAgent', 'tenant', 'milliCredits', 'outcome', 'prevHash', 'hash']);
  const since = await audit(['tail', '--data-dir', dir, '--since', '99', '--limit', '2', '--json']);
  assert.deepEqual(since.lines.map((l) => (JSON.parse(l) as AuditRow).seq), [100, 101]);
  assert.equal((JSON.parse(since.lines[0]!) as AuditRow).eventType, 'auth.denied');
});

test('tail --follow prints new rows as they are written, until stopped', async () => {
  const stdout = new Capture();
  const { ctx } = context(stdout, new Capture());
  const database = await createDatabase({ sqlitePath: join(dir, 'mesh.db'), migrate: false });
  const reader = createAuditLog({ database, logger: createLogger({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }) });
  const stop = new AbortController();
  try {
    const following = printTail(ctx, reader, { limit: 1, pollMs: 20, json: true }, stop.signal);
    await stdout.waitFor(`"seq":${ROWS},`);
    // Another connection (a gateway) writes while we follow.
    await appendRows(ROWS + 1, ROWS + 3);
    await stdout.waitFor(`"seq":${ROWS + 3},`);
    stop.abort();
    assert.equal(await following, 0);
    assert.deepEqual(stdout.lines.map((l) => (JSON.parse(l) as AuditRow).seq), [ROWS, ROWS + 1, ROWS + 2, ROWS + 3]);
  } finally {
    await reader.close();
    await database.close();
  }
});

test('export prints the rows of a time range as JSON lines', async () => {
  const run = await audit(['export', '--data-dir', dir, '--from', '2026-01-03', '--to', '2026-01-06T00:00:00Z']);
  assert.equal(run.code, 0, run.stderr);
  const rows = run.lines.map((l) => JSON.parse(l) as AuditRow);
  assert.deepEqual(rows.map((r) => [r.seq, r.time]), [
    [3, '2026-01-03T09:00:00.000Z'],
    [4, '2026-01-04T09:00:00.000Z'],
    [5, '2026-01-05T09:00:00.000Z'],
  ]);
  const all = await audit(['export', '--data-dir', dir]);
  assert.ok(all.lines.length >= ROWS);
});

test('bad flags are usage errors (exit 2) that say what was expected', async () => {
  const badTime = await audit(['export', '--data-dir', dir, '--from', 'last week']);
  assert.equal(badTime.code, 2);
  assert.match(badTime.stderr, /expected an ISO 8601 date or date-time/);
  const badLimit = await audit(['tail', '--data-dir', dir, '--limit', '0']);
  assert.equal(badLimit.code, 2);
  assert.match(badLimit.stderr, /expected an integer from 1 to 10000/);
  const badAnchor = await audit(['verify', '--data-dir', dir, '--anchor', '12:abc']);
  assert.equal(badAnchor.code, 2);
  assert.match(badAnchor.stderr, /expected <seq>:<hash>/);
});

test('a missing database or a file without the audit table is named, not read as an empty chain', async () => {
  const missing = await audit(['verify', '--data-dir', join(dir, 'nowhere')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^error: no database at .*nowhere\/mesh\.db: pass --data-dir <dir> \(the gateway's\) or set DATABASE_URL\n$/);
  const otherDir = mkdtempSync(join(tmpdir(), 'agentmesh-audit-empty-'));
  try {
    writeFileSync(join(otherDir, 'mesh.db'), '');
    const empty = await audit(['verify', '--data-dir', otherDir]);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /has no audit_log table: has a gateway run against it\?/);
  } finally {
    rmSync(otherDir, { recursive: true, force: true });
  }
});

// Last: it breaks the chain the other tests read.
test('verify exits 1 and names every modified, deleted and truncated row; the anchor shows the cut tip', async () => {
  const sound = await audit(['verify', '--data-dir', dir]);
  const tip = /tip seq (\d+) hash ([0-9a-f]{64})/.exec(sound.stdout)!;
  tamper(`UPDATE audit_log_rows SET fields = json_set(fields, '$[${AUDIT_FIELD_COLUMNS.indexOf('tenant')}]', 'globex') WHERE seq = 5`);
  tamper('DELETE FROM audit_log_rows WHERE seq = 9');
  tamper(`DELETE FROM audit_log_rows WHERE seq > ${ROWS}`);
  const run = await audit(['verify', '--data-dir', dir, '--anchor', `${tip[1]}:${tip[2]}`]);
  assert.equal(run.code, 1);
  const lines = run.stdout.split('\n');
  assert.match(lines[0]!, new RegExp(`^audit chain BROKEN: 3 problems in ${ROWS - 1} rows checked$`));
  assert.match(lines[1]!, /^ {2}seq +5 {2}modified {5}row 5 no longer matches its hash/);
  assert.match(lines[2]!, /^ {2}seq +9 {2}deleted {6}row 9 is missing$/);
  assert.match(lines[3]!, new RegExp(`^  seq ${ROWS + 1}  truncated    the log ends at row ${ROWS} but the anchor records row ${ROWS + 3}: rows ${ROWS + 1}..${ROWS + 3} were deleted$`));
  assert.match(lines[4]!, new RegExp(`^tip seq ${ROWS} hash [0-9a-f]{64}$`));
});
