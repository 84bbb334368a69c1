/**
 * End to end: calls through a real gateway (registry, runtime,
 * OAuth token) whose task id is a lone surrogate, or whose JSON-RPC method is
 * named after Object.prototype, each leave exactly one audit row, and the
 * chain verifies. Before the fix the lone-surrogate GetTask was named
 * "modified" by verify, and the toString call left no row at all.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGatewayMeshFor } from '../../helpers/gateway-mesh.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

describe('hostile calls through the gateway are each audited once', () => {
  const mesh = startedForSuite(() => startGatewayMeshFor({ name: 'hostile-caller', scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'] }));

  /** POSTs a JSON-RPC body written as text, so that `\ud800` reaches the gateway as JSON's own escape. */
  const post = (body: string) =>
    fetch(`${mesh().gw.url}/agents/${Object.keys(mesh().host.agents)[0]!}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${mesh().token}` },
      body,
    });

  test('a GetTask for task "\\ud800" and methods toString, __proto__, constructor: one row each, and verify is clean', async () => {
    const before = (await mesh().gw.gateway.audit.tail({ limit: 1 }))[0]?.seq ?? 0;
    const bodies = [
      '{"jsonrpc":"2.0","id":1,"method":"GetTask","params":{"id":"\\ud800"}}',
      '{"jsonrpc":"2.0","id":2,"method":"toString","params":{}}',
      '{"jsonrpc":"2.0","id":3,"method":"__proto__","params":{}}',
      '{"jsonrpc":"2.0","id":4,"method":"constructor","params":{"id":"\\u0000"}}',
    ];
    for (const body of bodies) {
      const res = await post(body);
      const answer = (await res.json()) as { jsonrpc: string; id: number; error?: { code: number } };
      // Whatever the gateway answers (no such task, no such method), it answers in JSON-RPC.
      assert.equal(answer.jsonrpc, '2.0', JSON.stringify(answer));
      assert.ok(answer.error !== undefined, JSON.stringify(answer));
    }
    await mesh().gw.gateway.audit.flush();
    const rows = await mesh().gw.gateway.audit.tail({ since: before });
    assert.equal(rows.length, bodies.length, JSON.stringify(rows.map((r) => r.method)));
    const getTask = rows.find((r) => r.method === 'GetTask');
    assert.equal(getTask?.taskId, '\ufffd');
    const verdict = await mesh().gw.gateway.audit.verify();
    assert.deepEqual({ ok: verdict.ok, problems: verdict.problems }, { ok: true, problems: [] });
  });
});
