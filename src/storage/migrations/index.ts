import type { Migration, MigrationProvider } from 'kysely';
import { runtimeMigration } from './0001-runtime.js';
import { registryMigration } from './0002-registry.js';

/**
 * The one migration set, in order. Names are stable forever: a renamed
 * migration would run again on existing databases.
 */
export function migrationProvider(dialect: 'sqlite' | 'postgres'): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '0001-runtime': runtimeMigration(dialect),
        '0002-registry': registryMigration(dialect),
      };
    },
  };
}
