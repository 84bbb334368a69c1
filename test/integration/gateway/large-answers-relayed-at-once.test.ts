/**
 * Large answers, several at once, through the gateway's llhttp front: each caller gets its whole
 * answer. The gateway relays a large answer as a stream into node:http's response, which waits for
 * the socket's `drain` when its writes are refused; a front that did not pass that `drain` on held
 * such an answer for ever once callers read slower than it came (a map-reduce workflow's batches).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startGatewayMeshFor } from '../../helpers/gateway-mesh.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

const mesh = startedForSuite(() => startGatewayMeshFor({ name: 'large-answers', scopes: ['a2a:message:send'] }, { gateway: { dataPlaneServer: 'llhttp' } }));

test('four callers each get their whole 200 KB answer, relayed at the same time', { timeout: 60_000 }, async () => {
  const texts = ['a', 'b', 'c', 'd'].map((letter) => letter.repeat(100_000));
  const answers = await Promise.all(
    texts.map(async (text, i) => {
      const res = await fetch(`${mesh().gw.url}/agents/tester`, {
        method: 'POST',
        // A caller still waiting after 20 s is the hang this pins, not a slow host.
        signal: AbortSignal.timeout(20_000),
        headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${mesh().token}` },
        body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'SendMessage', params: { message: { messageId: `large-${i}`, role: 'ROLE_USER', parts: [{ text }] } } }),
      });
      return { status: res.status, body: (await res.json()) as { result?: { task?: { status?: { state?: string }; artifacts?: Array<{ parts: Array<{ text?: string }> }> } } } };
    }),
  );
  answers.forEach(({ status, body }, i) => {
    assert.equal(status, 200);
    assert.equal(body.result?.task?.status?.state, 'TASK_STATE_COMPLETED');
    assert.equal(body.result?.task?.artifacts?.[0]?.parts[0]?.text, texts[i], `caller ${i} got its own text back, whole`);
  });
});
