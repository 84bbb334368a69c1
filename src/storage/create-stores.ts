import type { Database } from './database.js';
import { PostgresTaskStore } from './postgres/postgres-task-store.js';
import type { PushStore } from './push-store.js';
import { SqliteTaskStore } from './sqlite/sqlite-task-store.js';
import type { TaskStore } from './task-store.js';

/** The runtime's stores over one database. */
export interface RuntimeStores {
  tasks: TaskStore;
  push: PushStore;
}

/** Picks the store implementation for the database's dialect. */
export function createRuntimeStores(database: Database): RuntimeStores {
  if (database.dialect === 'sqlite') {
    const store = new SqliteTaskStore({ sqlite: database.sqlite!, gate: database.sqliteWriteGate });
    return { tasks: store, push: store };
  }
  const store = new PostgresTaskStore({ db: database.db, pool: database.postgresPool });
  return { tasks: store, push: store };
}
