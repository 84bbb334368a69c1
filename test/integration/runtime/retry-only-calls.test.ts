/**
 * A retry-only call (ADR 0046, third addendum): the gateway forwards a repeat
 * of a charged messageId without a credit hold and says so in the assertion
 * it signs. The runtime answers it with the task that messageId started when
 * it is a retry, and otherwise refuses it as short of credit, in each
 * binding's words (JSON-RPC, HTTP+JSON, gRPC), without starting work. The
 * claim is critical: a verifier that does not know it refuses the assertion.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { createLocalJWKSet, jwtVerify, errors as joseErrors } from 'jose';
import { SendMessageRequest } from '@a2a-js/sdk';
import { connectAgent } from '../../../src/cli/index.js';
import { ASSERTION_ISSUER, startAssertionIssuer } from '../../helpers/assertion-issuer.js';
import { rpc, startRuntime } from '../../helpers/runtime-fixture.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';

const TENANT = 'retrier';
const runs = new Map<string, number>();

const worker = oneSkillAgent({ name: 'worker', description: 'Counts its runs per text' }, 'work', {
  description: 'Echoes its text',
  handler: async (text: string) => {
    runs.set(text, (runs.get(text) ?? 0) + 1);
    return `done ${text}`;
  },
});

describe('a retry-only call is answered only as a retry', () => {
  let issuer: Awaited<ReturnType<typeof startAssertionIssuer>>;
  let host: Awaited<ReturnType<typeof startRuntime>>;
  let url: string;

  before(async () => {
    issuer = await startAssertionIssuer();
    host = await startRuntime([worker], { gatewayJwksUrl: issuer.jwksUrl, gatewayIssuer: ASSERTION_ISSUER, requireGatewayAssertion: true, grpcPort: 0 });
    url = host.agents.worker!;
  });
  after(async () => {
    await host.close();
    issuer.close();
  });

  const plain = () => issuer.sign({ tenant: TENANT, scope: 'a2a:message:send a2a:tasks:read' }, { aud: 'agentmesh:agent:worker' });
  /** The assertion the gateway signs for a call it forwards without a hold, repeating `messageId`. */
  const retryOnly = (messageId: string, header: Record<string, unknown> = { crit: ['retry_only'], retry_only: messageId }) =>
    issuer.sign({ tenant: TENANT, scope: 'a2a:message:send a2a:tasks:read', retry_only: { message_id: messageId, balance: 0, needed: 2000 } }, { aud: 'agentmesh:agent:worker', header });
  const headers = (token: string) => ({ 'A2A-Version': '1.0', authorization: `Bearer ${token}` });
  const message = (messageId: string, text: string, extra: Record<string, unknown> = {}) => ({ messageId, role: 'ROLE_USER', parts: [{ text }], ...extra });
  const refusedMessage = `Tenant ${TENANT} has 0 milli-credits available; this call needs 2000`;

  test('the same message is answered with its task over JSON-RPC, HTTP+JSON and gRPC; the skill ran once', async () => {
    const id = randomUUID();
    const m = message(id, 'alpha');
    const first = await rpc(url, 'SendMessage', { message: m }, headers(await plain()));
    const taskId = first.body.result.task.id as string;
    const token = await retryOnly(id);
    const again = await rpc(url, 'SendMessage', { message: m }, headers(token));
    assert.equal(again.body.result?.task?.id, taskId, JSON.stringify(again.body));
    const rest = await fetch(`${url}/message:send`, { method: 'POST', headers: { ...headers(token), 'content-type': 'application/json' }, body: JSON.stringify({ message: m }) });
    assert.equal(rest.status, 200);
    assert.equal(((await rest.json()) as { task: { id: string } }).task.id, taskId);
    const { client } = await connectAgent({ url, protocol: '1.0', binding: 'grpc', token });
    const overGrpc = await client.sendMessage(SendMessageRequest.fromJSON({ message: m }));
    assert.equal((overGrpc as { id?: string }).id, taskId);
    assert.equal(runs.get('alpha'), 1);
  });

  test('anything else is refused as short of credit in each binding, and nothing starts', async () => {
    const id = randomUUID();
    await rpc(url, 'SendMessage', { message: message(id, 'beta') }, headers(await plain()));
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['another message under the id', message(id, 'gamma'), await retryOnly(id)],
      ['the same message in another context', message(id, 'beta', { contextId: randomUUID() }), await retryOnly(id)],
      ['a messageId never sent', message(randomUUID(), 'delta'), await retryOnly(id)],
      ['a messageId other than the claim’s', message(id, 'beta'), await retryOnly(randomUUID())],
    ];
    for (const [what, m, token] of cases) {
      const res = await rpc(url, 'SendMessage', { message: m }, headers(token));
      assert.equal(res.status, 402, what);
      assert.equal(res.body.error?.code, -32010, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error?.message, refusedMessage);
      const rest = await fetch(`${url}/message:send`, { method: 'POST', headers: { ...headers(token), 'content-type': 'application/json' }, body: JSON.stringify({ message: m }) });
      const body = (await rest.json()) as { error?: { status?: string; message?: string } };
      assert.equal(rest.status, 402, what);
      assert.deepEqual([body.error?.status, body.error?.message], ['FAILED_PRECONDITION', refusedMessage]);
      const { client } = await connectAgent({ url, protocol: '1.0', binding: 'grpc', token });
      await assert.rejects(client.sendMessage(SendMessageRequest.fromJSON({ message: m })), (err: Error & { status?: number }) => err.status === grpc.status.FAILED_PRECONDITION && err.message.includes(refusedMessage), what);
    }
    assert.deepEqual([runs.get('beta'), runs.get('gamma'), runs.get('delta')], [1, undefined, undefined]);
  });

  test('a follow-up to a task is never a retry', async () => {
    const id = randomUUID();
    const first = await rpc(url, 'SendMessage', { message: message(id, 'epsilon') }, headers(await plain()));
    const res = await rpc(url, 'SendMessage', { message: message(id, 'epsilon', { taskId: first.body.result.task.id }) }, headers(await retryOnly(id)));
    assert.equal(res.body.error?.code, -32010, JSON.stringify(res.body));
  });

  test('a claim without its critical header, or disagreeing with it, is refused as an invalid assertion', async () => {
    const id = randomUUID();
    for (const header of [{}, { crit: ['retry_only'], retry_only: randomUUID() }]) {
      const res = await fetch(`${url}/message:send`, { method: 'POST', headers: { ...headers(await retryOnly(id, header)), 'content-type': 'application/json' }, body: JSON.stringify({ message: message(id, 'zeta') }) });
      assert.equal(res.status, 401);
      assert.match(((await res.json()) as { error: { message: string } }).error.message, /retry_only/);
    }
    assert.equal(runs.get('zeta'), undefined);
  });

  test('a verifier that does not know the claim refuses the assertion: a runtime that predates it starts nothing', async () => {
    const keys = createLocalJWKSet((await (await fetch(issuer.jwksUrl)).json()) as never);
    const token = await retryOnly(randomUUID());
    await assert.rejects(jwtVerify(token, keys, { audience: 'agentmesh:agent:worker' }), joseErrors.JOSENotSupported);
  });
});
