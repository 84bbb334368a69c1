/**
 * CPU per call of the gateway's credits path alone, exact vs leased (ADR 0010), on SQLite, in
 * process: reserve, a turn, settle; 5,000 calls one at a time and 50 at a time, 3 alternating rounds.
 * Run: node --import tsx bench/gateway/credit-holds-cpu.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exactCreditHolds, LeasedCreditHolds, type CreditHolds } from '../../src/gateway/credits/index.js';
import { createLogger, createMetrics } from '../../src/observability/index.js';
import { createDatabase } from '../../src/storage/index.js';
import { createCreditLedger } from '../../src/tenancy/index.js';

const logger = createLogger({ level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'lease-micro-'));
const database = await createDatabase({ sqlitePath: join(dir, 'mesh.db') });
const ledger = createCreditLedger({ database, logger, metrics: createMetrics({ defaultMetrics: false }) });
await ledger.topUp('bench', 1_000_000_000_000, 'bench');
let n = 0;
async function run(holds: CreditHolds, calls: number, concurrency: number): Promise<number> {
  const start = process.cpuUsage();
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < calls; i = next++) {
      const key = `k${n++}`;
      await holds.reserve({ tenant: 'bench', key, milliCredits: 1000, agent: 'a', skill: 's' });
      await new Promise((r) => setImmediate(r));
      await holds.settle(key, 900, { state: 'completed' });
    }
  }));
  await holds.flush();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / calls;
}
for (const concurrency of [1, 50]) {
  for (let round = 0; round < 3; round++) {
    const exact = await run(exactCreditHolds(ledger), 5000, concurrency);
    const leased = new LeasedCreditHolds({ ledger, logger });
    const lease = await run(leased, 5000, concurrency);
    await leased.close();
    console.log(`concurrency ${concurrency} round ${round}: exact ${exact.toFixed(1)} µs/call, lease ${lease.toFixed(1)} µs/call`);
  }
}
console.log('reconcile ok:', (await ledger.reconcile()).ok);
await database.close();
rmSync(dir, { recursive: true, force: true });
