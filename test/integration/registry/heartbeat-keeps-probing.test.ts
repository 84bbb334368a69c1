/**
 * Heartbeats renew a lease; they do not vouch for health. An instance that
 * heartbeats but fails its probes (it answers 5xx) leaves rotation at its
 * first failed probe and stays out, heartbeat after heartbeat, until a probe
 * passes again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { call, sampleCard, startRegistry } from '../../helpers/registry-fixture.js';
import { until } from '../../helpers/until.js';

let reg: Awaited<ReturnType<typeof startRegistry>>;
let server: Server;
let answer = 500;
let probes = 0;

before(async () => {
  // Probes are run by the test (probeNow), not by the background round: a long interval keeps that one out of the way.
  reg = await startRegistry({ probeIntervalMs: 60_000, probeTimeoutMs: 2000 });
  server = createServer((_req, res) => {
    probes++;
    res.writeHead(answer, { 'content-type': 'application/json' }).end(answer === 200 ? JSON.stringify(sampleCard('flaky')) : '{"error":"the database is down"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  await reg?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const instance = async () => (await call(reg.url, 'GET', '/v1/agents/flaky/instances')).body.instances[0];

test('a heartbeating instance that answers 5xx leaves rotation and stays out until a probe passes', async () => {
  await call(reg.url, 'PUT', '/v1/agents/flaky', { card: sampleCard('flaky') });
  const added = await call(reg.url, 'POST', '/v1/agents/flaky/instances', { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, leaseTtlMs: 30_000 });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  const id = added.body.id as string;
  assert.equal((await instance()).inRotation, true, 'in rotation until probed');

  await until('the first probe to find it failing', async () => {
    await reg.registry.probeNow();
    return (await instance()).probe.state === 'down';
  }, 10_000);
  assert.ok(probes >= 1);
  for (let beat = 0; beat < 5; beat++) {
    const hb = await call(reg.url, 'PUT', `/v1/agents/flaky/instances/${id}/heartbeat`);
    assert.equal(hb.status, 200);
    const now = await instance();
    assert.equal(now.inRotation, false, `heartbeat ${beat + 1} put a failing instance back in rotation`);
    assert.equal(now.probe.state, 'down');
  }
  assert.equal((await call(reg.url, 'GET', '/v1/agents/flaky')).body.health, 'down');

  // It recovers: the next probe that passes puts it back.
  answer = 200;
  await until('a passing probe to put it back in rotation', async () => {
    await reg.registry.probeNow();
    return (await instance()).inRotation === true;
  }, 10_000);
  assert.equal((await instance()).probe.state, 'up');
});
