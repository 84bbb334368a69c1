/**
 * `agentmesh approvals …` against a real gateway, registry and runtime
 * (docs/approvals.md): an approver lists the calls waiting for it, reads
 * one, approves or denies it; an admin manages the rules.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SendMessageRequest, TaskState } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { connectAgent } from '../../../src/cli/index.js';
import { ADMIN_TOKEN, createClient, fetchToken, topUp } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { asTask } from '../../helpers/sdk-client.js';
import { cli } from './cli-harness.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';

const TENANT = 'approvals-cli';
let sent = 0;

const contracts = oneSkillAgent({ name: 'contracts', description: 'Sends contracts out', creditsPerCall: 2, department: 'legal' }, 'send', {
  description: 'Sends a contract',
  handler: async (text: string) => {
    sent++;
    return `sent ${text}`;
  },
});

describe('agentmesh approvals', () => {
  let mesh: GatewayMesh;
  let client: Client;
  let approver: string;
  let caller: string;
  const ids: string[] = [];

  before(async () => {
    mesh = await startGatewayMesh({ agents: [contracts], gateway: { creditsMode: 'exact', approvals: { rules: [{ id: 'contracts-out', agent: 'contracts', reason: 'Contracts sent out need legal' }] } } });
    const url = mesh.gw.url;
    caller = await fetchToken(url, await createClient(url, { name: 'sales', tenant: TENANT, scopes: ['a2a:message:send', 'a2a:tasks:read'] }));
    approver = await fetchToken(url, await createClient(url, { name: 'legal', tenant: TENANT, scopes: ['gateway:approve'] }));
    await topUp(url, TENANT, 50);
    client = (await connectAgent({ url: `${url}/agents/contracts`, protocol: '1.0', binding: 'jsonrpc', token: caller })).client;
    for (const who of ['Acme', 'Globex']) {
      const task = asTask(await client.sendMessage(SendMessageRequest.fromJSON({ message: { messageId: `contract-${who}-${Date.now()}`, role: 'ROLE_USER', parts: [{ text: who }] } })));
      assert.equal(task.status?.state, TaskState.TASK_STATE_AUTH_REQUIRED);
      ids.push(task.id);
    }
  });
  after(async () => {
    await mesh?.close();
  });

  const run = (...argv: string[]) => cli(['approvals', ...argv, '--gateway', mesh.gw.url]);

  test('list shows the approver the calls waiting, with caller and reason', async () => {
    const listed = await run('list', '--token', approver);
    assert.equal(listed.code, 0, listed.stderr);
    for (const id of ids) assert.match(listed.stdout, new RegExp(id));
    assert.match(listed.stdout, /Contracts sent out need legal/);
    const json = JSON.parse((await run('list', '--token', approver, '--json')).stdout) as { approvals: Array<{ id: string; caller: string }> };
    assert.deepEqual(json.approvals.map((a) => a.id).sort(), [...ids].sort());
  });

  test('show prints the message the call would send', async () => {
    const shown = await run('show', ids[0]!, '--token', approver);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /"text": "Acme"/);
  });

  test('approve sends the call; deny needs a reason and ends it', async () => {
    const before = sent;
    const approved = await run('approve', ids[0]!, '--reason', 'standard terms', '--token', approver);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /^approved approval-.*: sent to contracts as task /);
    assert.equal(sent, before + 1);
    const noReason = await run('deny', ids[1]!, '--token', approver);
    assert.equal(noReason.code, 2);
    assert.match(noReason.stderr, /needs --reason/);
    const denied = await run('deny', ids[1]!, '--reason', 'not our customer', '--token', approver);
    assert.equal(denied.code, 0, denied.stderr);
    assert.match(denied.stdout, /^denied approval-.*: not our customer; its hold of 2\.000 credits is released/);
    const again = await run('approve', ids[1]!, '--token', approver);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /denied already: a decision is made once/);
    assert.equal(sent, before + 1);
  });

  test('rules add, list and delete need an admin', async () => {
    const added = await run('rules', 'add', 'nda', '--agent', 'contracts', '--condition', 'contains(input, "nda")', '--expires-after', '30', '--admin-token', ADMIN_TOKEN);
    assert.equal(added.code, 0, added.stderr);
    const listed = await run('rules', 'list', '--admin-token', ADMIN_TOKEN);
    assert.match(listed.stdout, /contracts-out\s+config/);
    assert.match(listed.stdout, /nda\s+api\s+contracts\s+\*\s+\*\s+contains\(input, "nda"\)\s+gateway:approve\s+30 min/);
    const bad = await run('rules', 'add', 'bad', '--condition', 'eval("x")', '--admin-token', ADMIN_TOKEN);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /condition/);
    const refused = await run('rules', 'delete', 'nda', '--token', approver);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /gateway:admin/);
    assert.equal((await run('rules', 'delete', 'nda', '--admin-token', ADMIN_TOKEN)).code, 0);
  });
  /*
   * A parked call is in AUTH_REQUIRED, but no credential of the caller's
   * moves it: it used to be told to retry with a token. It waits for an
   * approver; the caller reads where it got to.
   */
  test('send of a call parked for an approval says it waits for an approver, how to follow it and how it is decided', async () => {
    const agentUrl = `${mesh.gw.url}/agents/contracts`;
    for (const stream of [false, true]) {
      const parked = await cli(['send', agentUrl, `Initech ${stream}`, '--token', caller, ...(stream ? ['--stream'] : [])]);
      assert.equal(parked.code, 3, parked.stderr);
      assert.doesNotMatch(parked.stdout, /retry with credentials|<token>/);
      const id = new RegExp(`\\n  agentmesh tasks get ${agentUrl} (approval-\\S+)\\n`).exec(parked.stdout)?.[1];
      assert.ok(id, parked.stdout);
      assert.match(parked.stdout, /the call waits for a person's approval at the gateway \(Contracts sent out need legal\): nothing more is needed from you, and it is sent to the agent once approved; without a decision by \d{4}-\d\d-\d\dT[\d:.]+Z it ends rejected\. See where it got to with:\n/);
      const gw = mesh.gw.url;
      assert.ok(parked.stdout.endsWith(`an approver (scope gateway:approve) decides it in the web console (${gw}/console/), Approvals, or with:\n  agentmesh approvals approve ${id} --gateway ${gw}    (or: agentmesh approvals deny ${id} --gateway ${gw} --reason "…")\n`), parked.stdout);
      // The printed commands do what they say: the approver's approves it, the caller's then reads the agent's answer.
      const approved = await cli(['approvals', 'approve', id, '--gateway', gw, '--token', approver]);
      assert.equal(approved.code, 0, approved.stderr);
      const read = await cli(['tasks', 'get', agentUrl, id, '--token', caller]);
      assert.equal(read.code, 0, read.stderr);
      assert.match(read.stdout, new RegExp(`sent Initech ${stream}`));
    }
  });
});
