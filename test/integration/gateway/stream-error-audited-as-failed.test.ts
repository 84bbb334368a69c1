/**
 * A stream that ends with an error after its headers is a failed call whatever the binding and version:
 * through the gateway, a JSON-RPC stream's error event (A2A §9.5), an HTTP+JSON stream's (`event: error`,
 * `{"error":…}`, A2A §11.6) and a v0.3 HTTP+JSON stream's (`event: error`, a bare `{code, message}`) make
 * the call's audit row `error` with the error's code, and settle a priced send alike; the official SDK's
 * client on each binding and version throws the error. Real registry, gateway and runtime.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { A2AError } from '@a2a-js/sdk/errors';
import { connectAgent } from '../../../src/cli/index.js';
import type { AuditRow } from '../../../src/audit/index.js';
import { callRows, startGatewayMeshFor } from '../../helpers/gateway-mesh.js';
import { testAgent, waiterAgent } from '../../helpers/runtime-fixture.js';
import { asTask, sendRequest } from '../../helpers/sdk-client.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';
import { HTTP_COMBINATIONS } from '../../helpers/wire-combinations.js';

const TENANT = 'streamfail';

/** Priced: a streaming send to it holds credit, its task waiting until canceled. */
const waiter = waiterAgent('Waits until canceled', { skills: { wait: { pricing: { creditsPerCall: 2 } } } });

/** A stream's events until it ends, and the error it ended with; `began` resolves with its first event. */
function drain(events: AsyncGenerator<unknown>): { began: Promise<void>; ended: Promise<{ events: unknown[]; error: unknown }> } {
  let began!: () => void;
  const first = new Promise<void>((resolve) => (began = resolve));
  const ended = (async () => {
    const seen: unknown[] = [];
    try {
      for await (const e of events) {
        seen.push(e);
        began();
      }
    } catch (error) {
      began();
      return { events: seen, error };
    }
    began();
    return { events: seen, error: undefined };
  })();
  return { began: first, ended };
}

describe('a stream that ends with an error, through the gateway', () => {
  const mesh = startedForSuite(() => startGatewayMeshFor({ name: 'streamfail-app', tenant: TENANT, scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel', 'a2a:card:read'], credits: 100 }, { agents: [testAgent, waiter], gateway: { creditsMode: 'exact' } }));

  const rows = (agent: string, method: string): Promise<AuditRow[]> => callRows(mesh(), TENANT, agent, method);

  test('is audited as an error with its code on every binding and version, a priced send settles alike, and the SDK client throws it', async () => {
    const streams: Array<{ name: string; kind: string; began: Promise<void>; ended: Promise<{ events: unknown[]; error: unknown }> }> = [];
    for (const { protocol, binding } of HTTP_COMBINATIONS) {
      const name = `${protocol} ${binding}`;
      const tester = (await connectAgent({ url: `${mesh().gw.url}/agents/tester`, protocol, binding, token: mesh().token })).client;
      const task = asTask(await tester.sendMessage(sendRequest('hold', { skillId: 'wait', returnImmediately: true })));
      streams.push({ name, kind: 'SubscribeToTask', ...drain(tester.resubscribeTask({ tenant: '', id: task.id })) });
      const priced = (await connectAgent({ url: `${mesh().gw.url}/agents/waiter`, protocol, binding, token: mesh().token })).client;
      streams.push({ name, kind: 'SendStreamingMessage', ...drain(priced.sendMessageStream(sendRequest('hold'))) });
    }
    await Promise.all(streams.map((s) => s.began));
    // Let every stream follow its task live.
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The runtime's task log gone under it: its next poll of each live stream fails (within 2 s), after the stream's headers.
    const sqlite = new Database(join(mesh().host.dataDir, 'mesh.db'));
    try {
      sqlite.exec('ALTER TABLE task_events RENAME TO task_events_away');
      for (const s of streams) {
        const { events, error } = await s.ended;
        assert.ok(events.length >= 1, `${s.name} ${s.kind} began`);
        // The SDK's HTTP+JSON clients throw only for an SSE event typed `error`: every binding's error event reaches its caller.
        assert.match(String(error), /Internal error/, `${s.name} ${s.kind} ended with the error event`);
        if (s.name === '1.0 rest') {
          assert.ok(error instanceof A2AError, `${s.name} ${s.kind}: ${String(error)}`);
          assert.equal(error.reason, 'INTERNAL_ERROR');
        }
      }
    } finally {
      sqlite.exec('ALTER TABLE task_events_away RENAME TO task_events');
      sqlite.close();
    }
    const subscribed = (await rows('tester', 'SubscribeToTask')).slice(0, HTTP_COMBINATIONS.length);
    assert.deepEqual(
      subscribed.map((r) => ({ outcome: r.outcome, errorCode: r.errorCode })),
      HTTP_COMBINATIONS.map(() => ({ outcome: 'error', errorCode: 'AM_ERR_INTERNAL' })),
    );
    const sent = (await rows('waiter', 'SendStreamingMessage')).slice(0, HTTP_COMBINATIONS.length);
    assert.equal(sent.length, HTTP_COMBINATIONS.length);
    const seen = sent.map((r) => ({ outcome: r.outcome, errorCode: r.errorCode, milliCredits: r.milliCredits, detail: r.detail }));
    // Each stream named its task before it failed: its hold is tracked until the task ends, on either binding.
    assert.deepEqual(seen, HTTP_COMBINATIONS.map(() => ({ outcome: 'error', errorCode: 'AM_ERR_INTERNAL', milliCredits: 2000, detail: { reservedMilliCredits: 2000, settled: false } })));
    const metrics = await (await fetch(mesh().gw.metricsUrl)).text();
    const line = metrics.split('\n').find((l) => l.startsWith('agentmesh_gateway_calls_total{') && l.includes('agent="waiter"') && l.includes('outcome="error"'));
    assert.ok(line !== undefined && Number(line.split(' ').at(-1)) >= HTTP_COMBINATIONS.length, line);
  });
});
