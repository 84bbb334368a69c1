import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { runCli } from '../../../src/cli/index.js';
import { cli } from './cli-harness.js';
import { spawnCli, stopChild } from '../../helpers/child-output.js';
import { until } from '../../helpers/until.js';
import { tempDirForSuite } from '../../helpers/suite-fixture.js';

describe('agentmesh up: registry and example agents in one process', () => {
  let child: ChildProcess;
  let registryUrl: string;
  let agentsUrl: string;
  let stdout = '';
  let stderr = '';
  // up stops before its data directory, the suite's temporary one, is removed: after hooks run in order.
  after(() => stopChild(child));
  const dataDir = tempDirForSuite('agentmesh-up-');

  before(async () => {
    child = spawnCli(['up', '--port', '0', '--registry-port', '0', '--gateway-port', '0', '--orchestrator-port', '0', '--data-dir', dataDir()]);
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    [registryUrl, agentsUrl] = await new Promise<[string, string]>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const registry = /registry listening on (http:\/\/\S+)/.exec(stdout);
        const runtime = /runtime listening on (http:\/\/\S+)/.exec(stdout);
        if (registry && runtime) resolve([registry[1]!, runtime[1]!]);
      });
      child.once('exit', (code) => reject(new Error(`up exited early with ${code}: ${stdout}`)));
    });
  });


  test('a first start says in one line, before the banner, where its development secrets live; the roles\' production advice stays out', () => {
    const before = stdout.slice(0, stdout.indexOf('agentmesh runtime listening on'));
    const line = `agentmesh: development secrets and keys generated in ${dataDir()} (private to you, kept across restarts; a fleet sets its own: docs/security.md#secrets-at-rest)\n`;
    assert.ok(before.endsWith(line), before);
    assert.equal(before.split(line).length, 2, 'said once');
    // The roles' own advice about generated secrets (replicas need the same one) is for a fleet: at info, under up's warn.
    // (A loaded machine may add a registry retry before the banner: that one is news.)
    assert.doesNotMatch(before, /generated a secret|using a generated key/);
    assert.equal(stderr, '');
  });

  test('the example agents register themselves, with their metadata, and are found by text', async () => {
    await until('both example agents to be registered', async () => {
      const listed = await cli(['agents', 'list', '--registry', registryUrl, '--json']);
      return listed.code === 0 && ['echo', 'lead-scorer'].every((n) => listed.stdout.includes(`"name":"${n}"`));
    }, 10_000);
    const record = (await (await fetch(`${registryUrl}/v1/agents/lead-scorer`)).json()) as any;
    assert.equal(record.metadata.department, 'sales');
    assert.deepEqual(record.metadata.skills['score-leads'].pricing, { creditsPerItem: 1, itemsPath: 'leadIds' });
    assert.equal(record.signed, true);
    const search = await cli(['agents', 'search', 'score leads similar to my best customers', '--registry', registryUrl, '--json']);
    assert.equal(search.code, 0, search.stderr);
    // The README's example is lookalike work, audience-architect's.
    assert.equal(JSON.parse(search.stdout).results[0].metadata.name, 'audience-architect');
  });

  test('the agents refuse direct calls: only the gateway reaches them', async () => {
    const sent = await cli(['send', `${agentsUrl}/agents/echo`, 'hello mesh']);
    assert.notEqual(sent.code, 0, sent.stdout);
    assert.match(sent.stderr, /through the agentmesh gateway only/);
    const rest = await fetch(`${agentsUrl}/agents/echo/message:send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
      body: JSON.stringify({ message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'hello mesh' }] } }),
    });
    assert.equal(rest.status, 401);
    const body = (await rest.json()) as any;
    assert.equal(body.error.status, 'UNAUTHENTICATED');
    assert.equal(body.error.details.find((d: any) => d['@type']?.endsWith('ErrorInfo'))?.metadata.code, 'AM_ERR_GATEWAY_ASSERTION_INVALID');
    assert.equal((await fetch(`${agentsUrl}/agents/echo/.well-known/agent-card.json`)).status, 200, 'cards stay public');
  });

  test('the demo client calls an agent through the gateway with a token, and is charged', async () => {
    const gateway = /gateway listening on (http:\/\/\S+)/.exec(stdout)![1]!;
    const [, clientId, clientSecret] = /demo client: (\S+) \/ (\S+)/.exec(stdout)!;
    const tokenOut = await cli(['token', '--gateway', gateway, '--client-id', clientId!, '--client-secret', clientSecret!]);
    assert.equal(tokenOut.code, 0, tokenOut.stderr);
    const token = tokenOut.stdout.trim();
    const res = await fetch(`${gateway}/agents/lead-scorer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ data: { leadIds: ['lead-001', 'lead-002'] } }] } } }),
    });
    const body = (await res.json()) as any;
    assert.equal(body.result?.task?.status?.state, 'TASK_STATE_COMPLETED', JSON.stringify(body));
  });

  test('the HR agent also runs as a plain ACP agent, bridged, and a workflow mixes the two protocols', async () => {
    const gateway = /gateway listening on (http:\/\/\S+)/.exec(stdout)![1]!;
    assert.match(stdout, /ACP example listening on http:\/\/\S+\/acp {2}\(ACP agents: hr-acp;/);
    const record = (await (await fetch(`${registryUrl}/v1/agents/hr-acp`)).json()) as any;
    assert.equal(record.bridge?.protocol, 'acp', JSON.stringify(record).slice(0, 300));
    const [, clientId, clientSecret] = /demo client: (\S+) \/ (\S+)/.exec(stdout)!;
    const env = { AGENTMESH_CLIENT_ID: clientId!, AGENTMESH_CLIENT_SECRET: clientSecret!, AGENTMESH_TOKEN_CACHE: '0' };
    let out = '';
    let err = '';
    const code = await runCli(['workflow', 'run', 'workflows/employee-question.yaml', '--gateway', gateway, '--input', 'question=How much paid vacation do employees get?', '--json'], {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env,
    });
    assert.equal(code, 0, `${err}${out}`);
    assert.match(out, /25 days of paid vacation/);
    assert.match(out, /"team"/);
  });

  test('SIGTERM drains both roles, removes the instances and exits 0', async () => {
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
  });
});
