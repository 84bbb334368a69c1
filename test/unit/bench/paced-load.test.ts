/**
 * The gateway bench's fixed pace (`BENCH_GATEWAY_RATE`): calls are sent
 * evenly spaced, not a second's worth at once, so a front's runtime is
 * measured at the same arrival shape whatever the front's own speed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pacedLoad } from '../../../bench/gateway/gateway-bench.js';

describe('pacedLoad', () => {
  test('sends the calls evenly spaced at the rate, each with its own messageId, and counts the failures', async () => {
    const arrivals: number[] = [];
    const ids = new Set<string>();
    let served = 0;
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        arrivals.push(performance.now());
        ids.add((JSON.parse(text) as { params: { message: { messageId: string } } }).params.message.messageId);
        // Every tenth call fails: counted, not thrown.
        res.statusCode = ++served % 10 === 0 ? 503 : 200;
        res.end('{}');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const start = performance.now();
      const result = await pacedLoad(`http://127.0.0.1:${port}/agents/bench`, {}, 8, 1, 200);
      assert.equal(result.requests.total, 200);
      assert.equal(arrivals.length, 200);
      assert.equal(ids.size, 200);
      assert.equal(result.non2xx, 20);
      assert.equal(result.errors, 0);
      // Spread over the second, never ahead of the pace: by k/rate seconds at most k calls were sent, so the
      // k-th arrival is no earlier than that whatever the host's load (a stall only makes calls later).
      arrivals.sort((a, b) => a - b);
      arrivals.forEach((arrival, k) => {
        const earliest = start + ((k + 1) * 1000) / 200;
        assert.ok(arrival >= earliest, `call ${k + 1} arrived ${(earliest - arrival).toFixed(1)} ms ahead of its pace`);
      });
      assert.ok(result.latency.p50 > 0 && result.latency.p50 <= result.latency.p99);
    } finally {
      server.close();
    }
  });
});
