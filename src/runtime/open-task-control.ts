import { join } from 'node:path';
import { createLogger, type Logger } from '../observability/index.js';
import { createBus, createDatabase, createRuntimeStores, type Bus, type Database } from '../storage/index.js';
import { parseRuntimeConfig, type RuntimeConfigInput } from './config.js';
import { TaskControl } from './task-control.js';

/** Options of {@link openTaskControl}. */
export interface OpenTaskControlOptions {
  /**
   * The runtime's configuration, or the part of it naming its store:
   * `databaseUrl` (PostgreSQL) or `dataDir` (the SQLite file `mesh.db` in it),
   * and `redisUrl` (the bus replicas share). Read exactly as the runtime reads it.
   */
  config?: RuntimeConfigInput;
  /** Use this database instead of opening one from the config (not closed by the control). */
  database?: Database;
  /** Use this bus instead of creating one from the config (not closed by the control). */
  bus?: Bus;
  /** Only this agent's tasks are visible. */
  agent?: string;
  logger?: Logger;
}

/**
 * A {@link TaskControl} over the store of a runtime, for a process that hosts
 * none: a queue consumer, a webhook receiver. Close it when done.
 *
 * With PostgreSQL and Redis, streams on every replica see its writes at once.
 * With the embedded SQLite file (no Redis), its writes are durable at once
 * and streams of the runtime pick them up from the log within 2 s.
 *
 * @example
 * import { openTaskControl } from 'agentmesh';
 * const tasks = await openTaskControl({ config: { databaseUrl: process.env.DATABASE_URL, redisUrl: process.env.REDIS_URL } });
 * await tasks.complete(taskId, { report: 'https://…' });
 * await tasks.close();
 */
export async function openTaskControl(options: OpenTaskControlOptions = {}): Promise<TaskControl> {
  const config = parseRuntimeConfig(options.config ?? {});
  const logger = (options.logger ?? createLogger({ level: config.logLevel, format: config.logFormat, name: 'agentmesh' })).child({ component: 'task-control' });
  const database = options.database ?? (await createDatabase({ url: config.databaseUrl, poolMode: config.databasePoolMode, sqlitePath: join(config.dataDir, 'mesh.db') }));
  let bus: Bus;
  try {
    bus = options.bus ?? (await createBus({ url: config.redisUrl, onError: (err) => logger.warn({ err }, 'bus read failed; retrying') }));
  } catch (err) {
    if (!options.database) await database.close().catch(() => undefined);
    throw err;
  }
  const stores = createRuntimeStores(database);
  return new TaskControl({ store: stores.tasks, bus, logger, ...(options.agent === undefined ? {} : { agent: options.agent }) }, async () => {
    if (!options.bus) await bus.close();
    if (!options.database) await database.close();
  });
}
