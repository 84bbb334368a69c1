/**
 * A separate process on the same SQLite file (forked by
 * sqlite-multiprocess.test.ts): opens the ledger, says `ready`, and on `go`
 * fires its reserves in waves, then reports how many were held and refused.
 */
import { createLogger, createMetrics } from '../../../src/observability/index.js';
import { createDatabase } from '../../../src/storage/index.js';
import { createCreditLedger } from '../../../src/tenancy/index.js';

const [file, tenant, worker, count, price, waves] = process.argv.slice(2) as [string, string, string, string, string, string];
const database = await createDatabase({ sqlitePath: file, migrate: false });
const ledger = createCreditLedger({ database, logger: createLogger({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }) });

process.once('message', async () => {
  const perWave = Math.ceil(Number(count) / Number(waves));
  // Each call's outcome is caught at once: a refusal while later waves are still being issued is not an unhandled rejection.
  const calls: Array<Promise<string>> = [];
  for (let i = 0; i < Number(count); i++) {
    // A new event-loop turn every `perWave` calls: several transactions per process, interleaving with the other processes'.
    if (i > 0 && i % perWave === 0) await new Promise((resolve) => setImmediate(resolve));
    calls.push(
      ledger.reserve({ tenant, key: `${tenant}:w${worker}:${i}`, milliCredits: Number(price), agent: 'enricher', skill: 'enrichLeads' }).then(
        () => 'held',
        (err: { code?: string }) => (err.code === 'AM_ERR_TENANCY_INSUFFICIENT_CREDITS' ? 'refused' : String(err)),
      ),
    );
  }
  const outcomes = await Promise.all(calls);
  const held = outcomes.filter((o) => o === 'held').length;
  const refused = outcomes.filter((o) => o === 'refused').length;
  const other = outcomes.filter((o) => o !== 'held' && o !== 'refused');
  await database.close();
  process.send!({ held, refused, other }, () => process.exit(0));
});
process.send!('ready');
