/**
 * The gateway's accounting of a priced call alone, in process, as the
 * forward step runs it with the answer journal (ADR 0047): the hold on a
 * lease, its move to the task's key, the settlement (journaled), the
 * message's input hash, the audit row prepared and journaled, the turn's
 * journal write; the lease batches and the audit batches written every
 * `--batch` calls (explicit flushes, so a batch holds the same calls
 * whatever the speed, under valgrind too). Prints CPU µs per call.
 *
 *   node dist/bench/gateway/accounting-per-call.js --calls 20000 [--root <a built tree>] [--batch 200] [--turn 10]
 *
 * `--root`: the built tree whose `dist/src` is measured (default this one):
 * the same script measures another worktree's code, for alternated pairs.
 * Instructions, load-independent: run it under `valgrind --tool=callgrind`
 * with two `--calls` values; the difference of the totals over the
 * difference of the calls is the instructions of a call, start-up left out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '20000' }, root: { type: 'string' }, batch: { type: 'string', default: '200' }, turn: { type: 'string', default: '10' } } });
const root = resolve(values.root ?? join(fileURLToPath(new URL('.', import.meta.url)), '../../..'));
const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(root, 'dist/src', path)).href)) as T;

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- another tree's modules, loaded by path
const audit: Any = await load('audit/index.js');
const gateway: Any = await load('gateway/answer-journal.js');
const credits: Any = await load('gateway/credits/index.js');
const observability: Any = await load('observability/index.js');
const storage: Any = await load('storage/index.js');
const tenancy: Any = await load('tenancy/index.js');

const calls = Number(values.calls);
const batch = Number(values.batch);
const turn = Number(values.turn);
const dir = mkdtempSync(join(tmpdir(), 'agentmesh-accounting-'));
const logger = observability.createLogger({ level: 'silent' });
const metrics = () => observability.createMetrics({ defaultMetrics: false });
const database = await storage.createDatabase({ sqlitePath: join(dir, 'mesh.db') });
const ledger = tenancy.createCreditLedger({ database, logger, metrics: metrics() });
await ledger.topUp('bench', 1_000_000_000_000, 'bench');
const journal = gateway.AnswerJournal.open({ dir: join(dir, 'journal'), logger });
const log = audit.createAuditLog({ database, logger, metrics: metrics(), journal: journal.name, flushIntervalMs: 60_000, maxBatch: 10_000 });
const holds = new credits.LeasedCreditHolds({ ledger, logger, journal, flushMs: 3_600_000, maxBatch: 100_000, leaseCalls: 100_000 });
journal.attach({ audit: log, credits: holds });

const clientId = 'cl_0193f3a47b1c7c2d9e8f0a1b2c3d4e5f';
async function call(i: number): Promise<void> {
  const messageId = `acct-${process.pid}-${i}`;
  const message = { messageId, role: 'ROLE_USER', parts: [{ text: 'score lead 42' }] };
  const key = `bench:bench:${messageId}`;
  const held = holds.reserveNow({ tenant: 'bench', key, milliCredits: 1_000, agent: 'bench', skill: 'score', clientId });
  if (held instanceof Promise) await held;
  const taskId = `0193f3a4-7b1c-7c2d-9e8f-${String(i).padStart(12, '0')}`;
  const taskKey = `task/bench:bench:${taskId}`;
  const moved = holds.rekeyNow(key, taskKey);
  if (moved instanceof Promise) await moved;
  const settled = holds.settleNow(taskKey, 1_000, { state: 'completed' });
  const charged = (settled instanceof Promise ? await settled : settled).chargedMilliCredits as number;
  const entry = {
    eventType: 'a2a.call',
    actor: { kind: 'client', id: clientId },
    tenant: 'bench',
    targetAgent: 'bench',
    taskId,
    skill: 'score',
    ip: '127.0.0.1',
    method: 'SendMessage',
    inputHash: audit.hashInput(message),
    durationMs: 3.2,
    milliCredits: charged,
    outcome: 'ok',
    detail: { pii: { action: 'flag', counts: {} }, reservedMilliCredits: 1_000, settled: true },
  };
  journal.audit(log, log.prepare(entry));
}

const run = async (from: number, count: number): Promise<void> => {
  for (let i = from; i < from + count; i++) {
    await call(i);
    if ((i + 1) % turn === 0) await journal.written();
    if ((i + 1) % batch === 0) await Promise.all([holds.flush(), log.flush()]);
  }
  await journal.written();
  await Promise.all([holds.flush(), log.flush()]);
};

// A lease first and the code warm, then the measured calls.
await run(0, Math.min(2_000, calls));
const started = process.cpuUsage();
await run(1_000_000, calls);
const used = process.cpuUsage(started);
process.stdout.write(`${root}: ${((used.user + used.system) / calls).toFixed(2)} µs of CPU per call (${calls} calls, batches of ${batch}, a journal write every ${turn})\n`);
const verdict = await log.verify();
if (!verdict.ok) throw new Error(`the chain does not verify: ${JSON.stringify(verdict.problems)}`);
if (!(await ledger.reconcile()).ok) throw new Error('the ledger does not reconcile');
await holds.close();
await log.close();
await journal.close();
await database.close();
rmSync(dir, { recursive: true, force: true });
