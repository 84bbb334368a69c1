/**
 * An agent's stream that ends with an error after its headers (its task log unreadable mid-stream) is
 * relayed to the caller as the stream's last event, and the gateway logs it once, at error level, with
 * the call's task, its code and status, and neither a credential nor the agent's own words (they may
 * carry what the agent was given): on JSON-RPC and on HTTP+JSON. Real registry, gateway and runtime.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createLogger } from '../../../src/observability/index.js';
import { createClient, fetchToken } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { memoryDestination } from '../../helpers/memory-log.js';

const STREAM_ERROR = "an agent's stream ended with an error";

describe("an agent's stream that fails midway, through the gateway", () => {
  const log = memoryDestination();
  let mesh: GatewayMesh;
  let through: string;
  let token: string;
  before(async () => {
    mesh = await startGatewayMesh({ gatewayOptions: { logger: createLogger({ level: 'info', destination: log.stream }) } });
    through = `${mesh.gw.url}/agents/tester`;
    token = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'streamer', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'] }));
  });
  after(async () => {
    await mesh?.close();
  });

  const headers = () => ({ 'a2a-version': '1.0', 'content-type': 'application/json', authorization: `Bearer ${token}` });
  const startWait = async (): Promise<string> => {
    const message = { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'hold' }], metadata: { skillId: 'wait' } };
    const res = await fetch(`${through}/message:send`, { method: 'POST', headers: headers(), body: JSON.stringify({ message, configuration: { returnImmediately: true } }) });
    return ((await res.json()) as { task: { id: string } }).task.id;
  };

  test('is relayed as the last event and logged once per stream, with its task', async () => {
    const rpcTask = await startWait();
    const restTask = await startWait();
    const rpc = await fetch(through, { method: 'POST', headers: headers(), body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SubscribeToTask', params: { id: rpcTask } }) });
    const rest = await fetch(`${through}/tasks/${restTask}:subscribe`, { method: 'POST', headers: headers() });
    for (const response of [rpc, rest]) assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const texts = Promise.all([rpc.text(), rest.text()]);
    // Let both streams send their first event and follow their task live.
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The runtime's task log gone under it: its next poll of each live stream fails (within 2 s).
    const sqlite = new Database(join(mesh.host.dataDir, 'mesh.db'));
    try {
      sqlite.exec('ALTER TABLE task_events RENAME TO task_events_away');
      const [rpcText, restText] = await texts;
      assert.match(rpcText, /"error":\{"code":-32603/);
      assert.match(restText, /"error":\{"code":500,"status":"INTERNAL"/);
    } finally {
      sqlite.exec('ALTER TABLE task_events_away RENAME TO task_events');
      sqlite.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    const lines = log.records().filter((r) => r['msg'] === STREAM_ERROR);
    for (const taskId of [rpcTask, restTask]) {
      const ofTask = lines.filter((r) => r['taskId'] === taskId);
      assert.equal(ofTask.length, 1, `one line for ${taskId}: ${JSON.stringify(lines)}`);
      assert.equal(ofTask[0]!['level'], 50);
      assert.equal(ofTask[0]!['code'], 'AM_ERR_INTERNAL');
      assert.equal(ofTask[0]!['status'], 500);
      assert.equal(ofTask[0]!['error'], undefined, 'the agent\'s message is not logged');
      assert.doesNotMatch(JSON.stringify(ofTask[0]), /Internal error/);
      assert.doesNotMatch(JSON.stringify(ofTask[0]), new RegExp(token.slice(0, 16)));
    }
    assert.equal(lines.length, 2, JSON.stringify(lines));
  });
});
