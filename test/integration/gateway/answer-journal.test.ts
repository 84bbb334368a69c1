/**
 * The gateway's answer journal (ADR 0047) on a real SQLite file: slots per
 * gateway, files dropped once their contents are committed, and a replay
 * that writes only what the database lacks, however often it runs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createAuditLog, rowOfFields, type AuditLog } from '../../../src/audit/index.js';
import { AnswerJournal } from '../../../src/gateway/answer-journal.js';
import { LeasedCreditHolds } from '../../../src/gateway/credits/index.js';
import { createLogger, createMetrics } from '../../../src/observability/index.js';
import { createDatabase } from '../../../src/storage/index.js';
import { createCreditLedger } from '../../../src/tenancy/index.js';
import { until } from '../../helpers/until.js';
import { TS_CHILD_ARGV } from '../../helpers/typescript-child.js';

const logger = createLogger({ level: 'silent' });
const metrics = () => createMetrics({ defaultMetrics: false });
const TENANT = 'journal-tenant';

/** A gateway's write side on `file`: ledger, audit log and leased credits, all told of `journal`. */
async function writeSide(file: string, journal: AnswerJournal, windows: { creditsMs: number; auditMs: number }) {
  const database = await createDatabase({ sqlitePath: file });
  const ledger = createCreditLedger({ database, logger, metrics: metrics() });
  const audit = createAuditLog({ database, logger, metrics: metrics(), journal: journal.name, flushIntervalMs: windows.auditMs });
  const credits = new LeasedCreditHolds({ ledger, logger, flushMs: windows.creditsMs, journal });
  journal.attach({ audit, credits });
  /** Stops the side as a gateway stops: what is held in memory written first, then the journal, then the database. */
  const close = async () => {
    await credits.close();
    await audit.close();
    await journal.close();
    await database.close();
  };
  return { database, ledger, audit, credits, close };
}

/** One answered call as the forward step makes it: reserve, settle, journal the row, wait for the turn's write. */
async function answer(side: { audit: AuditLog; credits: LeasedCreditHolds }, journal: AnswerJournal, i: number): Promise<void> {
  const key = `agent:${TENANT}:m-${i}`;
  await side.credits.reserve({ tenant: TENANT, key, milliCredits: 2_000, agent: 'agent', skill: 'tick' });
  await side.credits.settle(key, 1_500, { state: 'completed' });
  journal.audit(side.audit, side.audit.prepare({ eventType: 'a2a.call', actor: { kind: 'client', id: 'c' }, tenant: TENANT, targetAgent: 'agent', taskId: `task-${i}`, method: 'SendMessage', milliCredits: 1_500, outcome: 'ok' }));
  await journal.written();
}

describe('the answer journal', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentmesh-answer-journal-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('gateways on one directory take different slots; a slot freed by a stop is taken again under its name', () => {
    const journals = join(dir, 'slots');
    const first = AnswerJournal.open({ dir: journals, logger });
    const second = AnswerJournal.open({ dir: journals, logger });
    assert.notEqual(first.name, second.name);
    assert.deepEqual(readdirSync(journals).sort(), ['0', '1']);
    const name = first.name;
    first.abandon();
    const third = AnswerJournal.open({ dir: journals, logger });
    assert.equal(third.name, name, 'the freed slot 0, with its name');
    second.abandon();
    third.abandon();
  });

  test('a file past its size is deleted once its settlements and audit rows are committed', async () => {
    const journals = join(dir, 'rotation');
    const journal = AnswerJournal.open({ dir: journals, logger, rotateBytes: 2_000 });
    const side = await writeSide(join(dir, 'rotation.db'), journal, { creditsMs: 5, auditMs: 5 });
    try {
      await side.ledger.topUp(TENANT, 1_000_000, 'rotation');
      for (let i = 0; i < 40; i++) await answer(side, journal, i);
      const slot = join(journals, '0');
      await until('only the file being written to be left', () => readdirSync(slot).filter((f) => f.endsWith('.journal')).length === 1);
      assert.notDeepEqual(readdirSync(slot).filter((f) => f.endsWith('.journal')), ['1.journal'], 'the journal rotated');
      // The file being written holds the last calls, which the audit interval writes in its own time.
      await side.audit.flush();
      assert.equal(await side.audit.journalMark(), 40);
    } finally {
      await side.close();
    }
  });

  test('a lone call\'s lines reach the file at once; with other calls in flight they wait for the turn\'s one write', async () => {
    const journals = join(dir, 'lone');
    const journal = AnswerJournal.open({ dir: journals, logger });
    const side = await writeSide(join(dir, 'lone.db'), journal, { creditsMs: 60_000, auditMs: 60_000 });
    const file = join(journals, '0', '1.journal');
    const lines = () => readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
    const row = (i: number) => side.audit.prepare({ eventType: 'a2a.call', actor: { kind: 'client', id: 'c' }, tenant: TENANT, targetAgent: 'agent', taskId: `lone-${i}`, method: 'SendMessage', outcome: 'ok' });
    try {
      // Alone: written in this turn, nothing to await.
      journal.audit(side.audit, row(1));
      assert.equal(journal.writeNow(), undefined);
      assert.equal(lines(), 1, 'in the file before any other turn of the loop');
      // Grouped: the line waits for the end of the turn, then one write takes every line queued by then.
      journal.audit(side.audit, row(2));
      const turn = journal.written();
      journal.audit(side.audit, row(3));
      assert.equal(lines(), 1, 'not written within the turn');
      await turn;
      assert.equal(lines(), 3);
      // A lone answer in a turn whose write is already scheduled takes the scheduled lines along; the scheduled write finds nothing.
      journal.audit(side.audit, row(4));
      const scheduled = journal.written();
      journal.audit(side.audit, row(5));
      assert.equal(journal.writeNow(), undefined);
      assert.equal(lines(), 5);
      await scheduled;
      assert.equal(lines(), 5);
    } finally {
      await side.close();
    }
  });

  test('a replay writes only what the database lacks: each call charged once and audited once, however often it runs', async () => {
    const journals = join(dir, 'replay');
    const file = join(dir, 'replay.db');
    const killed = AnswerJournal.open({ dir: journals, logger });
    // Nothing written behind the answer unless flushed: the "kill" finds the last five calls only in the journal.
    const side = await writeSide(file, killed, { creditsMs: 10_000, auditMs: 60_000 });
    await side.ledger.topUp(TENANT, 1_000_000, 'replay');
    for (let i = 0; i < 5; i++) await answer(side, killed, i);
    await side.credits.flush();
    await side.audit.flush();
    for (let i = 5; i < 10; i++) await answer(side, killed, i);
    // What SIGKILL leaves: nothing more reaches the database from this side.
    side.credits.abandon();
    killed.abandon();
    await side.database.close();
    await assert.rejects(side.audit.close());
    const slot = join(journals, '0');
    const left = readdirSync(slot).filter((f) => f.endsWith('.journal'));
    const kept = mkdtempSync(join(tmpdir(), 'agentmesh-answer-journal-kept-'));
    for (const f of left) copyFileSync(join(slot, f), join(kept, f));
    // The database as the kill left it, for the replay of the same journal in the form written before ADR 0063.
    const olderFile = join(dir, 'replay-older-journal.db');
    for (const suffix of ['', '-wal']) if (existsSync(file + suffix)) copyFileSync(file + suffix, olderFile + suffix);
    const lines = left.flatMap((f) => readFileSync(join(kept, f), 'utf8').split('\n').filter(Boolean));
    assert.ok(lines.some((l) => l.startsWith('["S",')) && lines.some((l) => l.startsWith('["A",')), 'settlements and rows journaled as values');

    const check = async (expected: { charged: number; appended: number }, database = file) => {
      const journal = AnswerJournal.open({ dir: journals, logger });
      assert.equal(journal.name, killed.name, 'the killed gateway\'s slot');
      const again = await writeSide(database, journal, { creditsMs: 5, auditMs: 5 });
      try {
        const replay = await journal.replay(again.ledger, again.audit);
        assert.equal(replay.settlements, 10);
        assert.equal(replay.charged, expected.charged);
        assert.equal(replay.auditRows, 10);
        assert.equal(replay.appended, expected.appended);
        const settled = await again.database.db.selectFrom('credit_reservations').select(['key', 'charged']).where('tenant', '=', TENANT).where('status', '=', 'settled').where('agent', '=', 'agent').execute();
        assert.equal(settled.length, 10);
        assert.ok(settled.every((r) => Number(r.charged) === 1_500));
        const balance = await again.ledger.balance(TENANT);
        assert.equal(balance.availableMilliCredits + balance.reservedMilliCredits, 1_000_000 - 10 * 1_500, 'charged once each');
        const rows = await again.database.db.selectFrom('audit_log').select(['task_id']).where('event_type', '=', 'a2a.call').execute();
        assert.deepEqual(rows.map((r) => r.task_id).sort(), Array.from({ length: 10 }, (_, i) => `task-${i}`).sort());
        const verdict = await again.audit.verify();
        assert.equal(verdict.ok, true, JSON.stringify(verdict.problems));
      } finally {
        await again.close();
      }
    };
    // The killed gateway's five unwritten calls are charged and audited now.
    await check({ charged: 5, appended: 5 });
    // The same journal put back: replayed again, it writes nothing.
    for (const f of left) copyFileSync(join(kept, f), join(slot, f));
    await check({ charged: 0, appended: 0 });
    // A journal a gateway wrote before ADR 0063 (spends and rows as objects, `s` and `a`) is replayed the same.
    const older = lines.map((line) => {
      const [kind, a, b] = JSON.parse(line) as [string, unknown, unknown[]];
      if (kind === 'S') {
        const [key, tenant, agent, skill, clientId, held, charged, requested, state, createdAt] = b;
        return JSON.stringify(['s', a, { key, tenant, agent, skill, clientId: clientId ?? undefined, held, charged, requested, state: state ?? undefined, createdAt }]);
      }
      return kind === 'A' ? JSON.stringify(['a', a, rowOfFields(b)]) : line;
    });
    writeFileSync(join(slot, '1.journal'), `${older.join('\n')}\n`);
    await check({ charged: 5, appended: 5 }, olderFile);
    rmSync(kept, { recursive: true, force: true });
  });

  test('a replay says how many lines it could not read (a newer gateway\'s kinds, damaged records) and replays the rest', async () => {
    const journals = join(dir, 'unreadable');
    const file = join(dir, 'unreadable.db');
    const lines: string[] = [];
    const warnings = createLogger({ level: 'warn', destination: { write: (s: string) => void lines.push(s) } as never });
    const first = AnswerJournal.open({ dir: journals, logger: warnings });
    const name = first.name;
    first.abandon();
    writeFileSync(join(journals, '0', '1.journal'), `${['["Z",1,{}]', '{"not":"an array"}', '["A",7,["short"]]', '["l","lease-1"]'].join('\n')}\n`);
    const journal = AnswerJournal.open({ dir: journals, logger: warnings });
    assert.equal(journal.name, name);
    const side = await writeSide(file, journal, { creditsMs: 5, auditMs: 5 });
    try {
      const replay = await journal.replay(side.ledger, side.audit);
      assert.deepEqual([replay.settlements, replay.auditRows], [0, 0]);
      const warned = lines.map((l) => JSON.parse(l) as { msg: string; lines?: number }).filter((l) => l.msg.startsWith('answer journal: skipped lines'));
      assert.deepEqual(warned.map((w) => w.lines), [3]);
    } finally {
      await side.close();
    }
  });

  // Node's recursive mkdir spins there at full CPU, deaf to SIGTERM (GATEWAY_ANSWER_JOURNAL_DIR=/proc/…): a child with a deadline.
  test('a journal directory that cannot be made (a path under /proc) is an error, not a gateway stuck at start', { skip: !existsSync('/proc/self') && 'needs /proc' }, () => {
    const module = new URL('../../../src/gateway/answer-journal.ts', import.meta.url).pathname;
    const observability = new URL('../../../src/observability/index.ts', import.meta.url).pathname;
    const script = `const [{ AnswerJournal }, { createLogger }] = await Promise.all([import('${module}'), import('${observability}')]);
      try { AnswerJournal.open({ dir: '/proc/agentmesh-never/journal', logger: createLogger({ level: 'silent' }) }); console.log('opened'); } catch (err) { console.log(err.code); }`;
    const child = spawnSync(process.execPath, [...TS_CHILD_ARGV, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
    assert.equal(child.signal, null, `killed after 30 s: opening the journal did not return (${child.stderr})`);
    assert.equal(child.stdout.trim(), 'ENOENT', child.stderr);
  });
});
