import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ASSERTION_ISSUER, startAssertionIssuer } from '../../helpers/assertion-issuer.js';
import { rpc, startRuntime, testAgent, userMessage } from '../../helpers/runtime-fixture.js';

describe('runtime behind the gateway: assertions carry the tenant', () => {
  let issuer: Awaited<ReturnType<typeof startAssertionIssuer>>;
  let sign: (claims: Record<string, unknown>, options?: { aud?: string; expSeconds?: number; alg?: string }) => Promise<string>;
  let host: Awaited<ReturnType<typeof startRuntime>>;
  let agentUrl: string;

  before(async () => {
    issuer = await startAssertionIssuer();
    sign = async (claims, options = {}) => issuer.sign(claims, { aud: options.aud ?? 'agentmesh:agent:tester', expSeconds: options.expSeconds });
    host = await startRuntime([testAgent], { gatewayJwksUrl: issuer.jwksUrl, gatewayIssuer: ASSERTION_ISSUER, requireGatewayAssertion: true });
    agentUrl = host.agents.tester!;
  });
  after(async () => {
    await host.close();
    issuer.close();
  });

  const bearer = (token: string) => ({ 'A2A-Version': '1.0', authorization: `Bearer ${token}` });

  test('a call without an assertion is refused; the card stays public', async () => {
    const res = await rpc(agentUrl, 'GetTask', { id: 'x' });
    assert.equal(res.body.error.code, -32600);
    assert.match(res.body.error.message, /gateway/);
    const rest = await fetch(`${agentUrl}/tasks/x`, { headers: { 'A2A-Version': '1.0' } });
    assert.equal(rest.status, 401);
    assert.equal((await fetch(`${agentUrl}/.well-known/agent-card.json`)).status, 200);
  });

  test('tenant A creates a task; tenant B cannot read, list or cancel it', async () => {
    const a = await sign({ tenant: 'tenant-a', scope: 'a2a:message:send a2a:tasks:read' });
    const b = await sign({ tenant: 'tenant-b', scope: 'a2a:message:send a2a:tasks:read' });
    const sent = await rpc(agentUrl, 'SendMessage', { message: userMessage('hello') }, bearer(a));
    const id = sent.body.result.task.id as string;
    assert.equal((await rpc(agentUrl, 'GetTask', { id }, bearer(a))).body.result.id, id);
    const foreign = await rpc(agentUrl, 'GetTask', { id }, bearer(b));
    assert.equal(foreign.body.error.code, -32001, 'another tenant sees not-found');
    const listed = await rpc(agentUrl, 'ListTasks', {}, bearer(b));
    assert.ok(!listed.body.result.tasks.some((t: any) => t.id === id));
    assert.equal((await rpc(agentUrl, 'CancelTask', { id }, bearer(b))).body.error.code, -32001);
  });

  test('wrong audience, expired, wrong issuer and unsigned assertions are refused with a reason', async () => {
    const cases: Array<[string, string]> = [
      ['claim aud', await sign({ tenant: 't' }, { aud: 'agentmesh:agent:other' })],
      ['expired', await sign({ tenant: 't' }, { expSeconds: -120 })],
      ['malformed', 'not-a-jwt'],
      ['algorithm', `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ tenant: 't', sub: 'x', aud: 'agentmesh:agent:tester', exp: 9999999999 })).toString('base64url')}.`],
    ];
    for (const [reason, token] of cases) {
      const res = await fetch(`${agentUrl}/tasks/x`, { headers: bearer(token) });
      assert.equal(res.status, 401, reason);
      const body = (await res.json()) as any;
      assert.match(body.error.message, new RegExp(reason.split(' ')[0]!), `${reason}: ${body.error.message}`);
    }
  });
});

describe("runtime behind the gateway: the gateway's key set out of reach", () => {
  let issuer: Awaited<ReturnType<typeof startAssertionIssuer>>;
  let failing: Server;
  let closedPort: number;

  before(async () => {
    issuer = await startAssertionIssuer();
    failing = createServer((_req, res) => res.writeHead(503).end());
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
  });
  after(() => {
    failing.close();
    issuer.close();
  });

  for (const [what, jwksUrl] of [
    ['answers 503', () => `http://127.0.0.1:${(failing.address() as AddressInfo).port}/.well-known/jwks.json`],
    ['refuses the connection', () => `http://127.0.0.1:${closedPort}/.well-known/jwks.json`],
  ] as const) {
    test(`a key set that ${what} makes a well-formed assertion a retryable 503, not a 401; a malformed one is still refused`, async () => {
      const host = await startRuntime([testAgent], { gatewayJwksUrl: jwksUrl(), gatewayIssuer: ASSERTION_ISSUER, requireGatewayAssertion: true });
      try {
        const agentUrl = host.agents.tester!;
        const token = await issuer.sign({ tenant: 'tenant-a', scope: 'a2a:tasks:read' }, { aud: 'agentmesh:agent:tester' });
        const headers = { 'A2A-Version': '1.0', authorization: `Bearer ${token}` };
        const rpcAnswer = await rpc(agentUrl, 'GetTask', { id: 'x' }, headers);
        assert.equal(rpcAnswer.body.error.code, -32603);
        assert.match(rpcAnswer.body.error.message, /JWKS is unavailable/);
        assert.equal((await fetch(`${agentUrl}/tasks/x`, { headers })).status, 503);
        const malformed = await rpc(agentUrl, 'GetTask', { id: 'x' }, { 'A2A-Version': '1.0', authorization: 'Bearer not-a-jwt' });
        assert.equal(malformed.body.error.code, -32600);
      } finally {
        await host.close();
      }
    });
  }
});
