/**
 * A connection the pool cannot make (refused, or the pool's connect timeout
 * with every connection busy) is the database being unavailable: callers
 * answer it 503 and may retry, never 500 with pg's own words.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import pg from 'pg';
import { timedPool } from '../../../src/storage/postgres/timed-pool.js';
import { isAgentmeshError } from '../../../src/protocol/errors.js';
import { closedPort } from '../../helpers/free-port.js';

/** The error a connection through `timedPool(pool, 1 s)` fails with, asserted to be AM_ERR_STORAGE_UNAVAILABLE; `connected` says why a connection would be wrong. */
async function unavailable(pool: pg.Pool, connected: string) {
  const err = await timedPool(pool, 1_000).connect().then(
    () => assert.fail(connected),
    (e: unknown) => e,
  );
  assert.ok(isAgentmeshError(err), String(err));
  assert.equal(err.code, 'AM_ERR_STORAGE_UNAVAILABLE');
  return err;
}

test('a refused connection is AM_ERR_STORAGE_UNAVAILABLE, retryable, not exposed', async () => {
  const pool = new pg.Pool({ host: '127.0.0.1', port: await closedPort(), user: 'nobody', database: 'none', connectionTimeoutMillis: 2_000 });
  try {
    const err = await unavailable(pool, 'connected to a closed port');
    assert.equal(err.statusCode, 503);
    assert.equal(err.retryable, true);
    assert.equal(err.expose, false);
    assert.match(err.message, /^PostgreSQL connection failed: /);
  } finally {
    await pool.end();
  }
});

test("the pool's connect timeout, a server that accepts and never answers, is AM_ERR_STORAGE_UNAVAILABLE too", async () => {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const pool = new pg.Pool({ host: '127.0.0.1', port: (silent.address() as AddressInfo).port, user: 'nobody', database: 'none', connectionTimeoutMillis: 200 });
  try {
    const err = await unavailable(pool, 'a silent server gave a connection');
    assert.match(err.message, /timeout/i);
  } finally {
    for (const socket of sockets) socket.destroy();
    await pool.end();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});
