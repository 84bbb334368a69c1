/*
 * Environment readings every serving role shares: the one place their names
 * and checks live, so `serve runtime|registry|gateway` and `up` agree.
 */

/** A non-negative integer setting; unset or empty is undefined, anything else is an error naming the setting. */
export function envInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** The database settings of a role: `DATABASE_URL`, `DATABASE_MIGRATION_URL`, `DATABASE_POOL_SIZE`, `DATABASE_QUERY_TIMEOUT_MS`. */
export function databaseFromEnv(env: Record<string, string | undefined>): { databaseUrl?: string; databaseMigrationUrl?: string; databasePoolSize?: number; databaseQueryTimeoutMs?: number } {
  const settings: { databaseUrl?: string; databaseMigrationUrl?: string; databasePoolSize?: number; databaseQueryTimeoutMs?: number } = {};
  if (env['DATABASE_URL']) settings.databaseUrl = env['DATABASE_URL'];
  if (env['DATABASE_MIGRATION_URL']) settings.databaseMigrationUrl = env['DATABASE_MIGRATION_URL'];
  const poolSize = envInt('DATABASE_POOL_SIZE', env['DATABASE_POOL_SIZE']);
  if (poolSize !== undefined) settings.databasePoolSize = poolSize;
  const queryTimeout = envInt('DATABASE_QUERY_TIMEOUT_MS', env['DATABASE_QUERY_TIMEOUT_MS']);
  if (queryTimeout !== undefined) settings.databaseQueryTimeoutMs = queryTimeout;
  return settings;
}
