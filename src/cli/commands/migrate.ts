/**
 * `agentmesh migrate`: applies the schema migrations of every role and exits,
 * so a deploy can migrate once, as the migrator role, before any replica of
 * the new version starts (a Kubernetes Job: docs/deploy.md#migrations). The
 * roles still migrate at start when given DATABASE_MIGRATION_URL; after this
 * they find nothing to do.
 */
import { Command } from 'commander';
import { Errors, errorMessage } from '../../protocol/index.js';
import type { CliContext } from '../io/cli-io.js';
import { describeDatabaseUrl, sqliteFileOf } from '../config/direct-database.js';
import { ExitCodes } from '../io/exit-codes.js';
import { envInt, poolModeFromEnv } from '../config/role-env.js';

interface MigrateFlags {
  dataDir?: string;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  $ DATABASE_MIGRATION_URL=postgres://agentmesh_migrator:…@db/agentmesh agentmesh migrate
  $ agentmesh migrate --data-dir ./.agentmesh

Database: DATABASE_MIGRATION_URL (the migrator role of deploy/postgres/roles.sql),
else DATABASE_URL, else <--data-dir or $AGENTMESH_DATA_DIR or ./.agentmesh>/mesh.db
(created when missing). Exit 0 once the schema is at this version's newest
migration, 1 when a migration fails (named, with what to do).
`;

/** Builds `migrate`. */
export function migrateCommand(ctx: CliContext): Command {
  return new Command('migrate')
    .description("apply every role's schema migrations to the configured database, then exit")
    .option('--data-dir <dir>', 'where the SQLite file mesh.db lives (env AGENTMESH_DATA_DIR; default ./.agentmesh); DATABASE_URL=postgres://… migrates PostgreSQL instead')
    .option('--json', 'print what was applied as JSON')
    .addHelpText('after', EXAMPLES)
    .action(async (flags: MigrateFlags) => {
      const env = ctx.io.env;
      const url = env['DATABASE_MIGRATION_URL'] || env['DATABASE_URL'] || undefined;
      const where = url ? describeDatabaseUrl(url) : sqliteFileOf(env, flags.dataDir);
      const queryTimeoutMs = envInt('DATABASE_QUERY_TIMEOUT_MS', env['DATABASE_QUERY_TIMEOUT_MS']);
      const connectTimeoutMs = envInt('DATABASE_CONNECT_TIMEOUT_MS', env['DATABASE_CONNECT_TIMEOUT_MS']);
      const { migrateDatabase } = await import('../../storage/index.js');
      let report: Awaited<ReturnType<typeof migrateDatabase>>;
      try {
        // DATABASE_POOL_MODE describes DATABASE_URL; a DATABASE_MIGRATION_URL names the server itself.
        const poolMode = env['DATABASE_MIGRATION_URL'] ? undefined : poolModeFromEnv(env);
        report = await migrateDatabase({ url, sqlitePath: where, poolMode, ...(queryTimeoutMs !== undefined && { queryTimeoutMs }), ...(connectTimeoutMs !== undefined && { connectTimeoutMs }) });
      } catch (err) {
        // The migration's own message names it and, for a role that may not change the schema, what to set.
        throw Errors.cliMigrationFailed({ where, reason: errorMessage(err) }, { cause: err });
      }
      if (flags.json === true) ctx.io.stdout.write(`${JSON.stringify({ database: where, ...report }, null, 2)}\n`);
      else {
        for (const name of report.applied) ctx.io.stdout.write(`applied ${name}\n`);
        ctx.io.stdout.write(`${where}: schema up to date at ${report.latest}${report.applied.length === 0 ? ' (nothing to apply)' : ''}\n`);
      }
      ctx.setExitCode(ExitCodes.OK);
    });
}
