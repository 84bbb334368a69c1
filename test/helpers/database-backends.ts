/**
 * The databases a storage suite runs on, one `describe` each (CONTRIBUTING.md,
 * "Tests"): SQLite always, PostgreSQL when reachable (under `REQUIRE_SERVICES=1`
 * an unreachable one fails the file instead of skipping it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'node:test';
import pg from 'pg';
import { createDatabase, createRuntimeStores, type Database, type DatabaseOptions, type RuntimeStores } from '../../src/storage/index.js';
import { createTestSchema, postgresSkipReason, type TestSchema } from './services.js';
import { closeInTurn } from './close-in-turn.js';

/** A fresh, migrated database, and how to throw it away. */
export interface OpenedDatabase {
  database: Database;
  dispose(): Promise<void>;
}

export interface DatabaseBackend {
  name: 'sqlite' | 'postgres';
  /** For `describe(…, { skip })`: why PostgreSQL is skipped, or false. */
  skip: string | false;
  /** A new database: a SQLite file in a temporary folder, or a PostgreSQL schema of its own. */
  open(): Promise<OpenedDatabase>;
}

/**
 * Both backends. `tmpPrefix` names the SQLite files' temporary folders;
 * `poolSize` is PostgreSQL's pool (default 4).
 *
 * @example
 * for (const backend of await databaseBackends({ tmpPrefix: 'agentmesh-store-' })) {
 *   describe(`task store: ${backend.name}`, { skip: backend.skip }, () => { … });
 * }
 */
export async function databaseBackends(options: { tmpPrefix: string; poolSize?: number }): Promise<DatabaseBackend[]> {
  return [
    {
      name: 'sqlite',
      skip: false,
      async open() {
        const dir = mkdtempSync(join(tmpdir(), options.tmpPrefix));
        const database = await createDatabase({ sqlitePath: join(dir, 'mesh.db') });
        return {
          database,
          async dispose() {
            await database.close();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      },
    },
    {
      name: 'postgres',
      skip: await postgresSkipReason(),
      async open() {
        const { database, close } = await openPostgresDatabase({ poolSize: options.poolSize ?? 4 });
        return { database, dispose: close };
      },
    },
  ];
}

/**
 * Opens `backend` afresh before each test of the calling suite and disposes
 * of it after: a database of its own per test, for store tests whose queries
 * are global (prune, stats, orphans). `stores()` are the runtime's stores over it.
 */
export function runtimeStoresPerTest(backend: DatabaseBackend): { stores: () => RuntimeStores; opened: () => OpenedDatabase } {
  let opened: OpenedDatabase;
  let stores: RuntimeStores;
  beforeEach(async () => {
    opened = await backend.open();
    stores = createRuntimeStores(opened.database);
  });
  afterEach(() => opened.dispose());
  return { stores: () => stores, opened: () => opened };
}

/** A PostgreSQL schema of its own with a migrated database on it. */
export interface PostgresDatabase {
  schema: TestSchema;
  database: Database;
  /** Closes the database, then drops the schema. */
  close(): Promise<void>;
}

/** Creates a schema of its own and opens a migrated database on it; `options` are the database's (pool size, pool mode). */
export async function openPostgresDatabase(options: Omit<DatabaseOptions, 'url'>): Promise<PostgresDatabase> {
  const schema = await createTestSchema();
  const database = await createDatabase({ ...options, url: schema.url });
  return {
    schema,
    database,
    close: () => closeInTurn(database, () => schema.drop()),
  };
}

/** A PostgreSQL schema of its own, migrated, with the runtime's stores on it and a plain client to read what they wrote. */
export interface PostgresStores {
  schema: TestSchema;
  database: Database;
  stores: RuntimeStores;
  /** On the same schema, outside the stores' pool: for what the stores do not show (partitions, `xmin`). */
  admin: pg.Client;
  close(): Promise<void>;
}

export async function openPostgresStores(options: { poolSize: number }): Promise<PostgresStores> {
  const opened = await openPostgresDatabase({ poolSize: options.poolSize });
  const admin = new pg.Client({ connectionString: opened.schema.url });
  await admin.connect();
  return {
    ...opened,
    stores: createRuntimeStores(opened.database),
    admin,
    close: () => closeInTurn(() => admin.end(), opened),
  };
}
