/*
 * Commands that work on the database itself, with no server involved
 * (`audit`, `secrets rotate`, `migrate`): PostgreSQL from DATABASE_URL, else
 * the SQLite file a role keeps in its data dir.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Errors, errorMessage } from '../../protocol/index.js';
import { createDatabase, type Database } from '../../storage/index.js';
import { poolModeFromEnv } from './role-env.js';

/** The open database, and how to name it in a message (never with a password). */
export interface DirectDatabase {
  database: Database;
  where: string;
}

/** The data dir a command works on: `--data-dir`, else AGENTMESH_DATA_DIR, else ./.agentmesh. */
export function sqliteFileOf(env: Record<string, string | undefined>, dataDir: string | undefined): string {
  return resolve(join(dataDir ?? (env['AGENTMESH_DATA_DIR'] || './.agentmesh'), 'mesh.db'));
}

/**
 * Opens the database a role of this environment uses, without migrating it.
 * A missing SQLite file is an error (opening would create an empty one, and
 * an empty database answers every question wrongly).
 */
export async function openDirectDatabase(env: Record<string, string | undefined>, dataDir: string | undefined, owner = "the roles'"): Promise<DirectDatabase> {
  const url = env['DATABASE_URL'];
  if (url) {
    const where = describeDatabaseUrl(url);
    try {
      return { database: await createDatabase({ url, migrate: false, poolSize: 2, poolMode: poolModeFromEnv(env) }), where };
    } catch (err) {
      throw Errors.cliDatabaseUnopened({ where, reason: errorMessage(err) }, { cause: err });
    }
  }
  const file = sqliteFileOf(env, dataDir);
  if (!existsSync(file)) throw Errors.cliDatabaseMissing({ file, owner });
  return { database: await createDatabase({ sqlitePath: file, migrate: false }), where: file };
}

/** `PostgreSQL at host:port/db`: a URL may carry a password, so only the host and database are named. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `PostgreSQL at ${parsed.host}${parsed.pathname}`;
  } catch {
    return 'the PostgreSQL database of DATABASE_URL';
  }
}
