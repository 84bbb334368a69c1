/**
 * A skill's Message answer (no task, ADR 0034) end to end on real processes:
 * `agentmesh serve registry`, `serve gateway`, `agent serve` (the agent of
 * test/fixtures/message-reply-agent.ts: once on its own with gRPC, once
 * registered behind the gateway) and `serve orchestrator`, each a process of
 * its own as an operator starts them (docs/operations.md), and the official
 * `@a2a-js/sdk` client:
 *
 * - directly, on JSON-RPC, HTTP+JSON and gRPC, in A2A 1.0 and 0.3: the Message;
 * - through the gateway, on its two bindings (it relays no gRPC: its card
 *   lists no GRPC interface), both versions: the Message, each call charged
 *   once at the usage it reported, one audit row each, no hold left;
 * - through the orchestrator (its router, and a workflow step) behind the
 *   gateway: the specialist's message is the answer, each specialist call
 *   charged once, audited once as a message answer, no hold left.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageRequest, type StreamResponse, type Task } from '@a2a-js/sdk';
import { connectAgent } from '../../../src/cli/index.js';
import { ADMIN_TOKEN, balanceTotal, createClient, fetchToken, topUp } from '../../helpers/gateway-fixture.js';
import { runMessage } from '../../helpers/orchestrator-fixture.js';
import { asMessage, asTask, messageText, sendRequest } from '../../helpers/sdk-client.js';
import { runToExit, spawnCli, stopChild, waitForOutput } from '../../helpers/child-output.js';
import { until } from '../../helpers/until.js';
import type { ChildProcess } from 'node:child_process';
import { EVERY_COMBINATION, HTTP_COMBINATIONS } from '../../helpers/wire-combinations.js';

const TENANT = 'replies-e2e';
const COMPLETED = 3;

/** An audit row as `agentmesh audit export` prints it. */
interface AuditLine {
  eventType: string;
  tenant?: string;
  targetAgent?: string;
  method?: string;
  milliCredits?: number;
  taskId?: string | null;
  outcome?: string;
  detail?: Record<string, unknown>;
}

describe('message answers end to end on real processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-replies-e2e-'));
  const children: ChildProcess[] = [];
  // What every role reads: no database or Redis of the developer's (SQLite files in `dir`), loopback agents allowed.
  const common: Record<string, string | undefined> = {
    DATABASE_URL: undefined,
    REDIS_URL: undefined,
    AGENTMESH_DATA_DIR: undefined,
    PORT: undefined,
    REGISTRY_TOKEN: randomBytes(24).toString('hex'),
    AGENTMESH_SECRET: randomBytes(32).toString('hex'),
    AGENTMESH_ALLOW_HOSTS: '127.0.0.1,localhost',
  };
  let gatewayUrl = '';
  let agentUrl = '';
  let registryUrl = '';
  let token = '';
  let start = 0;

  const role = async (args: string[], env: Record<string, string | undefined>, listening: RegExp, what: string): Promise<string> => {
    const child = spawnCli(args, { ...common, ...env });
    children.push(child);
    return waitForOutput(child, listening, what);
  };

  before(async () => {
    registryUrl = await role(['serve', 'registry', '--port', '0', '--data-dir', join(dir, 'registry'), '--dev'], { REGISTRY_PROBE_INTERVAL_MS: '200' }, /registry listening on (\S+)/, 'serve registry');
    gatewayUrl = await role(
      ['serve', 'gateway', '--port', '0', '--data-dir', join(dir, 'gateway'), '--dev'],
      // Exact holds: every call's hold is a ledger row, so "no hold left" is read from the reservations route.
      { REGISTRY_URL: registryUrl, GATEWAY_SECRET: randomBytes(32).toString('hex'), GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN, GATEWAY_METRICS_PORT: '0', GATEWAY_CREDITS_MODE: 'exact' },
      /gateway listening on (\S+)/,
      'serve gateway',
    );
    const jwks = `${gatewayUrl}/.well-known/jwks.json`;
    // The agent twice, as an operator runs it: on its own with gRPC for direct callers, and registered behind the
    // gateway, answering only its assertions, with gRPC on too: its registered card lists GRPC interfaces
    // (host:port), which the card the gateway serves must leave out.
    agentUrl = await role(['agent', 'serve', 'test/fixtures/message-reply-agent.ts', '--port', '0', '--data-dir', join(dir, 'agent-direct'), '--dev'], { GRPC_PORT: '0' }, /runtime listening on (\S+)/, 'agent serve (direct)');
    await role(
      ['agent', 'serve', 'test/fixtures/message-reply-agent.ts', '--port', '0', '--data-dir', join(dir, 'agent'), '--dev'],
      { REGISTRY_URL: registryUrl, GATEWAY_JWKS_URL: jwks, AGENTMESH_REQUIRE_GATEWAY: '1', GRPC_PORT: '0' },
      /runtime listening on (\S+)/,
      'agent serve (behind the gateway)',
    );
    const orchestratorClient = await createClient(gatewayUrl, { name: 'orchestrator', tenant: 'agentmesh', scopes: ['gateway:delegate', 'a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel', 'a2a:card:read'] });
    await role(
      ['serve', 'orchestrator', '--port', '0', '--data-dir', join(dir, 'orchestrator'), '--dev'],
      { REGISTRY_URL: registryUrl, GATEWAY_URL: gatewayUrl, ORCHESTRATOR_CLIENT_ID: orchestratorClient.clientId, ORCHESTRATOR_CLIENT_SECRET: orchestratorClient.clientSecret, GATEWAY_JWKS_URL: jwks, AGENTMESH_REQUIRE_GATEWAY: '1' },
      /orchestrator listening on (\S+)/,
      'serve orchestrator',
    );
    token = await fetchToken(gatewayUrl, await createClient(gatewayUrl, { name: 'front-desk', tenant: TENANT, scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:card:read'] }));
    await topUp(gatewayUrl, TENANT, 100);
    start = await balanceTotal(gatewayUrl, TENANT);
    // The gateway routes an agent once the registry has probed it: its card through the gateway answers then.
    for (const agent of ['greeter', 'orchestrator']) {
      await until(`the gateway to route to ${agent}`, async () => (await fetch(`${gatewayUrl}/agents/${agent}/.well-known/agent-card.json`)).ok, 60_000);
    }
  });

  after(async () => {
    for (const child of children.reverse()) await stopChild(child, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  /** The gateway's audit rows, read by `agentmesh audit export` from its database (a process of its own). */
  const auditRows = async (): Promise<AuditLine[]> => {
    const { code, output } = await runToExit(['audit', 'export', '--data-dir', join(dir, 'gateway')], { ...common, LOG_LEVEL: 'error' });
    assert.equal(code, 0, output);
    return output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as AuditLine);
  };
  const holds = async (): Promise<unknown[]> => {
    const res = await fetch(`${gatewayUrl}/v1/tenants/${TENANT}/credits/reservations`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(res.status, 200);
    return ((await res.json()) as { reservations: unknown[] }).reservations;
  };
  /** Message answers of the greeter's through the gateway, each to be charged 1.5 credits once. */
  let charged = 0;

  describe('directly', () => {
    for (const { protocol, binding } of EVERY_COMBINATION) {
      test(`A2A ${protocol} over ${binding}: SendMessage and SendStreamingMessage get the Message, no task`, async () => {
        const { client, ...connection } = await connectAgent({ url: agentUrl, protocol, binding });
        assert.equal(connection.binding, binding);
        const message = asMessage(await client.sendMessage(sendRequest('Ada')));
        assert.equal(messageText(message), 'Hello, Ada');
        assert.equal(message.taskId ?? '', '', 'no task');
        const events: StreamResponse[] = [];
        for await (const e of client.sendMessageStream(sendRequest('Grace'))) events.push(e);
        assert.deepEqual(events.map((e) => e.payload?.$case), ['message']);
      });
    }
  });

  describe('through the gateway', () => {
    for (const { protocol, binding } of HTTP_COMBINATIONS) {
      test(`A2A ${protocol} over ${binding}: SendMessage and SendStreamingMessage get the Message`, async () => {
        const { client } = await connectAgent({ url: `${gatewayUrl}/agents/greeter`, protocol, binding, token });
        const message = asMessage(await client.sendMessage(sendRequest('Lin')));
        charged++;
        assert.equal(messageText(message), 'Hello, Lin');
        assert.equal((message.metadata?.['agentmesh.usage'] as { credits?: number } | undefined)?.credits, 1.5, 'the usage it reported');
        const events: StreamResponse[] = [];
        for await (const e of client.sendMessageStream(sendRequest('Bo'))) events.push(e);
        charged++;
        assert.deepEqual(events.map((e) => e.payload?.$case), ['message']);
      });
    }

    test('gRPC is not relayed: the card the gateway serves lists no GRPC interface, the agent card does', async () => {
      const direct = (await (await fetch(`${agentUrl}/.well-known/agent-card.json`)).json()) as { supportedInterfaces: Array<{ protocolBinding: string }> };
      assert.ok(direct.supportedInterfaces.some((i) => i.protocolBinding === 'GRPC'));
      const registered = (await (await fetch(`${registryUrl}/v1/agents/greeter`)).json()) as { card: { supportedInterfaces: Array<{ protocolBinding: string }> } };
      assert.ok(registered.card.supportedInterfaces.some((i) => i.protocolBinding === 'GRPC'), 'the registry holds the GRPC interfaces');
      const relayed = (await (await fetch(`${gatewayUrl}/agents/greeter/.well-known/agent-card.json`)).json()) as { supportedInterfaces: Array<{ protocolBinding: string }> };
      assert.deepEqual([...new Set(relayed.supportedInterfaces.map((i) => i.protocolBinding))].sort(), ['HTTP+JSON', 'JSONRPC']);
    });

    test('each was charged 1.5 credits once, has one audit row as a message answer, and left no hold', async () => {
      assert.equal(charged, HTTP_COMBINATIONS.length * 2);
      assert.equal(await balanceTotal(gatewayUrl, TENANT), start - charged * 1500);
      assert.deepEqual(await holds(), []);
      const sends = (await auditRows()).filter((r) => r.eventType === 'a2a.call' && r.tenant === TENANT && r.targetAgent === 'greeter' && (r.method === 'SendMessage' || r.method === 'SendStreamingMessage'));
      assert.equal(sends.length, charged, 'one audit row per call');
      for (const row of sends) {
        assert.equal(row.outcome, 'ok');
        assert.equal(row.milliCredits, 1500);
        assert.equal(row.taskId ?? undefined, undefined, 'no task');
        assert.equal(row.detail?.['answer'], 'message');
        assert.equal(row.detail?.['settled'], true);
      }
      start -= charged * 1500;
    });
  });

  describe('through the orchestrator', () => {
    const resultText = (task: Task): string =>
      task.artifacts
        .filter((a) => a.name === 'result')
        .flatMap((a) => a.parts)
        .map((p) => (p.content?.$case === 'text' ? p.content.value : ''))
        .join('');
    let specialistCalls = 0;

    for (const { protocol, binding } of HTTP_COMBINATIONS) {
      test(`A2A ${protocol} over ${binding}: a route to the greeter answers with its message`, async () => {
        const { client } = await connectAgent({ url: `${gatewayUrl}/agents/orchestrator`, protocol, binding, token });
        const request = SendMessageRequest.fromJSON({ message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'Ada' }], metadata: { 'agentmesh.route': { agent: 'greeter', skill: 'greet' } } } });
        const task = asTask(await client.sendMessage(request));
        specialistCalls++;
        assert.equal(task.status?.state, COMPLETED, JSON.stringify(task.status));
        assert.equal(resultText(task), 'Hello, Ada');
      });
    }

    test('a workflow step answered with a message outputs its text', async () => {
      const { client } = await connectAgent({ url: `${gatewayUrl}/agents/orchestrator`, protocol: '1.0', binding: 'jsonrpc', token });
      const yaml = 'name: greet-once\nsteps:\n  - { id: hello, call: { agent: greeter, skill: greet }, input: Grace }\noutputs:\n  greeting: "{{ steps.hello.output }}"\n';
      const task = asTask(await client.sendMessage(SendMessageRequest.fromJSON({ message: runMessage(yaml) })));
      specialistCalls++;
      assert.equal(task.status?.state, COMPLETED, JSON.stringify(task.status));
      const outputs = task.artifacts.find((a) => a.name === 'outputs')?.parts[0]?.content;
      assert.deepEqual(outputs?.$case === 'data' ? outputs.value : undefined, { greeting: 'Hello, Grace' });
    });

    test("each of the greeter's calls was charged once to the caller's tenant, audited once as a message answer, and left no hold", async () => {
      assert.equal(await balanceTotal(gatewayUrl, TENANT), start - specialistCalls * 1500);
      assert.deepEqual(await holds(), []);
      const rows = await auditRows();
      const greeterSends = rows.filter((r) => r.eventType === 'a2a.call' && r.tenant === TENANT && r.targetAgent === 'greeter' && (r.method === 'SendMessage' || r.method === 'SendStreamingMessage'));
      // The calls made through the gateway above plus the orchestrator's (it streams its calls), one row each.
      assert.equal(greeterSends.length, charged + specialistCalls);
      assert.ok(greeterSends.every((r) => r.detail?.['answer'] === 'message' && r.milliCredits === 1500), JSON.stringify(greeterSends.map((r) => r.detail)));
    });
  });
});
