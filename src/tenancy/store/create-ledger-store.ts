import type { Database } from '../../storage/index.js';
import type { LedgerStore } from './ledger-store.js';
import { PostgresLedgerStore } from './postgres-ledger-store.js';
import { SqliteLedgerStore } from './sqlite-ledger-store.js';

/** Picks the ledger store for the database's dialect. */
export function createLedgerStore(database: Database, defaultThreshold: number): LedgerStore {
  return database.dialect === 'sqlite' ? new SqliteLedgerStore(database, defaultThreshold) : new PostgresLedgerStore(database, defaultThreshold);
}
