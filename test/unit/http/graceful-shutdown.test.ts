import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { createLogger } from '../../../src/observability/logger.js';
import { drain, installGracefulShutdown, isDraining, onDrain } from '../../../src/http/lifecycle/graceful-shutdown.js';
import { gate, holdDrain, testServer } from './test-server.js';
import { until } from '../../helpers/until.js';

async function listen(app: ReturnType<typeof testServer>['app']): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

describe('drain', () => {
  test('fails /ready, turns new requests away and lets in-flight requests finish', async (t) => {
    const { app } = testServer();
    t.after(() => app.close());
    const entered = gate();
    const release = gate();
    app.get('/slow', async () => {
      entered.open();
      await release.promise;
      return { done: true };
    });
    app.get('/fast', async () => ({ fast: true }));
    const base = await listen(app);

    const inFlight = fetch(`${base}/slow`);
    await entered.promise;

    // A drain hook holds the drain in its first phase (draining, not yet closed) while we probe.
    const { release: releaseDrain, drained } = await holdDrain(app);
    assert.equal(isDraining(app), true);

    const ready = await fetch(`${base}/ready`);
    assert.equal(ready.status, 503);
    assert.deepEqual(await ready.json(), { status: 'draining', checks: {} });

    const turnedAway = await fetch(`${base}/fast`);
    assert.equal(turnedAway.status, 503);
    assert.equal(turnedAway.headers.get('connection'), 'close');
    const body = (await turnedAway.json()) as { error: { status: string; details: Array<{ reason: string }> } };
    assert.equal(body.error.status, 'UNAVAILABLE');
    assert.equal(body.error.details[0]?.reason, 'AM_ERR_HTTP_UNAVAILABLE');

    releaseDrain();
    release.open();
    const finished = await inFlight;
    assert.equal(finished.status, 200);
    assert.deepEqual(await finished.json(), { done: true });
    assert.deepEqual(await drained, { deadlineHit: false });
  });

  for (const asyncContext of [true, false]) {
    test(`a request turned away by an orderly drain is a line at info, never a warning with a stack (asyncContext ${asyncContext})`, async (t) => {
      const { app, logs } = testServer({ asyncContext });
      t.after(() => app.close());
      app.get('/fast', async () => ({ fast: true }));
      const base = await listen(app);
      const { release, drained } = await holdDrain(app);
      assert.equal((await fetch(`${base}/fast`)).status, 503);
      release();
      await drained;
      const lines = logs().filter((line) => line['code'] === 'AM_ERR_HTTP_UNAVAILABLE');
      assert.equal(lines.length, 1, JSON.stringify(logs()));
      assert.equal(lines[0]!['level'], 30);
      assert.equal(lines[0]!['err'], undefined, 'no error object, so no stack trace');
      assert.equal(lines[0]!['msg'], 'request refused: shutting down');
    });
  }

  test('cuts connections still open at the deadline', async (t) => {
    const { app, logs } = testServer();
    const never = gate();
    t.after(async () => {
      never.open();
      await app.close();
    });
    const entered = gate();
    app.get('/hang', async () => {
      entered.open();
      await never.promise;
      return {};
    });
    const base = await listen(app);
    const hanging = fetch(`${base}/hang`).then(
      () => 'answered',
      () => 'connection closed',
    );
    await entered.promise;
    assert.deepEqual(await drain(app, { deadlineMs: 50 }), { deadlineHit: true });
    assert.equal(await hanging, 'connection closed');
    assert.ok(logs().some((l) => l.msg === 'drain deadline reached, closing remaining connections'));
  });

  test('marks the server draining when it is closed directly', async () => {
    const { app } = testServer();
    await app.ready();
    assert.equal(isDraining(app), false);
    await app.close();
    assert.equal(isDraining(app), true);
  });

  test('runs the drain once however often it is asked', async (t) => {
    const { app } = testServer();
    t.after(() => app.close());
    let calls = 0;
    onDrain(app, () => {
      calls++;
    });
    const first = drain(app);
    const second = drain(app);
    assert.equal(first, second);
    await first;
    assert.equal(calls, 1);
  });

  test('skips a hook that unregistered and survives a hook that throws', async (t) => {
    const { app, logs } = testServer();
    t.after(() => app.close());
    let removedRan = false;
    const off = onDrain(app, () => {
      removedRan = true;
    });
    off();
    onDrain(app, () => {
      throw new Error('stream already gone');
    });
    assert.deepEqual(await drain(app), { deadlineHit: false });
    assert.equal(removedRan, false);
    assert.ok(logs().some((l) => l.msg === 'a drain hook failed'));
  });
});

// A signal nothing else in a test process listens to. Not SIGUSR2: Node 24's
// test runner starts each file with --report-signal=SIGUSR2, whose listener
// writes a diagnostic report into the working folder on every emit.
const SIGNAL = 'SIGWINCH';

describe('installGracefulShutdown', () => {
  test('drains on the signal, calls onDrainStart, and exits 0', async (t) => {
    const { app } = testServer();
    t.after(() => app.close());
    const exited = gate<number>();
    let drainStarted = false;
    const uninstall = installGracefulShutdown(app, {
      logger: createLogger({ level: 'silent' }),
      signals: [SIGNAL],
      deadlineMs: 1_000,
      onDrainStart: () => {
        drainStarted = true;
      },
      exit: (code) => exited.open(code),
    });
    t.after(uninstall);
    assert.equal(process.listenerCount(SIGNAL), 1);
    process.emit(SIGNAL, SIGNAL);
    assert.equal(await exited.promise, 0);
    assert.equal(drainStarted, true);
    assert.equal(isDraining(app), true);
  });

  test('exits 1 at once on a second signal', async (t) => {
    const { app } = testServer();
    const hold = gate();
    t.after(async () => {
      hold.open();
      await app.close();
    });
    onDrain(app, () => hold.promise);
    const codes: number[] = [];
    const uninstall = installGracefulShutdown(app, {
      logger: createLogger({ level: 'silent' }),
      signals: [SIGNAL],
      exit: (code) => codes.push(code),
    });
    t.after(uninstall);
    process.emit(SIGNAL, SIGNAL);
    process.emit(SIGNAL, SIGNAL);
    assert.deepEqual(codes, [1]);
  });

  test('removes its listeners when uninstalled', () => {
    const { app } = testServer();
    const before = process.listenerCount(SIGNAL);
    const uninstall = installGracefulShutdown(app, { logger: createLogger({ level: 'silent' }), signals: [SIGNAL], exit: () => {} });
    assert.equal(process.listenerCount(SIGNAL), before + 1);
    uninstall();
    assert.equal(process.listenerCount(SIGNAL), before);
  });
});

describe('drain under a role with its own error handler', () => {
  for (const asyncContext of [true, false]) {
    test(`requests turned away close their connection, whoever renders the 503 (asyncContext ${asyncContext})`, async (t) => {
      const { app } = testServer({ asyncContext });
      t.after(() => app.close());
      // Like the runtime's JSON-RPC scope: errors rendered in the role's own envelope.
      await app.register(async (scope) => {
        scope.setErrorHandler((err, _request, reply) => reply.code(503).send({ jsonrpc: '2.0', id: null, error: { code: -32603, message: (err as Error).message } }));
        scope.get('/rpc', async () => ({ ok: true }));
      });
      const base = await listen(app);
      const { release, drained } = await holdDrain(app);
      const turnedAway = await fetch(`${base}/rpc`);
      assert.equal(turnedAway.status, 503);
      assert.equal(turnedAway.headers.get('connection'), 'close');
      assert.equal(((await turnedAway.json()) as { jsonrpc: string }).jsonrpc, '2.0');
      release();
      await drained;
    });
  }
});

describe('drain and connections that never carried a request', () => {
  test('a connection opened ahead of need (no byte sent) is closed, and the drain ends without its deadline', async (t) => {
    const { app } = testServer();
    t.after(() => app.close());
    app.get('/fast', async () => ({ fast: true }));
    const base = await listen(app);
    const { port } = app.server.address() as AddressInfo;
    // A used, kept-alive connection (node:http closes it as idle) and a silent one (node:http would wait for it).
    assert.equal((await fetch(`${base}/fast`)).status, 200);
    const silent = connect(port, '127.0.0.1');
    await once(silent, 'connect');
    const silentClosed = once(silent, 'close');
    const outcome = await drain(app, { deadlineMs: 60_000 });
    assert.deepEqual(outcome, { deadlineHit: false });
    await silentClosed;
  });

  test('a connection whose request has begun is not cut: its request is answered', async (t) => {
    const { app } = testServer();
    t.after(() => app.close());
    app.get('/fast', async () => ({ fast: true }));
    await listen(app);
    const { port } = app.server.address() as AddressInfo;
    let client: Socket;
    const [accepted] = await Promise.all([once(app.server, 'connection') as Promise<[Socket]>, once((client = connect(port, '127.0.0.1')), 'connect')]);
    let answer = '';
    client.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    // The first bytes of a request, then the drain, then the rest.
    client.write('GET /fast HTTP/1.1\r\nHost: x\r\n');
    await until('the first bytes to reach the server', () => accepted[0].bytesRead > 0);
    const drained = drain(app, { deadlineMs: 60_000 });
    client.end('\r\n');
    await once(client, 'close');
    // Turned away as every request during a drain is (503, connection: close), not reset.
    assert.match(answer, /^HTTP\/1\.1 503 /);
    assert.deepEqual(await drained, { deadlineHit: false });
  });
});
