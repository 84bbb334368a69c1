/**
 * A gateway started again reads the approval rules stored through the API before its port takes a
 * call (docs/approvals.md): a replica restarted after a crash, or a new one joining, that served
 * calls while it still read them would send a gated call straight to its agent. Checked at the
 * moment the port starts listening, on a real gateway over the SQLite file an earlier one wrote.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGateway, type GatewayConfigInput } from '../../../src/gateway/index.js';
import { ADMIN_TOKEN } from '../../helpers/gateway-fixture.js';
import { startRegistry } from '../../helpers/registry-fixture.js';

const registry = await startRegistry();
const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-gateway-rules-'));
after(async () => {
  await registry.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const config: GatewayConfigInput = { port: 0, metricsPort: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', registryUrl: registry.url, adminToken: ADMIN_TOKEN, dev: true, allowHosts: ['127.0.0.1', 'localhost'] };

test('a restarted gateway has the stored approval rules in force when its port starts listening', async () => {
  const first = await createGateway({ config });
  const { url } = await first.listen();
  const put = await fetch(`${url}/v1/approval-rules/every-payment`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ agent: 'payments', reason: 'every payment needs finance' }) });
  assert.equal(put.status, 200, await put.text());
  await first.close();

  const second = await createGateway({ config });
  let inForce: string[] | undefined;
  second.app.addHook('onListen', function rulesAtListen(done) {
    inForce = second.approvals.rules().map((rule) => rule.id);
    done();
  });
  try {
    await second.listen();
    assert.deepEqual(inForce, ['every-payment'], 'the stored rule was not in force when the port began to take calls');
  } finally {
    await second.close();
  }
});
