/**
 * No call through the gateway runs without its answer reaching a client that waits for it (ADR 0069,
 * "Half-close"), on either server that may parse the public port:
 *
 * - A client that sends a SendMessage and then half-closes (a FIN, as `nc -N` sends) gets the answer,
 *   given after the gateway read that FIN, and the call makes exactly one task.
 * - A request pipelined behind one that asked for `Connection: close` is never run (RFC 9112 §9.6): its
 *   answer could never be written, so no task may come of it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import type { AgentDefinition } from '../../../src/runtime/index.js';
import { startGatewayMeshFor } from '../../helpers/gateway-mesh.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';
import { Latches } from '../../helpers/latches.js';

for (const server of ['node', 'llhttp'] as const) {
  describe(`through a gateway whose public port is parsed by ${server === 'node' ? "node:http's server" : 'the llhttp front'}`, () => {
    /** Every messageId the agent was handed, in order. */
    const received: string[] = [];
    /** Resolved, by the messageId its connection carried, when the gateway has read that client's FIN. */
    const fins = new Latches();
    /** The messageId each test connection carries, by its client port. */
    const carried = new Map<number, string>();
    const recorder: AgentDefinition = oneSkillAgent({ name: 'recorder', description: 'Records the messages it is handed' }, 'record', {
      description: "Records the message id; answers a message whose id starts with after-fin once the gateway has read its client's FIN",
      handler: async (_text: string, ctx) => {
        const id = ctx.message.messageId;
        received.push(id);
        if (id.startsWith('after-fin')) await fins.get(id).promise;
        return 'recorded';
      },
    });
    const mesh = startedForSuite(async () => {
      const started = await startGatewayMeshFor({ name: 'half-closer', scopes: ['a2a:message:send'] }, { agents: [recorder], gateway: { dataPlaneServer: server } });
      // The gateway's own side of each connection: the FIN it reads is what the agent waits for.
      started.gw.gateway.app.server.on('connection', (socket: Socket) =>
        socket.once('end', () => {
          const id = carried.get(socket.remotePort ?? 0);
          if (id !== undefined) fins.get(id).resolve();
        }),
      );
      return started;
    });
    const host = () => new URL(mesh().gw.url).host;

    function sendMessage(messageId: string): string {
      const body = JSON.stringify({ jsonrpc: '2.0', id: messageId, method: 'SendMessage', params: { message: { messageId, role: 'ROLE_USER', parts: [{ text: 'hi' }] } } });
      return `POST /agents/recorder HTTP/1.1\r\nHost: ${host()}\r\nAuthorization: Bearer ${mesh().token}\r\nA2A-Version: 1.0\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    }

    /** Writes `bytes` (carrying `messageId`) in one write, then half-closes; everything read until the gateway closes the connection. */
    async function sendThenHalfClose(bytes: string, messageId: string): Promise<string> {
      const socket = connect(Number(new URL(mesh().gw.url).port), '127.0.0.1');
      await once(socket, 'connect');
      carried.set(socket.localPort!, messageId);
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      const closed = once(socket, 'close');
      socket.end(bytes);
      await closed;
      return Buffer.concat(chunks).toString('latin1');
    }

    test('a SendMessage followed by a FIN gets its answer, and makes exactly one task', { timeout: 30_000 }, async () => {
      const messageId = `after-fin-${server}`;
      const answer = await sendThenHalfClose(sendMessage(messageId), messageId);
      assert.match(answer, /^HTTP\/1\.1 200 /, answer);
      const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { id: string; result?: { task?: { id: string; status: { state: string } } } };
      assert.equal(body.id, messageId);
      assert.equal(body.result?.task?.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(body));
      assert.deepEqual(received.filter((id) => id === messageId), [messageId], 'one task, run once');
    });

    test('a SendMessage pipelined behind a health check that asked for Connection: close never runs', { timeout: 30_000 }, async () => {
      const messageId = `behind-close-${server}`;
      const answer = await sendThenHalfClose(`GET /health HTTP/1.1\r\nHost: ${host()}\r\nConnection: close\r\n\r\n${sendMessage(messageId)}`, messageId);
      assert.match(answer, /^HTTP\/1\.1 200 [\s\S]*"status":"ok"/, answer);
      assert.doesNotMatch(answer, new RegExp(messageId), answer);
      // An honest call after it, on a connection of its own, reaches the agent: had the one behind the close run, it would be here first.
      const honest = `honest-${server}`;
      assert.match(await sendThenHalfClose(sendMessage(honest), honest), /^HTTP\/1\.1 200 /);
      assert.ok(received.includes(honest));
      assert.ok(!received.includes(messageId), `the SendMessage behind Connection: close reached the agent: ${received.join(', ')}`);
    });

    test('a SendMessage pipelined behind one that asked for Connection: close never runs; the first is answered', { timeout: 30_000 }, async () => {
      const first = `closing-${server}`;
      const behind = `behind-closing-${server}`;
      const answer = await sendThenHalfClose(sendMessage(first).replace('\r\nA2A-Version', '\r\nConnection: close\r\nA2A-Version') + sendMessage(behind), first);
      assert.match(answer, /^HTTP\/1\.1 200 [\s\S]*"recorded"/, answer);
      assert.doesNotMatch(answer, new RegExp(behind), answer);
      assert.ok(received.includes(first));
      const honest = `honest-2-${server}`;
      assert.match(await sendThenHalfClose(sendMessage(honest), honest), /^HTTP\/1\.1 200 /);
      assert.ok(received.includes(honest));
      assert.ok(!received.includes(behind), `the SendMessage behind Connection: close reached the agent: ${received.join(', ')}`);
    });
  });
}
