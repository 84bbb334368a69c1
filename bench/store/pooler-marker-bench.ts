/**
 * What the per-transaction cross-tenant marker of DATABASE_POOL_MODE=transaction
 * costs (ADR 0024): the same parameterized read through agentmesh's pool,
 * marker per connection (session mode) against marker per statement
 * (transaction mode), directly on PostgreSQL and through a PgBouncer in
 * transaction mode started for the run. Round trips are the same (one per
 * statement); the difference is the server's work on the marker.
 *
 *   node --import tsx bench/store/pooler-marker-bench.ts [--statements 20000] [--concurrency 20] [--rounds 3]
 *
 * Shared 2-core host: compare the rows of one run, as ratios.
 */
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { createDatabase, type Database } from '../../src/storage/index.js';
import { createDatabaseRoles } from '../../test/helpers/database-roles.js';
import { startPgBouncer } from '../../test/helpers/pgbouncer.js';

const { values } = parseArgs({ options: { statements: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '20' }, rounds: { type: 'string', default: '3' } } });
const ROUNDS = Number(values.rounds);
const STATEMENTS = Number(values.statements);
const CONCURRENCY = Number(values.concurrency);

async function measure(name: string, database: Database): Promise<void> {
  // Warm the pool.
  await Promise.all(Array.from({ length: CONCURRENCY }, () => sql`select 1`.execute(database.db)));
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < STATEMENTS) await database.db.selectFrom('tasks').select('id').where('id', '=', 'absent').execute();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  console.log(`| ${name} | ${Math.round(STATEMENTS / seconds)} | ${((used.user + used.system) / STATEMENTS).toFixed(1)} |`);
  await database.close();
}

const roles = createDatabaseRoles();
const bouncer = await startPgBouncer({ users: [roles.app], poolMode: 'transaction', poolSize: 10 });
try {
  const bounced = bouncer.urlFor(roles.app.name, roles.app.password);
  // Migrate once, as the owner.
  await (await createDatabase({ url: roles.appUrl, migrationUrl: roles.migratorUrl, poolSize: 1 })).close();
  console.log(`${STATEMENTS} reads of an absent task id, ${CONCURRENCY} at a time, application role (row security on)`);
  console.log('| pool | statements/s | client CPU µs per statement |');
  console.log('| --- | ---: | ---: |');
  // Rounds interleave the pools, so a burst of load elsewhere on the host hits them alike.
  for (let round = 1; round <= ROUNDS; round++) {
    await measure(`direct, session mode (marker per connection) #${round}`, await createDatabase({ url: roles.appUrl, migrate: false, poolSize: CONCURRENCY }));
    await measure(`direct, transaction mode (marker per statement) #${round}`, await createDatabase({ url: roles.appUrl, migrate: false, poolSize: CONCURRENCY, poolMode: 'transaction' }));
    await measure(`PgBouncer (10 server connections), transaction mode #${round}`, await createDatabase({ url: bounced, migrate: false, poolSize: CONCURRENCY, poolMode: 'transaction' }));
  }
} finally {
  await bouncer.close();
  await roles.drop();
}
