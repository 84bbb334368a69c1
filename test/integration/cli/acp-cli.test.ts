import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAcpReferenceServer, type AcpReferenceServer } from '../../helpers/acp-reference-server.js';
import { createClient, fetchToken, startGateway, topUp } from '../../helpers/gateway-fixture.js';
import { startRegistry } from '../../helpers/registry-fixture.js';
import { until } from '../../helpers/until.js';
import { cli, cliJson } from './cli-harness.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

/*
 * `agentmesh agents register --acp <url>` registers the
 * agents of an ACP server as bridged agents, and `agentmesh send` calls one
 * through the gateway unchanged (blocking, streaming, answering a question).
 */

const manifest = (name: string, description: string) => ({ name, description, input_content_types: ['text/plain'], output_content_types: ['text/plain'] });

describe('agentmesh agents register --acp, and send to a bridged agent', () => {
  let acp: AcpReferenceServer;
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let gw: Awaited<ReturnType<typeof startGateway>>;
  let env: Record<string, string>;

  before(async () => {
    acp = await startAcpReferenceServer({ manifests: [manifest('echo', 'Echoes what it is sent'), manifest('interviewer', 'Asks for a name, then greets')], behaviours: { echo: 'echo', interviewer: 'interview' } });
    registry = await startRegistry({ probeIntervalMs: 200 });
    gw = await startGateway(registry.url);
    const token = await fetchToken(gw.url, await createClient(gw.url, { name: 'cli', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'] }));
    await topUp(gw.url, 'acme', 10);
    env = { AGENTMESH_REGISTRY: registry.url, AGENTMESH_TOKEN: token, AGENTMESH_TOKEN_CACHE: '0' };
  });
  after(() => closeInTurn(gw, registry, acp));

  test('register --acp registers the agents the ACP server lists (or the one --name names), as bridged', async () => {
    const one = await cliJson(['agents', 'register', '--acp', acp.url, '--name', 'echo'], { env });
    assert.equal(one.code, 0, one.stderr);
    const agents = one.json['agents'] as Array<{ name: string; bridge: { protocol: string; agentName: string } }>;
    assert.deepEqual(agents.map((a) => [a.name, a.bridge.protocol, a.bridge.agentName]), [['echo', 'acp', 'echo']]);
    const taken = await cli(['agents', 'register', '--acp', acp.url], { env });
    assert.notEqual(taken.code, 0, 'echo is registered already');
    const rest = await cli(['agents', 'register', '--acp', acp.url, '--name', 'interviewer'], { env });
    assert.equal(rest.code, 0, rest.stderr);
    assert.match(rest.stdout, /^registered interviewer \(bridged ACP agent\)$/m);
    assert.ok(rest.stdout.includes(acp.url), rest.stdout);
  });

  test('register refuses two sources at once', async () => {
    const run = await cli(['agents', 'register', 'http://127.0.0.1:1/agents/x', '--acp', acp.url], { env });
    assert.equal(run.code, 2, run.stdout);
    assert.match(run.stderr, /exactly one/);
  });

  test('send reaches a bridged agent through the gateway: blocking, streaming, and answering its question', async () => {
    for (const name of ['echo', 'interviewer']) {
      await until(`the gateway to route to ${name}`, async () => gw.gateway.router.agent(name)?.instances.some((i) => i.inRotation) ?? false);
    }
    const blocking = await cli(['send', `${gw.url}/agents/echo`, 'hello over ACP'], { env });
    assert.equal(blocking.code, 0, blocking.stderr);
    assert.match(blocking.stdout, /^state {5}completed$/m);
    assert.match(blocking.stdout, /hello over ACP/);

    const streamed = await cli(['send', `${gw.url}/agents/echo`, 'streamed', '--stream'], { env });
    assert.equal(streamed.code, 0, streamed.stderr);
    const lines = streamed.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^\[submitted\] task [0-9a-f-]{36}/);
    assert.match(lines.at(-1) ?? '', /^\[completed\]/);
    assert.ok(lines.some((l) => l.startsWith('[artifact]') && l.includes('streamed')), streamed.stdout);

    const asked = await cli(['send', `${gw.url}/agents/interviewer`, 'hi'], { env });
    assert.equal(asked.code, 3, asked.stderr);
    assert.match(asked.stdout, /^message {3}What is your name\?$/m);
    const taskId = /^task {6}(\S+)$/m.exec(asked.stdout)?.[1];
    assert.ok(taskId);
    const answered = await cli(['send', `${gw.url}/agents/interviewer`, 'Ada', '--task', taskId], { env });
    assert.equal(answered.code, 0, answered.stderr);
    assert.match(answered.stdout, /Hello, Ada/);
    assert.deepEqual(acp.requests.filter((r) => r.startsWith('NONCONFORMING')), []);
  });
});
