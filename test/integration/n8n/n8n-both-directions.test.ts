// test-tier: tools (needs n8n)
/**
 * agentmesh and a real n8n (scripts/install-n8n.mjs), both ways, on
 * loopback: a registry, a gateway and a runtime hosting workflow-automation
 * in this process; n8n started with the workflows of
 * integrations/n8n-nodes-agentmesh/examples imported from their files and
 * the package's nodes built from its sources. No part of n8n is stood in for.
 *
 * - n8n calls an agent: its A2A Agent node, with OAuth client credentials,
 *   runs a skill through the gateway, which charges the tenant and audits the call;
 * - the mesh launches n8n: workflow-automation's launch goes out through the
 *   push outbox to n8n's webhook, whose Code node checks the Standard
 *   Webhooks signature (and refuses a forged one), answers its execution id,
 *   and calls back to end the task;
 * - n8n follows the mesh: the agentmesh Task Trigger, with an API key,
 *   starts a workflow when one of the agent's tasks completes.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import workflowAutomation from '../../../agents/workflow-automation.js';
import { planCampaign } from '../../../agents/campaign-orchestrator/plan-campaign.js';
import { generateWebhookSecret, signStandardWebhook } from '../../../src/runtime/index.js';
import { ADMIN_TOKEN, balanceTotal, createClient, fetchToken, topUp } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { freePort } from '../../helpers/free-port.js';
import { until } from '../../helpers/until.js';
import { buildNodePackage, n8nInstall, NODE_PACKAGE, startN8n, type N8n } from '../../helpers/n8n-engine.js';

const TENANT = 'acme';
const examples = (name: string) => join(NODE_PACKAGE, 'examples', `${name}.workflow.json`);
const campaign = planCampaign({ name: 'Spring', leadIds: ['lead-002', 'lead-004'], channel: 'email', startDate: '2026-03-02' }, 'scheduled', new Date('2026-03-01T12:00:00Z'));

describe('n8n and the mesh, both ways', () => {
  let mesh: GatewayMesh;
  let n8n: N8n;
  let built: string;
  let sink: Server;
  const forwarded: Array<{ taskId: string; state: string; skill: string }> = [];
  /** Every task this file started in the tenant, whoever started it. */
  const ours = new Set<string>();
  let client: { clientId: string; clientSecret: string };
  let apiKey = '';
  const apiKeyOf = async () => apiKey;
  // The runtime signs with both secrets of a rotation; the n8n workflow holds only the old one yet.
  const [newSecret, oldSecret] = [generateWebhookSecret(), generateWebhookSecret()];

  let timings: Record<string, number> = {};

  before(async () => {
    const home = n8nInstall();
    const building = performance.now();
    built = buildNodePackage(home);
    timings['build the node package'] = Math.round(performance.now() - building);
    const [n8nPort, runtimePort] = [await freePort(), await freePort()];
    mesh = await startGatewayMesh({
      agents: [workflowAutomation],
      runtime: {
        port: runtimePort,
        publicUrl: `http://127.0.0.1:${runtimePort}`,
        // n8n is on loopback: the SSRF guard lets the launches through to it only.
        allowHosts: ['127.0.0.1'],
        workflowHooks: { followups: { url: `http://127.0.0.1:${n8nPort}/webhook/agentmesh-followups`, engine: 'n8n', secrets: [newSecret, oldSecret], callback: true } },
      },
    });
    client = await createClient(mesh.gw.url, { name: 'n8n', tenant: TENANT, scopes: ['a2a:message:send', 'a2a:tasks:read', 'console:read'] });
    const key = await fetch(`${mesh.gw.url}/v1/api-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ name: 'n8n trigger', tenant: TENANT, scopes: ['a2a:tasks:read', 'console:read'] }),
    });
    assert.equal(key.status, 201);
    apiKey = ((await key.json()) as { key: string }).key;
    await topUp(mesh.gw.url, TENANT, 100);

    sink = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        forwarded.push(JSON.parse(body));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));

    const gatewayUrl = mesh.gw.url;
    n8n = await startN8n({
      home,
      port: n8nPort,
      extensions: [built],
      credentials: [
        { id: 'agentmeshGateway', name: 'agentmesh gateway', type: 'agentmeshApi', data: { gatewayUrl, authentication: 'clientCredentials', clientId: client.clientId, clientSecret: client.clientSecret, scope: '' } },
        { id: 'agentmeshApiKey', name: 'agentmesh gateway (API key)', type: 'agentmeshApi', data: { gatewayUrl, authentication: 'apiKey', apiKey } },
      ],
      workflows: [examples('launch-receiver'), examples('call-agent'), examples('task-trigger')],
      env: { AGENTMESH_HOOK_SECRETS: oldSecret, AGENTMESH_TASK_SINK_URL: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/tasks` },
      webhooks: ['agentmesh-followups', 'agentmesh-schedule'],
    });
    timings = { ...timings, ...n8n.timings };
  });

  after(async () => {
    await n8n?.close();
    await mesh?.close();
    await new Promise<void>((resolve) => (sink ? sink.close(() => resolve()) : resolve()));
    if (built) rmSync(built, { recursive: true, force: true });
  });

  /** The assertion's message: what n8n printed, which says why a workflow did not do its part. */
  const n8nSaid = () => `\n--- n8n output ---\n${n8n.output().slice(-6000)}`;

  test("n8n's A2A Agent node runs a skill through the gateway, which charges the tenant and audits the call", async (t) => {
    t.diagnostic(`n8n set-up, ms: ${JSON.stringify(timings)}`);
    const before = await balanceTotal(mesh.gw.url, TENANT);
    const res = await fetch(`${n8n.url}/webhook/agentmesh-schedule`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ campaign, owners: ['ana@example.com'] }) });
    const text = await res.text();
    assert.equal(res.status, 200, `${text}${n8nSaid()}`);
    const item = JSON.parse(text);
    ours.add(item.taskId);
    assert.equal(item.agent, 'workflow-automation');
    assert.equal(item.state, 'TASK_STATE_COMPLETED', text);
    assert.equal(item.result.tasks.length, 8, 'four email steps for each of the two leads');
    assert.ok(item.result.tasks.every((t: { owner: string }) => t.owner === 'ana@example.com'), 'the mapped owners reached the skill');
    assert.deepEqual(item.usage, { credits: 0.04, units: { leads: 2, tasks: 8 } });

    // 0.02 credits per lead, two leads: 40 milli-credits, charged to the credential's tenant.
    await until('the charge to settle', async () => (await balanceTotal(mesh.gw.url, TENANT)) === before - 40);
    await mesh.gw.gateway.audit.flush();
    const rows = await mesh.gw.gateway.audit.tail({ limit: 100 });
    const row = rows.find((r) => r.eventType === 'a2a.call' && r.taskId === item.taskId);
    assert.ok(row, `an audit row for task ${item.taskId}`);
    assert.equal(row.targetAgent, 'workflow-automation');
    assert.equal(row.tenant, TENANT);
    assert.equal(row.skill, 'schedule-followups');
    assert.deepEqual(row.actor, { kind: 'client', id: client.clientId });
    assert.equal(row.milliCredits, 40);
    assert.equal(row.outcome, 'ok');
  });

  test("a workflow-automation launch reaches n8n's workflow, which checks its signature, answers its execution and calls back", async () => {
    const token = await fetchToken(mesh.gw.url, client);
    const sent = await fetch(`${mesh.gw.url}/agents/workflow-automation/message:send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` },
      body: JSON.stringify({ message: { messageId: `launch-${Date.now()}`, role: 'ROLE_USER', parts: [{ data: { campaign, owners: ['ana@example.com'] } }], metadata: { skillId: 'launch-automation' } }, configuration: { returnImmediately: true } }),
    });
    assert.equal(sent.status, 200, await sent.clone().text());
    const taskId = ((await sent.json()) as { task: { id: string } }).task.id;
    ours.add(taskId);
    type Task = { status: { state: string; message?: { parts: Array<{ text?: string }> } }; artifacts?: Array<{ name: string; parts: Array<{ data?: any }> }>; metadata?: Record<string, any> };
    let task: Task | undefined;
    const read = async () => {
      const res = await fetch(`${mesh.gw.url}/agents/workflow-automation/tasks/${taskId}`, { headers: { 'a2a-version': '1.0', authorization: `Bearer ${token}` } });
      task = (await res.json()) as Task;
      return task.status.state !== 'TASK_STATE_WORKING' && task.status.state !== 'TASK_STATE_SUBMITTED';
    };
    await until('n8n to call the task back', read, 90_000).catch((err) => assert.fail(`${err.message}: ${JSON.stringify(task)}${n8nSaid()}`));
    assert.equal(task!.status.state, 'TASK_STATE_COMPLETED', `${JSON.stringify(task!.status)}${n8nSaid()}`);
    const result = task!.artifacts?.find((a) => a.name === 'result')?.parts[0]?.data;
    // n8n's Code node verified the signature (with the old secret of the rotation) and saw the launch's payload.
    assert.deepEqual(result, { verified: true, webhookId: `msg_${taskId}`, campaignId: campaign.campaignId, followUpTasks: 8, crmRecords: 2 });
    const record = task!.metadata?.['agentmesh.workflow'];
    assert.equal(record.hook, 'followups');
    assert.equal(record.engine, 'n8n');
    assert.equal(record.phase, 'completed');
    assert.equal(record.status, 'succeeded');
    assert.match(record.executionId, /^\d+$/, "n8n's execution id, from its answer and its callback");
  });

  test("n8n's workflow refuses a launch whose signature is not the hook's", async () => {
    const body = JSON.stringify({ type: 'agentmesh.workflow.launch', timestamp: new Date().toISOString(), data: { hook: 'followups', payload: {} } });
    const forged = [
      signStandardWebhook({ id: 'msg_forged', now: Date.now(), body, secrets: [generateWebhookSecret()] }),
      { ...signStandardWebhook({ id: 'msg_old', now: Date.now() - 600_000, body, secrets: [oldSecret] }) },
      {},
    ];
    for (const headers of forged) {
      const res = await fetch(`${n8n.url}/webhook/agentmesh-followups`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      assert.equal(res.status, 401, `${JSON.stringify(headers)}: ${await res.text()}${n8nSaid()}`);
    }
  });

  test("n8n activates the agentmesh Task Trigger, whose first poll reads the agent's tasks through the gateway with its API key", async () => {
    assert.doesNotMatch(n8n.output(), /problem activating the workflow/, n8nSaid());
    await until(
      "the trigger's poll in the audit",
      async () => {
        await mesh.gw.gateway.audit.flush();
        return (await mesh.gw.gateway.audit.tail({ limit: 200 })).some((r) => r.actor.kind === 'api-key' && r.targetAgent === 'workflow-automation' && r.tenant === TENANT && r.outcome === 'ok');
      },
      30_000,
    ).catch((err) => assert.fail(`${err.message}${n8nSaid()}`));
  });

  test('the built trigger emits each task that ended since its last poll, once', async () => {
    const { AgentmeshTaskTrigger } = builtModule(built, 'nodes/AgentmeshTaskTrigger/AgentmeshTaskTrigger.node.js');
    const trigger = new AgentmeshTaskTrigger();
    const staticData: Record<string, unknown> = {};
    const context = {
      getCredentials: async () => ({ gatewayUrl: mesh.gw.url, authentication: 'apiKey', apiKey: await apiKeyOf() }),
      getNodeParameter: (name: string) => ({ agent: 'workflow-automation', states: ['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED'] })[name],
      getMode: () => 'trigger',
      getWorkflowStaticData: () => staticData,
    };
    assert.equal(await trigger.poll.call(context), null, 'the first poll marks where it starts');
    const token = await fetchToken(mesh.gw.url, client);
    const ended: string[] = [];
    for (const leads of [['lead-002'], ['lead-004']]) {
      const small = planCampaign({ name: 'One', leadIds: leads, channel: 'sms', startDate: '2026-03-02' }, 'scheduled', new Date('2026-03-01T12:00:00Z'));
      const res = await fetch(`${mesh.gw.url}/agents/workflow-automation/message:send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` },
        body: JSON.stringify({ message: { messageId: `poll-${leads[0]}-${Date.now()}`, role: 'ROLE_USER', parts: [{ data: { campaign: small } }], metadata: { skillId: 'schedule-followups' } } }),
      });
      ended.push(((await res.json()) as { task: { id: string } }).task.id);
    }
    const [items] = (await trigger.poll.call(context)) as Array<Array<{ json: { taskId: string; state: string; result: { tasks: unknown[] } } }>>;
    assert.deepEqual(items!.map((i) => i.json.taskId).sort(), [...ended].sort());
    assert.ok(items!.every((i) => i.json.state === 'TASK_STATE_COMPLETED' && i.json.result.tasks.length === 2), 'each with its result');
    assert.equal(await trigger.poll.call(context), null, 'nothing twice');
  });

  test("the built A2A Agent node reads a skill's fields from its schema, and streams a task", async () => {
    const { A2aAgent } = builtModule(built, 'nodes/A2aAgent/A2aAgent.node.js');
    const node = new A2aAgent();
    const credentials = async () => ({ gatewayUrl: mesh.gw.url, authentication: 'clientCredentials', clientId: client.clientId, clientSecret: client.clientSecret, scope: '' });
    const params: Record<string, unknown> = { agent: 'workflow-automation', skill: 'schedule-followups', inputMode: 'json', json: JSON.stringify({ campaign }), mode: 'streaming', options: {} };
    const load = { getCredentials: credentials, getNodeParameter: (name: string, fallback?: unknown) => params[name] ?? fallback };
    const agents = await node.methods.loadOptions.getAgents.call(load);
    assert.deepEqual(agents.map((a: { value: string }) => a.value), ['workflow-automation']);
    const skills = await node.methods.loadOptions.getSkills.call(load);
    assert.deepEqual(skills.map((s: { value: string }) => s.value), ['', 'schedule-followups', 'launch-records', 'launch-automation']);
    const { fields } = await node.methods.resourceMapping.getSkillFields.call(load);
    assert.deepEqual(fields.map((f: { id: string; type: string; required: boolean }) => [f.id, f.type, f.required]), [['campaign', 'object', true], ['owners', 'array', false]]);

    const context = { ...load, getInputData: () => [{ json: {} }], getNodeParameter: (name: string, _i: number, fallback?: unknown) => params[name] ?? fallback, continueOnFail: () => false };
    const [[item]] = await node.execute.call(context);
    assert.equal(item.json.state, 'TASK_STATE_COMPLETED');
    assert.equal(item.json.result.tasks.length, 8);
    assert.ok(item.json.events.length >= 3, 'the task, its progress and its end, as streamed');
    assert.ok(item.json.events.some((e: { statusUpdate?: unknown }) => e.statusUpdate !== undefined));
  });
});

/** A module of the built package (CommonJS, as n8n loads it). */
function builtModule(dir: string, file: string): any {
  return createRequire(import.meta.url)(join(dir, 'dist', file));
}
