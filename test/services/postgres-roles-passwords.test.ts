/**
 * deploy/postgres/roles.sql never changes the password of a role that exists
 * unless asked (-v reset_passwords=on): roles belong to the server, and a run
 * for one mesh must not reset another mesh's passwords under it.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { DATABASE_URL, postgresSkipReason, randomSuffix } from '../helpers/services.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const server = new URL(DATABASE_URL);
const connection = ['-h', server.hostname, '-p', server.port || '5432', '-U', server.username || 'postgres'];

describe('roles.sql and existing roles', { skip: await postgresSkipReason() }, () => {
  const prefix = `rolestest${randomSuffix()}`;
  const database = prefix;
  spawnSync('createdb', [...connection, database]);

  after(() => {
    spawnSync('dropdb', [...connection, '--if-exists', database]);
    spawnSync('psql', [...connection, '-d', 'postgres', '-qXc', `DROP ROLE IF EXISTS ${prefix}_app, ${prefix}_migrator, ${prefix}_owner`]);
  });

  const run = (app: string, extra: string[] = []) =>
    spawnSync('psql', [...connection, '-d', database, '-qX', '-v', 'ON_ERROR_STOP=1', '-v', `prefix=${prefix}`, '-v', `migrator_password=m-${app}`, '-v', `app_password=${app}`, ...extra, '-f', 'deploy/postgres/roles.sql'], { cwd: ROOT, encoding: 'utf8' });

  /** The stored verifier of the app role's password (the server here trusts local logins, so a login proves nothing). */
  const verifier = () => spawnSync('psql', [...connection, '-d', 'postgres', '-AtXc', `SELECT rolpassword FROM pg_authid WHERE rolname = '${prefix}_app'`], { encoding: 'utf8' }).stdout.trim();

  test('a new role gets its password; a second run with another keeps the first, saying so; reset_passwords=on sets it', async () => {
    const first = run('first-password');
    assert.equal(first.status, 0, first.stderr);
    const set = verifier();
    assert.match(set, /^SCRAM-SHA-256\$/, 'a new role gets the password it is given');

    const second = run('second-password');
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stderr, new RegExp(`role ${prefix}_app exists: its password is kept \\(pass -v reset_passwords=on to set it\\)`));
    assert.equal(verifier(), set, 'the password was not changed');

    const reset = run('second-password', ['-v', 'reset_passwords=on']);
    assert.equal(reset.status, 0, reset.stderr);
    assert.notEqual(verifier(), set, 'reset_passwords=on sets it');
  });
});
