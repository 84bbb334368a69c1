import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, createMetrics, type Metrics } from '../../src/observability/index.js';
import { createDatabase, MemoryBus, type Database } from '../../src/storage/index.js';
import { createCreditLedger, type CreditLedger, type CreditLedgerOptions } from '../../src/tenancy/index.js';
import { startedForSuite } from './suite-fixture.js';
import { closeInTurn, directoryRemoval } from './close-in-turn.js';

/** What {@link sqliteLedgerForSuite} opened, each read once the suite's `before` has run. */
export interface SqliteLedgerSuite {
  ledger: () => CreditLedger;
  database: () => Database;
  /** The bus the ledger publishes its low-balance events on. */
  bus: () => MemoryBus;
  metrics: () => Metrics;
}

/**
 * A credit ledger on its own SQLite database, the books the ledger and lease
 * tests run against: the database (in a temporary directory named from
 * `prefix`), a memory bus and the ledger are opened before the calling
 * suite's tests, and closed and removed after them. `options` are the
 * ledger's own (a low-balance threshold, how many tenants get a label).
 */
export function sqliteLedgerForSuite(prefix: string, options: Pick<CreditLedgerOptions, 'lowBalanceMilliCredits' | 'maxTenantLabels'> = {}): SqliteLedgerSuite {
  const opened = startedForSuite(async () => {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    const database = await createDatabase({ sqlitePath: join(dir, 'mesh.db') });
    const metrics = createMetrics({ defaultMetrics: false });
    const bus = new MemoryBus();
    const ledger = createCreditLedger({ database, logger: createLogger({ level: 'silent' }), metrics, bus, ...options });
    return {
      ledger,
      database,
      bus,
      metrics,
      close: () => closeInTurn(bus, database, directoryRemoval(dir)),
    };
  });
  return { ledger: () => opened().ledger, database: () => opened().database, bus: () => opened().bus, metrics: () => opened().metrics };
}
