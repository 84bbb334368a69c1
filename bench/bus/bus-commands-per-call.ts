/**
 * Redis commands per call of one runtime replica on PostgreSQL + Redis
 * (ADR 0023): blocking and streamed SendMessage, counted in the process by
 * wrapping ioredis's send method (bench/scale/call-counters.ts), with the
 * messages the replica's bus received.
 *
 *   node --import tsx bench/bus/bus-commands-per-call.ts [--calls 300] [--concurrency 10]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { callCounts, installCallCounters } from '../scale/call-counters.js';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '300' }, concurrency: { type: 'string', default: '10' } } });
const CALLS = Number(values.calls);
const CONCURRENCY = Number(values.concurrency);

// Before the drivers are loaded by anything else.
await installCallCounters();
const { createRuntime } = await import('../../src/runtime/index.js');
const { RedisBus, createDatabase } = await import('../../src/storage/index.js');
const { testAgent, userMessage } = await import('../../test/helpers/runtime-fixture.js');
const { REDIS_URL, createTestSchema, uniqueStreamKey } = await import('../../test/helpers/services.js');

const schema = await createTestSchema();
const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-bus-bench-'));
const database = await createDatabase({ url: schema.url, poolSize: CONCURRENCY });
const bus = await RedisBus.connect({ url: REDIS_URL, namespace: uniqueStreamKey() });
const runtime = await createRuntime({ agents: [testAgent], database, bus, config: { port: 0, host: '127.0.0.1', logLevel: 'silent', dataDir } });
try {
  const url = (await runtime.listen()).agents.tester!;
  const call = (method: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { message: userMessage('x', { metadata: { skillId: 'echo' } }) } }),
    }).then((r) => r.text());
  console.log(`| call (${CALLS}, ${CONCURRENCY} at a time) | Redis commands per call | PostgreSQL statements per call | bus messages received |`);
  console.log('| --- | ---: | ---: | ---: |');
  for (const method of ['SendMessage', 'SendStreamingMessage']) {
    await call(method);
    const before = callCounts();
    const received = bus.stats().received;
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next++ < CALLS) await call(method);
      }),
    );
    const after = callCounts();
    console.log(`| ${method} | ${((after.redisCommands - before.redisCommands) / CALLS).toFixed(2)} | ${((after.pgStatements - before.pgStatements) / CALLS).toFixed(2)} | ${bus.stats().received - received} |`);
  }
} finally {
  await runtime.close();
  await bus.close();
  await database.close();
  await schema.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
