/**
 * Streamed answers, one after another on one kept-alive connection, through the gateway's llhttp
 * front: each leaves nothing behind on the connection's socket. The forwarder watches the caller's
 * socket for its close while a call is relayed and lets go when the answer finishes; the front held
 * that finish listener on the answer until a response was made, and never handed it over, so every
 * streamed call left a close listener on the socket (Node warned past ten), and through it the
 * call's exchange, for as long as the connection lived.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'undici';
import { startGatewayMeshFor } from '../../helpers/gateway-mesh.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

const mesh = startedForSuite(() => startGatewayMeshFor({ name: 'streamed-kept-alive', scopes: ['a2a:message:send'] }, { gateway: { dataPlaneServer: 'llhttp' } }));

test('fifteen streamed answers on one kept-alive connection leave no listener behind on its socket', { timeout: 60_000 }, async () => {
  // One connection for every call: the front's socket is the same throughout.
  const dispatcher = new Agent({ connections: 1 });
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on('warning', onWarning);
  try {
    for (let i = 0; i < 15; i++) {
      const res = await fetch(`${mesh().gw.url}/agents/tester`, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'a2a-version': '1.0', authorization: `Bearer ${mesh().token}` },
        body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'SendStreamingMessage', params: { message: { messageId: `streamed-${i}`, role: 'ROLE_USER', parts: [{ text: `call ${i}` }] } } }),
      } as RequestInit);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
      const events = (await res.text()).split('\n').filter((line) => line.startsWith('data:'));
      assert.match(events.at(-1) ?? '', /TASK_STATE_COMPLETED/, `call ${i} streamed to its end`);
    }
    // A warning is emitted on the next tick after the listener that passes the limit.
    await new Promise<void>((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
    await dispatcher.close();
  }
  assert.deepEqual(warnings.map((w) => `${w.name}: ${w.message}`), []);
});
