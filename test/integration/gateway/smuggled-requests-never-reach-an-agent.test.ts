/**
 * A request hidden in another's chunked body never reaches an agent through the gateway's default
 * configuration. The chunk size announces more data than the client will send; the "data" is a
 * complete second request. A server must either read it as body (and time out waiting for the
 * rest) or refuse the connection; it must never parse those bytes as a request of their own. The
 * same holds for a chunked body whose last chunk never comes, followed by a second request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import type { AgentDefinition } from '../../../src/runtime/index.js';
import { startGatewayMeshFor } from '../../helpers/gateway-mesh.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

/** Every messageId the agent was handed, in order. */
const received: string[] = [];
const recorder: AgentDefinition = oneSkillAgent({ name: 'recorder', description: 'Records the messages it is handed' }, 'record', {
  description: 'Records the message id',
  handler: async (_text: string, ctx) => {
    received.push(ctx.message.messageId);
  },
});

const mesh = startedForSuite(() => startGatewayMeshFor({ name: 'smuggler', scopes: ['a2a:message:send'] }, { agents: [recorder] }));
/** The gateway's host and port, as a request's Host header names them. */
const host = () => new URL(mesh().gw.url).host;

function sendMessage(messageId: string): string {
  return JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId, role: 'ROLE_USER', parts: [{ text: 'hi' }] } } });
}

function plainRequest(messageId: string, connection = 'keep-alive'): string {
  const body = sendMessage(messageId);
  return `POST /agents/recorder HTTP/1.1\r\nHost: ${host()}\r\nConnection: ${connection}\r\nAuthorization: Bearer ${mesh().token}\r\nA2A-Version: 1.0\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** Sends each part in its own write, a turn apart, and reads until the server closes (or `waitMs`). */
async function exchange(parts: string[], waitMs = 1_500): Promise<string> {
  const socket = connect(Number(new URL(mesh().gw.url).port), '127.0.0.1');
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = once(socket, 'close');
  for (const part of parts) {
    socket.write(part);
    // Separate reads on the server: the bug this pins needed the request split over reads.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, waitMs))]);
  socket.destroy();
  return Buffer.concat(chunks).toString('latin1');
}

test('a complete request sent as a chunk of another, then a bad chunk size, does not reach the agent', { timeout: 30_000 }, async () => {
  const hidden = plainRequest('hidden-1');
  const head = `POST /agents/recorder HTTP/1.1\r\nHost: ${host()}\r\nAuthorization: Bearer ${mesh().token}\r\nA2A-Version: 1.0\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
  // The chunk's data is exactly a whole request; what follows it is no chunk size at all, so the
  // outer request is malformed and must be refused as one, its chunk never read as a request.
  const size = Buffer.byteLength(hidden).toString(16);
  const answer = await exchange([`${head}${size}\r\n`, `${hidden}\r\nPOST /health HTTP/1.1\r\nHost: ${host()}\r\n\r\n`]);
  assert.ok(!received.includes('hidden-1'), `the hidden request reached the agent; the client read:\n${answer}`);
  assert.match(answer, /^HTTP\/1\.1 400 /);
  assert.doesNotMatch(answer, /hidden-1/);
});

test('a chunked body whose last chunk never comes, followed by a second request, runs neither', { timeout: 30_000 }, async () => {
  const head = `POST /agents/recorder HTTP/1.1\r\nHost: ${host()}\r\nAuthorization: Bearer ${mesh().token}\r\nA2A-Version: 1.0\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
  const body = sendMessage('unfinished-1');
  const chunk = `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n`;
  await exchange([head, chunk, plainRequest('after-unfinished-1')]);
  assert.ok(!received.includes('after-unfinished-1'), 'a request after an unfinished chunked body reached the agent');
  assert.ok(!received.includes('unfinished-1'), 'a body without its last chunk reached the agent');
});

test('an honest request on a fresh connection still reaches the agent', { timeout: 30_000 }, async () => {
  const answer = await exchange([plainRequest('honest-1', 'close')], 5_000);
  assert.match(answer, /^HTTP\/1\.1 200 /);
  assert.ok(received.includes('honest-1'));
});
