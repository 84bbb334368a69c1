import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { startRuntime } from '../../helpers/runtime-fixture.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

describe('A2A 0.3 HTTP+JSON binding (/v1/…)', () => {
  // The official SDK client's run over this binding (both mount points) is in interop-sdk-client.test.ts.
  const env = startedForSuite(() => startRuntime());

  describe('the v0.3 wire', () => {
    test('POST /v1/message:send answers 201 with the v0.3 proto-JSON task (A2A v0.3 §3.2.3)', async () => {
      const response = await fetch(`${env().url}/agents/tester/v1/message:send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // v0.3 REST is proto JSON: `content` (not v1 `parts`) and enum-named states.
        body: JSON.stringify({ message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', content: [{ text: 'wire' }] } }),
      });
      assert.equal(response.status, 201);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      const body = (await response.json()) as { task?: { id: string; status: { state: string }; artifacts: Array<{ parts: Array<{ text?: string }> }>; history: Array<{ role: string; content: Array<{ text?: string }> }> } };
      assert.ok(body.task, `a task result, got ${JSON.stringify(body)}`);
      assert.equal(body.task.status.state, 'TASK_STATE_COMPLETED');
      assert.equal(body.task.artifacts[0]?.parts[0]?.text, 'wire');
      assert.deepEqual(body.task.history[0]?.content, [{ text: 'wire' }]);
    });

    test('an unknown task is 404 with the v0.3 error body { code, message }', async () => {
      const response = await fetch(`${env().url}/v1/tasks/no-such-task`);
      assert.equal(response.status, 404);
      const body = (await response.json()) as { code: number; message: string };
      assert.equal(body.code, -32001);
      assert.equal(typeof body.message, 'string');
    });

    test('bad JSON is 400 with the v0.3 parse error', async () => {
      const response = await fetch(`${env().url}/v1/message:send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
      assert.equal(response.status, 400);
      const body = (await response.json()) as { code: number };
      assert.equal(body.code, -32700);
    });

    test('A2A-Version 1.0 on /v1/… is VERSION_NOT_SUPPORTED in the v1 shape', async () => {
      const response = await fetch(`${env().url}/v1/tasks/any`, { headers: { 'A2A-Version': '1.0' } });
      assert.equal(response.status, 400);
      const body = (await response.json()) as { error: { status: string; details: Array<{ reason?: string }> } };
      assert.equal(body.error.status, 'FAILED_PRECONDITION');
      assert.ok(body.error.details.some((d) => d.reason === 'VERSION_NOT_SUPPORTED'));
    });

    test('the v0.3 card (A2A-Version: 0.3, or agent.json without it) lists the HTTP+JSON interface', async () => {
      for (const [path, headers] of [['agents/tester/.well-known/agent-card.json', { 'A2A-Version': '0.3' }], ['.well-known/agent.json', {}]] as const) {
        const response = await fetch(`${env().url}/${path}`, { headers });
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('vary'), 'A2A-Version');
        assert.ok(response.headers.get('etag'), 'the v0.3 card has an ETag');
        const card = (await response.json()) as { protocolVersion: string; url: string; preferredTransport: string; additionalInterfaces?: Array<{ url: string; transport: string }> };
        assert.equal(card.protocolVersion, '0.3');
        assert.equal(card.preferredTransport, 'JSONRPC');
        const rest = (card.additionalInterfaces ?? []).find((i) => i.transport === 'HTTP+JSON');
        assert.ok(rest, `an HTTP+JSON interface among ${JSON.stringify(card.additionalInterfaces)}`);
        assert.equal(rest.url, card.url);
      }
    });

    test('the v1 card (A2A-Version: 1.0) lists HTTP+JSON in both versions', async () => {
      const response = await fetch(`${env().url}/.well-known/agent-card.json`, { headers: { 'A2A-Version': '1.0' } });
      assert.equal(response.status, 200);
      const card = (await response.json()) as { supportedInterfaces: Array<{ protocolBinding: string; protocolVersion: string }> };
      const rest = card.supportedInterfaces.filter((i) => i.protocolBinding === 'HTTP+JSON').map((i) => i.protocolVersion);
      assert.deepEqual(rest.sort(), ['0.3', '1.0']);
    });

    test('the v0.3 card answers 304 to its own ETag', async () => {
      const etag = (await fetch(`${env().url}/.well-known/agent-card.json`, { headers: { 'A2A-Version': '0.3' } })).headers.get('etag') ?? '';
      // node:http, because fetch adds `Cache-Control: no-cache` to conditional requests, which forbids a 304.
      const status = await new Promise<number>((resolve, reject) => {
        get(`${env().url}/.well-known/agent-card.json`, { headers: { 'if-none-match': etag, 'A2A-Version': '0.3' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject);
      });
      assert.equal(status, 304);
    });
  });
});
