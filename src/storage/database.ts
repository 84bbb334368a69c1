import { closeSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import { Kysely, Migrator, SqliteDialect, sql, type PostgresPool, type SqliteDatabase } from 'kysely';
import { LRUCache } from 'lru-cache';
import { Errors, errorCode, errorMessage } from '../protocol/index.js';
import { makeFolderSync } from './make-folder.js';
import { migrationProvider } from './migrations/index.js';
import { OwnSchemaPostgresDialect } from './postgres/own-schema-dialect.js';
import type { Tables } from './schema.js';
import { scopedQueries } from './postgres/scoped-query.js';
import { timedPool } from './postgres/timed-pool.js';
import { SqliteCheckpointer } from './sqlite/checkpointer.js';
import { WriteGate } from './sqlite/write-gate.js';

/** Options of {@link createDatabase}. */
export interface DatabaseOptions {
  /** `postgres://…` selects PostgreSQL; unset selects the embedded SQLite file. */
  url?: string | undefined;
  /** SQLite file path. Default `./.agentmesh/mesh.db`; `:memory:` for throwaway stores. */
  sqlitePath?: string;
  /** Postgres pool size. Default 10. */
  poolSize?: number;
  /**
   * PostgreSQL: longest a query may wait for its answer before its connection
   * is dropped as dead (a half-open connection answers nothing). Default
   * 30 000 ms; every statement agentmesh runs is far shorter.
   */
  queryTimeoutMs?: number;
  /**
   * PostgreSQL: longest opening a connection may take (TCP, TLS and the
   * server's start-up), and longest a statement waits for a free connection
   * of the pool, before it is answered AM_ERR_STORAGE_UNAVAILABLE. Default
   * 5 000 ms; raise it for a database across a slow network, or a server so
   * busy that its new sessions start slowly.
   */
  connectTimeoutMs?: number;
  /** Run migrations on open. Default true. */
  migrate?: boolean;
  /**
   * PostgreSQL: the URL migrations run on, when the schema's owner is not the
   * role of `url` (deploy/postgres/roles.sql: an owner that migrates, an
   * application role that only reads and writes rows). Unset: migrations
   * run on `url`. One connection, closed once migrated.
   */
  migrationUrl?: string | undefined;
  /**
   * PostgreSQL: mark every connection of the pool as doing cross-tenant work
   * (`agentmesh.scope = 'cross-tenant'`), which the deny-by-default row
   * security of migration 0009 requires to see any row outside a tenant's
   * own reads (ADR 0014). Default true: agentmesh's stores are keyed by ids
   * and serve recovery, retention, push delivery, reconciliation and the
   * audit chain; their tenant-scoped reads still narrow to one tenant. False
   * gives a pool that sees only what a transaction's `agentmesh.tenant` names.
   */
  crossTenant?: boolean;
  /**
   * PostgreSQL: how `url` pools its server connections. `session` (default):
   * a direct connection, or a pooler in session mode; the cross-tenant marker
   * is set once per connection and `statement_timeout` is sent at connect.
   * `transaction`: a pooler in transaction mode (PgBouncer
   * `pool_mode = transaction`), which lends a server connection per
   * transaction to whichever client asks: nothing is set on the session —
   * the marker travels with each transaction, in the same round trip
   * (`scoped-query.ts`), and `statement_timeout` comes from the role
   * (`ALTER ROLE … SET`, deploy/postgres/roles.sql); the URL must carry no
   * `options` either. See ADR 0024. Migrations (`migrationUrl`) always run
   * on their own connection and should not go through the pooler.
   */
  poolMode?: PoolMode | undefined;
}

/** How a PostgreSQL URL pools server connections: see {@link DatabaseOptions.poolMode}. */
export type PoolMode = 'session' | 'transaction';

/** Default of {@link DatabaseOptions.connectTimeoutMs}. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** Default of {@link DatabaseOptions.queryTimeoutMs}. */
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;

/** An open database: the Kysely handle plus, for SQLite, the raw driver for the hot path. */
export interface Database {
  readonly dialect: 'sqlite' | 'postgres';
  readonly db: Kysely<Tables>;
  /** The better-sqlite3 connection (SQLite only): the task store writes through prepared statements. */
  readonly sqlite: BetterSqlite3.Database | undefined;
  /** SQLite file only: closed for the moment the checkpointer rewinds the WAL; the task store's group commit waits on it. */
  readonly sqliteWriteGate?: WriteGate | undefined;
  /** PostgreSQL only: the pool under `db`, for the task store's multi-statement write batches (ADR 0022). */
  readonly postgresPool?: PostgresPool | undefined;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /**
   * Write-ahead log held since the last checkpoint, in bytes: the size of the
   * SQLite `-wal` file (0 in memory), or PostgreSQL's distance from the last
   * checkpoint's redo point to the current WAL position. What grows when
   * checkpoints fall behind the writes.
   */
  walBytes(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Opens the database named by `url` (PostgreSQL) or the embedded SQLite file,
 * and applies the migration set.
 *
 * @example
 * const database = await createDatabase({ url: process.env.DATABASE_URL });
 */
export async function createDatabase(options: DatabaseOptions = {}): Promise<Database> {
  if (!options.url) {
    const database = openSqlite(options.sqlitePath ?? './.agentmesh/mesh.db');
    if (options.migrate !== false) await migrate(database);
    return database;
  }
  const queryTimeoutMs = options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const crossTenant = options.crossTenant ?? true;
  const poolMode = options.poolMode ?? 'session';
  if (options.migrate !== false && options.migrationUrl) {
    const migrator = await openPostgres(options.migrationUrl, { max: 1, queryTimeoutMs, connectTimeoutMs, crossTenant: true, applicationName: 'agentmesh:migrate', poolMode: 'session' });
    try {
      await migrate(migrator);
    } finally {
      await migrator.close();
    }
  }
  const database = await openPostgres(options.url, { max: options.poolSize ?? 10, queryTimeoutMs, connectTimeoutMs, crossTenant, applicationName: crossTenant ? 'agentmesh:cross-tenant' : 'agentmesh', poolMode });
  if (options.migrate !== false && !options.migrationUrl) {
    try {
      await migrate(database);
    } catch (err) {
      await database.close();
      throw err;
    }
  }
  return database;
}

function openSqlite(path: string): Database {
  const inMemory = path === ':memory:';
  const file = inMemory ? path : resolve(path);
  if (!inMemory) {
    makeFolderSync(dirname(file), 0o700);
    // Made 0600 before SQLite opens it, which would make it 0644 under the usual umask: the store is
    // its user's alone, and SQLite gives its -wal, -shm and -journal files the database file's mode.
    // An existing file is left as it is (it may be a read-only copy, opened to be read).
    try {
      closeSync(openSync(file, 'wx', 0o600));
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw err;
    }
  }
  const raw = new BetterSqlite3(file);
  raw.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode (only an OS crash can drop the last commits).
  raw.pragma('synchronous = NORMAL');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('foreign_keys = ON');
  const gate = inMemory ? undefined : new WriteGate();
  const checkpointer = inMemory
    ? undefined
    : new SqliteCheckpointer({
        file,
        gate,
        // Worker lost: SQLite's own checkpoints on commit keep the WAL bounded (slower, never unbounded).
        onStopped: () => {
          if (raw.open) raw.pragma('wal_autocheckpoint = 1000');
        },
      });
  if (checkpointer) {
    raw.pragma('wal_autocheckpoint = 0');
    // After the checkpointer rewinds the WAL, the next commit truncates the file to this size.
    raw.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  }
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: preparedOnce(raw) }) });
  return {
    dialect: 'sqlite',
    db,
    sqlite: raw,
    sqliteWriteGate: gate,
    async ping() {
      raw.prepare('select 1').get();
    },
    async walBytes() {
      if (inMemory) return 0;
      // Absent between a checkpoint's truncation and the next write.
      return statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0;
    },
    async close() {
      await checkpointer?.close();
      await db.destroy();
    },
  };
}

/** Statements kept prepared per SQLite connection. */
const PREPARED_STATEMENTS = 500;

/**
 * The connection as Kysely's SQLite driver sees it, with each statement
 * prepared once: the driver prepares the SQL of every query it runs, and
 * compiling it again was a third of a registry write's database time. The
 * driver runs one query at a time on its connection (it holds a mutex across
 * transactions and streams), so a kept statement is never busy when reused.
 */
function preparedOnce(raw: BetterSqlite3.Database): SqliteDatabase {
  const statements = new LRUCache<string, BetterSqlite3.Statement>({ max: PREPARED_STATEMENTS });
  return {
    prepare(text) {
      let statement = statements.get(text);
      if (statement === undefined) {
        statement = raw.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
    close() {
      statements.clear();
      raw.close();
    },
  };
}

/** How long an idle pooled connection stays open (ADR 0068); `DATABASE_POOL_SIZE` bounds how many. */
const POOL_IDLE_TIMEOUT_MS = 300_000;

async function openPostgres(url: string, { max, queryTimeoutMs, connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS, crossTenant, applicationName, poolMode }: { max: number; queryTimeoutMs: number; connectTimeoutMs?: number; crossTenant: boolean; applicationName: string; poolMode: PoolMode }): Promise<Database> {
  // Loaded only when configured: the embedded mode never pays for the driver.
  const { default: pgModule } = (await import('pg')) as { default: typeof pg };
  const pool = new pgModule.Pool({
    connectionString: url,
    max,
    // An idle connection is kept five minutes, not pg's ten seconds: a replica whose statements come in bursts (a
    // gateway's lease and audit batches, a few a second) otherwise closed and reopened a connection every few
    // seconds, and each new session costs the server milliseconds of CPU to start and fill its caches (ADR 0068).
    idleTimeoutMillis: POOL_IDLE_TIMEOUT_MS,
    // What pg_stat_activity and the server's log (`%a` in log_line_prefix) show
    // for these sessions, so cross-tenant work is attributable; the URL's own
    // application_name wins.
    application_name: applicationName,
    connectionTimeoutMillis: connectTimeoutMs,
    // TCP keepalive: the kernel notices a peer that vanished even on an idle connection.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    // Server-side bound too, so a statement stuck on a lock ends and frees its connection. A
    // transaction pooler refuses it as a startup parameter: there the role sets it (ADR 0024).
    ...(poolMode === 'session' ? { statement_timeout: queryTimeoutMs } : {}),
    // int8 (bigint) columns hold epoch milliseconds, well inside Number's safe range.
    types: { getTypeParser: (oid: number, format?: string) => (oid === 20 ? (v: string) => Number(v) : pgModule.types.getTypeParser(oid, format as 'text')) },
  });
  // An idle client that errors (server restart) must not crash the process.
  pool.on('error', () => undefined);
  if (crossTenant && poolMode === 'session') {
    // The explicit marker of ADR 0014, once per connection: queued before the
    // pool hands the client out, so it precedes every statement. Should it
    // fail, the connection sees no tenant-owned row (fail closed).
    pool.on('connect', (client) => {
      client.query(`select set_config('agentmesh.scope', 'cross-tenant', false)`).catch(() => undefined);
    });
  }
  // Behind a transaction pooler the marker goes with every transaction instead (ADR 0024).
  const scoped = crossTenant && poolMode === 'transaction' ? scopedQueries(pgModule) : undefined;
  const timed = timedPool(pool, queryTimeoutMs, scoped);
  const db = new Kysely<Tables>({ dialect: new OwnSchemaPostgresDialect({ pool: timed }) });
  return {
    dialect: 'postgres',
    db,
    sqlite: undefined,
    postgresPool: timed,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async walBytes() {
      // Both functions are executable by any role (no pg_monitor needed); a standby has no current WAL position.
      const { rows } = await sql<{ bytes: number | string | null }>`select case when pg_is_in_recovery() then 0 else pg_wal_lsn_diff(pg_current_wal_lsn(), (select redo_lsn from pg_control_checkpoint()))::bigint end as bytes`.execute(db);
      return Number(rows[0]?.bytes ?? 0);
    },
    async close() {
      await db.destroy();
    },
  };
}

/** What {@link migrateDatabase} did. */
export interface MigrationReport {
  /** Migrations applied by this run, in order (empty when the schema was up to date). */
  applied: string[];
  /** The newest migration of this version: the schema is now at it. */
  latest: string;
}

/**
 * Applies every pending migration of every role (one set for all of them) to
 * the database named by `url` (PostgreSQL, one connection: the migrator role
 * of deploy/postgres/roles.sql) or the SQLite file, then closes it: what
 * `agentmesh migrate` and a Kubernetes migration Job run before a rollout.
 * Failure is AM_ERR_STORAGE_UNAVAILABLE naming the migration.
 *
 * @example
 * const { applied } = await migrateDatabase({ url: process.env.DATABASE_MIGRATION_URL });
 */
export async function migrateDatabase(options: { url?: string | undefined; sqlitePath?: string; queryTimeoutMs?: number; connectTimeoutMs?: number | undefined; poolMode?: PoolMode | undefined }): Promise<MigrationReport> {
  const database = options.url
    ? await openPostgres(options.url, { max: 1, queryTimeoutMs: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS, connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, crossTenant: true, applicationName: 'agentmesh:migrate', poolMode: options.poolMode ?? 'session' })
    : openSqlite(options.sqlitePath ?? './.agentmesh/mesh.db');
  try {
    const applied = await migrate(database);
    const names = Object.keys(await migrationProvider(database.dialect).getMigrations());
    return { applied, latest: names[names.length - 1]! };
  } finally {
    await database.close();
  }
}

async function migrate(database: Database): Promise<string[]> {
  // Kysely's bookkeeping tables go in our schema, named: unqualified, it would take them for
  // another schema's of the same name. The dialect lists our schema's tables only (own-schema-dialect.ts),
  // so another schema dropped meanwhile cannot fail the run.
  const schema = database.dialect === 'postgres' ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db)).rows[0]?.schema : undefined;
  const migrator = new Migrator({ db: database.db, provider: migrationProvider(database.dialect), ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    // 42501 insufficient_privilege: an application role (deploy/postgres/roles.sql) found a migration to apply.
    const hint = (error as { code?: unknown }).code === '42501' ? '; this role may not change the schema: set DATABASE_MIGRATION_URL to the migrator role (docs/security.md#database-roles)' : '';
    throw Errors.migrationFailed({ migration: failed, reason: errorMessage(error), hint }, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
