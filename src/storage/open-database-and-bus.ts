import type { Logger } from '../observability/index.js';
import type { Bus } from './bus/bus.js';
import { createBus } from './bus/create-bus.js';
import { createDatabase, type Database, type DatabaseOptions } from './database.js';

/** Options of {@link openDatabaseAndBus}. */
export interface OpenDatabaseAndBusOptions {
  /** How to open the database when none is given. */
  database: DatabaseOptions;
  /** The bus's Redis; unset: the in-process bus. */
  redisUrl: string | undefined;
  /** A database and bus the caller owns: used, never closed here. */
  given: { database?: Database | undefined; bus?: Bus | undefined };
  log: Logger;
  /** Where a close is registered (a role's DisposerStack). */
  stack: { defer(name: string, close: () => unknown): void };
  /** Runs one close at shutdown; default: as it is (the runtime bounds each by its shutdown deadline). */
  close?: (step: string, close: () => Promise<unknown>) => Promise<unknown>;
}

/**
 * A role's database and bus: the ones given stay their owner's; the others
 * are opened here, and closed with the role's stack.
 */
export async function openDatabaseAndBus(options: OpenDatabaseAndBusOptions): Promise<{ database: Database; bus: Bus }> {
  const { given, stack, log } = options;
  const close = options.close ?? ((_step, work) => work());
  const database = given.database ?? (await createDatabase(options.database));
  if (!given.database) stack.defer('database', () => close('database', () => database.close()));
  const bus = given.bus ?? (await createBus({ url: options.redisUrl, onError: (err) => log.warn({ err }, 'bus read failed; retrying') }));
  if (!given.bus) stack.defer('bus', () => close('bus', () => bus.close()));
  return { database, bus };
}
