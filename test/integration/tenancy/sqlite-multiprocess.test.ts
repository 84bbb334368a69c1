import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, createMetrics } from '../../../src/observability/index.js';
import { createDatabase } from '../../../src/storage/index.js';
import { createCreditLedger } from '../../../src/tenancy/index.js';
import { TS_CHILD_ARGV } from '../../helpers/typescript-child.js';

const WORKER = fileURLToPath(new URL('./reserve-worker.ts', import.meta.url));

test('4 processes (this one and 3 forked) on one SQLite file, 200 reserves against a balance that fits 50: exactly 50 held, never below zero', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-ledger-mp-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'mesh.db');
  const database = await createDatabase({ sqlitePath: file });
  t.after(() => database.close());
  const ledger = createCreditLedger({ database, logger: createLogger({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }) });
  await ledger.topUp('shared', 50 * 900, 'shared-funds');

  const children: ChildProcess[] = [];
  t.after(() => {
    for (const child of children) if (child.exitCode === null) child.kill();
  });
  for (let w = 1; w <= 3; w++) {
    children.push(fork(WORKER, [file, 'shared', String(w), '50', '900', '5'], { execArgv: [...TS_CHILD_ARGV], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }
  await Promise.all(children.map(async (child) => assert.equal((await once(child, 'message'))[0], 'ready')));
  const reports = children.map(async (child) => (await once(child, 'message'))[0] as { held: number; refused: number; other: string[] });
  for (const child of children) child.send('go');
  // This process is the fourth contender, with the same 50 calls in 5 waves.
  const own: Array<Promise<string>> = [];
  for (let i = 0; i < 50; i++) {
    if (i > 0 && i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    own.push(
      ledger.reserve({ tenant: 'shared', key: `shared:w0:${i}`, milliCredits: 900, agent: 'enricher', skill: 'enrichLeads' }).then(
        () => 'held',
        (err: { code?: string }) => (err.code === 'AM_ERR_TENANCY_INSUFFICIENT_CREDITS' ? 'refused' : String(err)),
      ),
    );
  }
  const mine = await Promise.all(own);
  const results = [
    { held: mine.filter((o) => o === 'held').length, refused: mine.filter((o) => o === 'refused').length, other: mine.filter((o) => o !== 'held' && o !== 'refused') },
    ...(await Promise.all(reports)),
  ];

  assert.deepEqual(results.flatMap((r) => r.other), []);
  assert.equal(results.reduce((n, r) => n + r.held, 0), 50, JSON.stringify(results));
  assert.equal(results.reduce((n, r) => n + r.refused, 0), 150);
  assert.deepEqual(await ledger.balance('shared'), { tenant: 'shared', milliCredits: 45_000, reservedMilliCredits: 45_000, availableMilliCredits: 0 });
  const report = await ledger.reconcile();
  assert.deepEqual(report.discrepancies, []);
  assert.equal(report.ok, true);
});
