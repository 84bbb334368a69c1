import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { nextFreePort } from '../../../src/cli/serving/next-free-port.js';
import { freePort } from '../../helpers/free-port.js';

/* How `agentmesh agent serve` moves past a default port another process holds (`agentmesh up` holds 4000). */
test('the first port from the one asked that can be listened on: the held one is passed over, and none when all are held', async () => {
  const port = await freePort();
  const holder = createServer().listen({ host: '127.0.0.1', port, exclusive: true });
  await once(holder, 'listening');
  try {
    const next = await nextFreePort({ host: '127.0.0.1', from: port, count: 50 });
    assert.ok(next !== undefined && next > port && next < port + 50, String(next));
    assert.equal(await nextFreePort({ host: '127.0.0.1', from: port, count: 1 }), undefined);
  } finally {
    holder.close();
    await once(holder, 'close');
  }
  assert.equal(await nextFreePort({ host: '127.0.0.1', from: port, count: 1 }), port, 'free again once let go');
});
