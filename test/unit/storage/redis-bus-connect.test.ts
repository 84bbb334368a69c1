import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { RedisBus } from '../../../src/storage/bus/redis-bus.js';
import { ErrorCodes } from '../../../src/protocol/errors.js';
import { freePort } from '../../helpers/free-port.js';
import { TS_CHILD_ARGV } from '../../helpers/typescript-child.js';

test('a Redis bus that cannot connect fails with what the socket said, not "Connection is closed."', async () => {
  const port = await freePort();
  await assert.rejects(RedisBus.connect({ url: `redis://127.0.0.1:${port}` }), { code: ErrorCodes.STORAGE_UNAVAILABLE, message: `Redis connection failed: connect ECONNREFUSED 127.0.0.1:${port}` });
  await assert.rejects(RedisBus.connect({ url: 'redis://agentmesh-no-such-host.invalid:6379' }), { code: ErrorCodes.STORAGE_UNAVAILABLE, message: /^Redis connection failed: getaddrinfo (ENOTFOUND|EAI_AGAIN) agentmesh-no-such-host\.invalid$/ });
});

// Before, both connections kept reconnecting after the refusal, and a process that caught the error never exited.
test('a Redis bus that cannot connect stops reconnecting: the process that tried exits by itself', async () => {
  const port = await freePort();
  const module = new URL('../../../src/storage/index.ts', import.meta.url).pathname;
  const script = `const { RedisBus } = await import('${module}'); await RedisBus.connect({ url: 'redis://127.0.0.1:${port}' }).catch((err) => console.log(err.code));`;
  const child = spawnSync(process.execPath, [...TS_CHILD_ARGV, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
  assert.equal(child.signal, null, `still running after 30 s: the bus kept reconnecting (${child.stderr})`);
  assert.equal(child.stdout.trim(), ErrorCodes.STORAGE_UNAVAILABLE, child.stderr);
});
