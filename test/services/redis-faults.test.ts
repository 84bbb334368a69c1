/**
 * Redis faults under a runtime, through a TCP proxy the test
 * controls. Connections that go silent for good (no RST) must not keep
 * `/ready` at 503 after the network heals, and the bus must carry events
 * again (a streamed task completes) on fresh connections.
 *
 * The decision this pins is in docs/conformance.md.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';
import { COMMAND_TIMEOUT_MS, RedisBus } from '../../src/storage/index.js';
import { rpc, testAgent, userMessage } from '../helpers/runtime-fixture.js';
import { REDIS_URL, deleteRedisKey, redisSkipReason, uniqueStreamKey } from '../helpers/services.js';
import { proxyInFrontOf, type TcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/until.js';

const skip = await redisSkipReason();

describe('Redis faults under a runtime (TCP proxy)', { skip }, () => {
  let proxy: TcpProxy;
  let bus: RedisBus;
  let runtime: Runtime;
  let url: string;
  let dataDir: string;
  const stream = uniqueStreamKey();

  before(async () => {
    const proxied = await proxyInFrontOf(REDIS_URL, 6379);
    proxy = proxied.proxy;
    bus = await RedisBus.connect({ url: proxied.url, stream });
    dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-redis-faults-'));
    runtime = await createRuntime({ agents: [testAgent], bus, config: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent' } });
    ({ url } = await runtime.listen());
  });
  after(async () => {
    await runtime?.close();
    await bus?.close();
    await proxy?.close();
    await deleteRedisKey(stream);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const ready = async (): Promise<number> => (await fetch(`${url}/ready`)).status;
  /** A streamed SendMessage: its events travel over the bus to the SSE response. */
  const streamOnce = async (text: string): Promise<string> => {
    const res = await fetch(`${url}/agents/tester`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendStreamingMessage', params: { message: userMessage(text, { metadata: { skillId: 'echo' } }) } }),
    });
    return res.text();
  };

  test('connections that go silent for good: readiness fails, then recovers on fresh connections within a stated bound', async () => {
    assert.equal(await ready(), 200);
    proxy.silenceOpen();
    const silencedAt = Date.now();
    await until('readiness to notice the silent bus', async () => (await ready()) === 503, COMMAND_TIMEOUT_MS + 5_000);
    // One command deadline to drop the connection, one readiness probe on the new one.
    const bound = COMMAND_TIMEOUT_MS + 5_000;
    await until('readiness to recover', async () => (await ready()) === 200, bound + 10_000);
    assert.ok(Date.now() - silencedAt <= bound, `ready again within ${bound} ms (took ${Date.now() - silencedAt} ms)`);
    // The bus carries events again: a streamed task reaches its end.
    const frames = await streamOnce('after the silence');
    assert.match(frames, /TASK_STATE_COMPLETED/);
    const sent = await rpc(`${url}/agents/tester`, 'SendMessage', { message: userMessage('and a plain call') });
    assert.equal(sent.body.result.task.status.state, 'TASK_STATE_COMPLETED');
  });
});
