/**
 * storage: the database factory (SQLite embedded, PostgreSQL at scale), the
 * one migration set, the runtime's stores, and the bus (in-process or Redis).
 */
// First: on a Node.js agentmesh does not run on, this import fails with what to install, before anything below loads.
import '../node-version/check-on-import.js';
export { createDatabase, migrateDatabase } from './database.js';
export { databaseClock, DATABASE_NOW_MS, type DatabaseClock } from './database-clock.js';
export type { Database, DatabaseOptions, MigrationReport, PoolMode } from './database.js';
export type { Tables, GatewayApprovalsTable } from './schema.js';
export { createRuntimeStores } from './create-stores.js';
export type { RuntimeStores } from './create-stores.js';
export type { TaskStore, TaskRecord, ReplicaRecord, ReplicaHeartbeat, TaskEventRecord, NewTask, NewTaskEvent, TaskAppend, TaskListQuery, TaskListPage } from './task-store.js';
export { MessageAlreadyStarted } from './task-store.js';
export type { PushStore, PushConfigRecord, OutboxRecord, OutboxStats, ClaimOptions, ClaimNextOptions, OriginDown, DeadLetteredRow, Settle } from './push-store.js';
export { SqliteTaskStore } from './sqlite/sqlite-task-store.js';
export { PostgresTaskStore } from './postgres/postgres-task-store.js';
export { schemaAdvisoryLockSql } from './postgres/schema-lock.js';
export { inPoolClient, statementRows } from './postgres/simple-query.js';
export { intLiteral, textLiteral, UnwritableLiteral } from './postgres/sql-literals.js';
export { createBus } from './bus/create-bus.js';
export { openDatabaseAndBus } from './open-database-and-bus.js';
export type { OpenDatabaseAndBusOptions } from './open-database-and-bus.js';
export type { Bus, BusHandler, Unsubscribe } from './bus/bus.js';
export { followChanges } from './bus/bus.js';
export { MemoryBus } from './bus/memory-bus.js';
export { COMMAND_TIMEOUT_MS, HEARTBEAT_MS, RedisBus, type RedisBusStats } from './bus/redis-bus.js';
export type { RedisBusOptions } from './bus/redis-bus.js';
export { uuidv7 } from './uuid7.js';
export { EphemeralMap } from './ephemeral-map.js';
export { deriveSealingKey, isSealedValue, openSealedValue, sealValue } from './sealed-box.js';
export { openWithKeys } from './sealing-keys.js';
export { secretFingerprint } from './secret-fingerprint.js';
export type { OpenedValue, ResealCount, SealingKeys } from './sealing-keys.js';
export { readOrCreateSecretFile } from './secret-file.js';
export { makeFolderSync } from './make-folder.js';
export { exponentialBackoff, fullJitterBackoff, pause } from './backoff.js';
export type { ExponentialBackoffOptions } from './backoff.js';
export type { SecretFile } from './secret-file.js';
export { activeDeliberateFault, deliberateFault, DELIBERATE_FAULT_VARIABLE } from './deliberate-faults.js';
export { sendAgainIfMomentary } from './statement-sent-again.js';
export type { DeliberateFault } from './deliberate-faults.js';
