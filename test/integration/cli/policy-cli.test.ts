/**
 * `agentmesh policy …` against a real gateway, registry and runtime
 * (docs/policies.md): put (refused with the line and column of a malformed
 * condition), list, show with its history, test a sample without sending
 * it, explain an audited call, roll back and delete.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, callAgent, createClient, fetchToken, topUp } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';
import { cli } from './cli-harness.js';

const TENANT = 'policy-cli';
let ran = 0;

const hr = oneSkillAgent({ name: 'hr', description: 'HR decisions', department: 'hr' }, 'decide', {
  description: 'Decides',
  handler: async (text: string) => {
    ran++;
    return `decided ${text}`;
  },
});

describe('agentmesh policy', () => {
  let mesh: GatewayMesh;
  let caller: string;
  const dir = mkdtempSync(join(tmpdir(), 'policy-cli-'));

  before(async () => {
    mesh = await startGatewayMesh({ agents: [hr] });
    caller = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'sales', tenant: TENANT, scopes: ['a2a:message:send'] }));
    await topUp(mesh.gw.url, TENANT, 10);
  });
  after(async () => {
    await mesh?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (...argv: string[]) => cli(['policy', ...argv, '--gateway', mesh.gw.url, '--admin-token', ADMIN_TOKEN]);

  test('put refuses a malformed condition with its line and column, and stores nothing', async () => {
    const refused = await run('put', 'hr-only', '--effect', 'permit', '--agent', 'hr', '--condition', '"hr:use" in principal.scopes ||\n  resource.departmnt == "hr"');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /line 2, column 11: resource has no attribute departmnt/);
    assert.match((await run('list')).stdout, /no policies/);
  });

  test('put, list, show, test, explain, rollback and delete', async () => {
    const put = await run('put', 'hr-only', '--effect', 'permit', '--agent', 'hr', '--condition', '"hr:use" in principal.scopes', '--comment', 'HR staff only');
    assert.equal(put.code, 0, put.stderr);
    assert.match(put.stdout, /wrote hr-only version 1/);
    const file = join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ effect: 'permit', target: { agent: 'hr' }, condition: '"hr:use" in principal.scopes || principal.tenant == "policy-cli"' }));
    assert.match((await run('put', 'hr-only', '--file', file)).stdout, /version 2/);

    const listed = await run('list');
    assert.match(listed.stdout, /hr-only\s+\(platform\)\s+2\s+permit\s+hr/);
    const history = await run('show', 'hr-only', '--history');
    assert.match(history.stdout, /HR staff only/);
    assert.match((await run('show', 'hr-only', '--at', '1')).stdout, /"hr:use" in principal.scopes\n/);

    const sample = join(dir, 'sample.json');
    writeFileSync(sample, JSON.stringify({ principal: { tenant: 'elsewhere', scopes: [] }, resource: { agent: 'hr' } }));
    const tested = await run('test', '--request', sample);
    assert.equal(tested.code, 0, tested.stderr);
    assert.match(tested.stdout, /refused: no permit policy holds by hr-only@2/);
    assert.equal(ran, 0, 'nothing was sent');

    const allowed = await callAgent(mesh.gw.url, 'hr', caller, 'SendMessage', { message: { messageId: 'hr-1', role: 'ROLE_USER', parts: [{ text: 'raise' }] } });
    assert.equal(allowed.status, 200);
    await allowed.body?.cancel();
    await mesh.gw.gateway.audit.flush();
    const [row] = (await mesh.gw.gateway.audit.tail({ limit: 1 }));
    const explained = await run('explain', String(row!.seq));
    assert.equal(explained.code, 0, explained.stderr);
    assert.match(explained.stdout, /permitted by hr-only@2/);
    assert.match(explained.stdout, /principal.tenant == "policy-cli"/);

    const rolled = await run('rollback', 'hr-only', '--to', '1');
    assert.match(rolled.stdout, /rolled hr-only back to version 1: now version 3/);
    const refused = await callAgent(mesh.gw.url, 'hr', caller, 'SendMessage', { message: { messageId: 'hr-2', role: 'ROLE_USER', parts: [{ text: 'raise' }] } });
    assert.equal(refused.status, 403);
    await refused.body?.cancel();

    assert.match((await run('delete', 'hr-only')).stdout, /deleted hr-only \(version 4/);
    assert.match((await run('list', '--json')).stdout, /^\{"policies":\[\]\}\n$/);
  });
});
