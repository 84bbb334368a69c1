/**
 * The least-privilege roles of deploy/postgres/roles.sql, made by running
 * that script with psql (as the deploy docs say) under a random prefix:
 * roles are cluster-wide, so every test gets its own, and drops them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { adminQuery, DATABASE_URL, randomSuffix } from './services.js';

const ROLES_SQL = fileURLToPath(new URL('../../deploy/postgres/roles.sql', import.meta.url));

export interface DatabaseRoles {
  /** Role-name prefix; also the schema the roles' search_path names. */
  prefix: string;
  app: { name: string; password: string };
  migrator: { name: string; password: string };
  /** Direct URLs (no pooler) of the two login roles. */
  appUrl: string;
  migratorUrl: string;
  drop(): Promise<void>;
}

function loginUrl(role: string, password: string): string {
  const url = new URL(DATABASE_URL);
  url.username = role;
  url.password = password;
  // roles.sql gives each role its search_path: the URL needs none.
  url.searchParams.delete('options');
  return url.toString();
}

/** Runs roles.sql under a fresh prefix; `vars` adds psql variables (e.g. `statement_timeout`). */
export function createDatabaseRoles(vars: Record<string, string> = {}): DatabaseRoles {
  const found = spawnSync('sh', ['-c', 'command -v psql'], { encoding: 'utf8' });
  if (found.status !== 0) throw new Error('psql is not installed: install it with `apt-get update && apt-get install -y postgresql-client` (Debian package: /usr/bin/psql)');
  const prefix = `am_${randomSuffix()}`;
  const app = { name: `${prefix}_app`, password: randomSuffix() };
  const migrator = { name: `${prefix}_migrator`, password: randomSuffix() };
  const extra = Object.entries(vars).flatMap(([k, v]) => ['-v', `${k}=${v}`]);
  const run = spawnSync('psql', [DATABASE_URL, '-X', '-q', '-v', `prefix=${prefix}`, '-v', `schema=${prefix}`, '-v', `migrator_password=${migrator.password}`, '-v', `app_password=${app.password}`, ...extra, '-f', ROLES_SQL], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, `roles.sql failed: ${run.stdout}${run.stderr}`);
  return {
    prefix,
    app,
    migrator,
    appUrl: loginUrl(app.name, app.password),
    migratorUrl: loginUrl(migrator.name, migrator.password),
    drop: () => adminQuery(`DROP SCHEMA IF EXISTS ${prefix} CASCADE; DROP OWNED BY ${prefix}_app, ${prefix}_migrator, ${prefix}_owner; DROP ROLE ${prefix}_app, ${prefix}_migrator, ${prefix}_owner`),
  };
}
