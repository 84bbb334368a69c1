/**
 * The gateway's accounting of a priced call alone, in process, as the
 * forward step runs it with the answer journal (ADR 0047): the hold on a
 * lease, its move to the task's key, the settlement (journaled), the
 * message's input hash, the audit row prepared and journaled, the turn's
 * journal write; the lease batches and the audit batches written every
 * `--batch` calls (explicit flushes, so a batch holds the same calls
 * whatever the speed, under valgrind too). Prints CPU µs per call.
 *
 *   node dist/bench/gateway/accounting-per-call.js --calls 20000 [--root <a built tree>] [--batch 200] [--turn 10] [--split] [--skip-checks]
 *
 * `--split`: also the CPU of each part, per call: the journal's writes, the
 * lease batches and the audit batches (each timed around its flush, one
 * `cpuUsage` pair per write, not per call) and the rest, the calls
 * themselves (holds, hashes, the row prepared, the lines queued).
 *
 * `--root`: the built tree whose `dist/src` is measured (default this one):
 * the same script measures another worktree's code, for alternated pairs.
 * Instructions, load-independent: run it under `valgrind --tool=callgrind`
 * with two `--calls` values and `--skip-checks`; the difference of the
 * totals over the difference of the calls is the instructions of a call,
 * start-up left out. (The checks at the end, the chain verified and the
 * ledger reconciled, walk every row: with them the difference holds a
 * verification per call too.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '20000' }, root: { type: 'string' }, batch: { type: 'string', default: '200' }, turn: { type: 'string', default: '10' }, split: { type: 'boolean', default: false }, 'skip-checks': { type: 'boolean', default: false } } });
const root = resolve(values.root ?? join(fileURLToPath(new URL('.', import.meta.url)), '../../..'));
const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(root, 'dist/src', path)).href)) as T;

type Any = any;  
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

/** CPU µs of each timed part, with `--split`. */
const parts = { journal: 0, credits: 0, audit: 0 };
const split = values.split;
const timed = async (part: keyof typeof parts, work: () => Promise<unknown>): Promise<void> => {
  if (!split) {
    await work();
    return;
  }
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  parts[part] += used.user + used.system;
};
const flushes = async (): Promise<void> => {
  if (!split) await Promise.all([holds.flush(), log.flush()]);
  else {
    await timed('credits', () => holds.flush());
    await timed('audit', () => log.flush());
  }
};
const run = async (from: number, count: number): Promise<void> => {
  for (let i = from; i < from + count; i++) {
    await call(i);
    if ((i + 1) % turn === 0) await timed('journal', () => journal.written());
    if ((i + 1) % batch === 0) await flushes();
  }
  await timed('journal', () => journal.written());
  await flushes();
};

// A lease first and the code warm, then the measured calls.
await run(0, Math.min(2_000, calls));
parts.journal = parts.credits = parts.audit = 0;
const started = process.cpuUsage();
await run(1_000_000, calls);
const used = process.cpuUsage(started);
const total = used.user + used.system;
process.stdout.write(`${root}: ${(total / calls).toFixed(2)} µs of CPU per call (${calls} calls, batches of ${batch}, a journal write every ${turn})\n`);
if (split) {
  const calls_ = total - parts.journal - parts.credits - parts.audit;
  const perCall = (us: number): string => (us / calls).toFixed(2);
  process.stdout.write(`  the calls ${perCall(calls_)}, journal writes ${perCall(parts.journal)}, lease batches ${perCall(parts.credits)}, audit batches ${perCall(parts.audit)} µs per call\n`);
}
if (!values['skip-checks']) {
  const verdict = await log.verify();
  if (!verdict.ok) throw new Error(`the chain does not verify: ${JSON.stringify(verdict.problems)}`);
  if (!(await ledger.reconcile()).ok) throw new Error('the ledger does not reconcile');
}
await holds.close();
await log.close();
await journal.close();
await database.close();
rmSync(dir, { recursive: true, force: true });
