/** Credit ledgers of two gateway replicas: two connection pools over one fresh PostgreSQL schema, charging the same tenants. */
import { createLogger, createMetrics } from '../../src/observability/index.js';
import { createDatabase } from '../../src/storage/index.js';
import { createCreditLedger, type CreditLedger } from '../../src/tenancy/index.js';
import { createTestSchema } from './services.js';
import { closeInTurn } from './close-in-turn.js';

export interface LedgerReplicas {
  ledgers: CreditLedger[];
  close(): Promise<void>;
}

/** Connections in each replica's pool. */
export const LEDGER_POOL_SIZE = 8;

/** The first replica migrates the schema; `lowBalanceMilliCredits` is both ledgers' default threshold. */
export async function openLedgerReplicas(options: { lowBalanceMilliCredits?: number } = {}): Promise<LedgerReplicas> {
  const schema = await createTestSchema();
  const first = await createDatabase({ url: schema.url, poolSize: LEDGER_POOL_SIZE });
  const second = await createDatabase({ url: schema.url, poolSize: LEDGER_POOL_SIZE, migrate: false });
  const logger = createLogger({ level: 'silent' });
  const ledgers = [first, second].map((database) => createCreditLedger({ database, logger, metrics: createMetrics({ defaultMetrics: false }), ...options }));
  return {
    ledgers,
    close: () => closeInTurn(first, second, () => schema.drop()),
  };
}
