/**
 * On PostgreSQL: a card naming an SSRF-blocked
 * interface is refused before anything commits (no record, no instance, no
 * change-log entry), and a card by URL commits its record and its static
 * instance in one transaction.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { call, errorReason, sampleCard, startRegistry } from '../helpers/registry-fixture.js';
import { createTestSchema, postgresSkipReason, type TestSchema } from '../helpers/services.js';

const skip = await postgresSkipReason();

describe('blocked interface URLs leave no trace on PostgreSQL', { skip }, () => {
  let schema: TestSchema;
  let reg: Awaited<ReturnType<typeof startRegistry>>;
  let server: Server;
  let host: string;

  before(async () => {
    schema = await createTestSchema();
    reg = await startRegistry({ databaseUrl: schema.url, dev: false, allowHosts: ['127.0.0.1'], probeIntervalMs: 60_000 });
    const cards = new Map<string, unknown>([
      ['/blocked.json', sampleCard('Blocked Agent', { supportedInterfaces: [{ url: 'https://10.0.0.5/a2a', protocolBinding: 'JSONRPC', protocolVersion: '1.0' }] })],
      ['/fine.json', sampleCard('Fine Agent', { supportedInterfaces: [{ url: 'http://127.0.0.1:9/a2a', protocolBinding: 'JSONRPC', protocolVersion: '1.0' }] })],
    ]);
    server = createServer((req, res) => {
      const card = cards.get(req.url ?? '');
      if (card === undefined) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(card));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await reg?.close();
    await schema?.drop();
  });

  const counts = async () => {
    const client = new pg.Client({ connectionString: schema.url });
    await client.connect();
    try {
      const n = async (table: string) => Number((await client.query(`select count(*) as n from ${table}`)).rows[0].n);
      return { agents: await n('registry_agents'), instances: await n('registry_instances'), changes: await n('registry_changes') };
    } finally {
      await client.end();
    }
  };

  test('the refused registration writes no row in any registry table', async () => {
    const before = await counts();
    const res = await call(reg.url, 'POST', '/v1/agents', { cardUrl: `${host}/blocked.json` });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(errorReason(res.body), 'AM_ERR_SSRF_BLOCKED');
    assert.deepEqual(await counts(), before);
    assert.equal((await call(reg.url, 'GET', '/v1/agents/blocked-agent')).status, 404);
  });

  test('an accepted card by URL commits its record and its static instance together', async () => {
    const res = await call(reg.url, 'POST', '/v1/agents', { cardUrl: `${host}/fine.json` });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const instances = await call(reg.url, 'GET', '/v1/agents/fine-agent/instances');
    assert.deepEqual(instances.body.instances.map((i: any) => [i.kind, i.url]), [['static', 'http://127.0.0.1:9/a2a']]);
  });
});
