/**
 * Registry governance on PostgreSQL (docs/registry.md#review-holds and
 * #ownership-verification): two registry replicas on one schema, a change
 * held by one and approved through the other, each replica's directory and
 * the watch stream following; an ownership claim checked on one replica,
 * verified on both; the governance migration undone and done again.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator, sql } from 'kysely';
import { createDatabase } from '../../src/storage/index.js';
import { migrationProvider } from '../../src/storage/migrations/index.js';
import { startDnsTxtServer } from '../helpers/dns-txt-server.js';
import { call, sampleCard, startRegistry, watch } from '../helpers/registry-fixture.js';
import { createTestSchema, postgresSkipReason, type TestSchema } from '../helpers/services.js';
import { until } from '../helpers/until.js';

describe('registry governance on PostgreSQL, across two replicas', { skip: await postgresSkipReason() }, () => {
  let schema: TestSchema;
  let dns: Awaited<ReturnType<typeof startDnsTxtServer>>;
  let a: Awaited<ReturnType<typeof startRegistry>>;
  let b: Awaited<ReturnType<typeof startRegistry>>;

  before(async () => {
    schema = await createTestSchema();
    dns = await startDnsTxtServer();
    const config = { databaseUrl: schema.url, feedPollMs: 50, review: { required: true }, ownership: { dnsServers: [dns.server], dnsTimeoutMs: 200, sweepIntervalMs: 3_600_000 } };
    a = await startRegistry(config);
    b = await startRegistry(config);
  });
  after(async () => {
    await b?.close();
    await a?.close();
    await dns?.close();
    await schema?.drop();
  });

  test('a change held on one replica is approved on the other; both serve it, and the watch stream says so', async () => {
    // Replica b learns of changes by polling the shared table: the first registration reaches its
    // watchers a poll later, so the stream that checks the review is opened only after it has.
    const registration = watch(`${b.url}/watch?agent=pg-held`, 1);
    await registration.opened;
    assert.equal((await call(a.url, 'PUT', '/v1/agents/pg-held', { card: sampleCard('pg-held') })).status, 201);
    assert.deepEqual((await registration.frames).map((f) => f.event), ['registered']);
    const stream = watch(`${b.url}/watch?agent=pg-held`, 3);
    await stream.opened;
    const held = await call(a.url, 'PUT', '/v1/agents/pg-held', { card: sampleCard('pg-held', { version: '2.0.0' }) });
    assert.equal(held.status, 202);
    await until('replica b to list the held change', async () => (await call(b.url, 'GET', '/v1/reviews?agent=pg-held')).body.reviews.length === 1);
    const approved = await call(b.url, 'POST', `/v1/reviews/${held.body.review.id}/approve`, { reason: 'ok' });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    await until('replica a to serve version 2', async () => (await call(a.url, 'GET', '/v1/agents?review=pending')).body.agents.length === 0 && (await a.registry.service.get('pg-held')).card.version === '2.0.0');
    assert.deepEqual((await stream.frames).map((f) => f.event), ['review_requested', 'updated', 'review_decided']);
    // Approved again, on the replica that held it: the review is decided already.
    const twice = await call(a.url, 'POST', `/v1/reviews/${held.body.review.id}/approve`, {});
    assert.equal(twice.status, 409);
  });

  test('an ownership claim checked on one replica is verified on both', async () => {
    const put = await call(a.url, 'PUT', '/v1/agents/pg-owned', { card: sampleCard('pg-owned'), metadata: { ownership: { domain: 'pg.example.test' } } });
    dns.zone.set('_agentmesh.pg.example.test', { txt: [[`v=agentmesh1; agent=pg-owned; token=${put.body.ownership.token}`]] });
    const verified = await call(b.url, 'POST', '/v1/agents/pg-owned/ownership/verify');
    assert.equal(verified.body.ownership.status, 'verified');
    await until('replica a to list pg-owned as verified', async () => (await call(a.url, 'GET', '/v1/agents?verified=true')).body.agents.some((x: any) => x.name === 'pg-owned'));
    const row = await sql<{ ownership_check_at: string | null }>`select ownership_check_at from registry_agents where name = 'pg-owned'`.execute((await openSchema()).db);
    assert.ok(Number(row.rows[0]?.ownership_check_at) > Date.now() + 60_000, 'the next check is an interval away');
  });

  let opened: Awaited<ReturnType<typeof createDatabase>> | undefined;
  async function openSchema() {
    opened ??= await createDatabase({ url: schema.url });
    return opened;
  }
  after(() => opened?.close());

  test('the governance migration goes down and up again on PostgreSQL', async () => {
    const database = await openSchema();
    const migrator = new Migrator({ db: database.db, provider: migrationProvider('postgres'), migrationTableSchema: schema.name });
    const down = await migrator.migrateTo('0023-audit-rows-as-text');
    assert.equal(down.error, undefined, String(down.error));
    // Every migration after 0023 goes down with it (later ones too, as they land); 0024 among them.
    const undone = down.results?.map((r) => [r.migrationName, r.direction, r.status]) ?? [];
    assert.deepEqual(undone.at(-1), ['0024-registry-governance', 'Down', 'Success']);
    assert.ok(undone.every(([, direction, status]) => direction === 'Down' && status === 'Success'), JSON.stringify(undone));
    const columns = async () => (await sql<{ column_name: string }>`select column_name from information_schema.columns where table_schema = ${schema.name} and table_name = 'registry_agents'`.execute(database.db)).rows.map((r) => r.column_name);
    assert.ok(!(await columns()).includes('governance'));
    const up = await migrator.migrateToLatest();
    assert.equal(up.error, undefined, String(up.error));
    assert.ok((await columns()).includes('governance') && (await columns()).includes('ownership_check_at'));
  });
});
