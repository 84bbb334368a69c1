import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { createDatabase, SqliteTaskStore } from '../../../src/storage/index.js';
import { newTask } from '../../helpers/new-task.js';
import { SqliteCheckpointer } from '../../../src/storage/sqlite/checkpointer.js';
import { WriteGate } from '../../../src/storage/sqlite/write-gate.js';

const WAL_LIMIT = 2 * 1024 * 1024;

class CountingGate extends WriteGate {
  closes = 0;
  #onChange: Array<() => void> = [];
  override close(): void {
    this.closes++;
    super.close();
    this.#changed();
  }
  override open(): void {
    super.open();
    this.#changed();
  }
  /** Resolves once `test()` holds, checked at each close and open. */
  until(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve();
    return held(
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (!test()) return;
          this.#onChange = this.#onChange.filter((c) => c !== check);
          resolve();
        };
        this.#onChange.push(check);
      }),
    );
  }
  #changed(): void {
    for (const check of [...this.#onChange]) check();
  }
}

/** A WAL-mode file set up as `createDatabase` sets up its own, with a small WAL limit. */
function openWal(t: { after(fn: () => void): void }): { file: string; raw: BetterSqlite3.Database } {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-checkpointer-'));
  const file = join(dir, 'mesh.db');
  const raw = new BetterSqlite3(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('wal_autocheckpoint = 0');
  raw.pragma(`journal_size_limit = ${WAL_LIMIT}`);
  raw.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  t.after(() => {
    raw.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { file, raw };
}

/** Awaits `promise` with the event loop held open: the checkpoint worker is unref'd (it must never keep a server alive). */
async function held<T>(promise: Promise<T>): Promise<T> {
  const keepAlive = setInterval(() => undefined, 1_000);
  try {
    return await promise;
  } finally {
    clearInterval(keepAlive);
  }
}

/** The WAL header's checkpoint sequence number: it goes up each time the WAL starts over from the beginning. */
function walResets(file: string): number {
  try {
    return readFileSync(`${file}-wal`).readUInt32BE(12);
  } catch {
    return 0;
  }
}

/**
 * Writes batches of 2 KB rows, one transaction per event-loop turn, as the
 * group commit does (waiting while the gate is closed), until `done()` says
 * so; fails past 50,000 rows (the checkpointer never did its part).
 */
async function writeUntil(raw: BetterSqlite3.Database, gate: WriteGate | undefined, done: () => boolean, options: { paced?: boolean } = {}): Promise<number> {
  const maxRows = 50_000;
  const insert = raw.prepare('INSERT INTO rows (body) VALUES (?)');
  const batch = raw.transaction((n: number) => {
    for (let i = 0; i < n; i++) insert.run('x'.repeat(2048));
  });
  let written = 0;
  await new Promise<void>((resolve, reject) => {
    const turn = (): void => {
      if (gate?.closed) return gate.whenOpen(turn);
      batch(20);
      written += 20;
      if (done()) resolve();
      else if (written >= maxRows) reject(new Error(`still not done after ${written} rows`));
      // Paced (a turn per timer tick, ~10–40 MB/s): a worker starved of CPU on a busy CI machine still keeps up.
      else if (options.paced) setTimeout(turn, 1);
      else setImmediate(turn);
    };
    turn();
  });
  return written;
}

/** A WAL file with a running checkpointer behind a counting gate (checking every 5 ms). */
async function startGated(t: { after(fn: () => unknown): void }): Promise<{ file: string; raw: BetterSqlite3.Database; gate: CountingGate; checkpointer: SqliteCheckpointer }> {
  const { file, raw } = openWal(t);
  const gate = new CountingGate();
  const checkpointer = new SqliteCheckpointer({ file, gate, intervalMs: 5, walLimitBytes: WAL_LIMIT });
  t.after(() => checkpointer.close());
  await held(checkpointer.ready);
  return { file, raw, gate, checkpointer };
}

test('under continuous writes the checkpointer keeps rewinding the WAL without blocking the writer, losing no write', async (t) => {
  const { file, raw, gate, checkpointer } = await startGated(t);
  const written = await writeUntil(raw, gate, () => walResets(file) >= 3, { paced: true });
  // Every rewind came from a completed PASSIVE checkpoint or through the gate: the blocking fallback never ran.
  assert.equal(checkpointer.restarts, 0);
  assert.equal(gate.closed, false);
  assert.equal((raw.prepare('SELECT count(*) AS n FROM rows').get() as { n: number }).n, written);
  const walBytes = statSync(`${file}-wal`).size;
  assert.ok(walBytes < 4 * WAL_LIMIT, `WAL is ${walBytes} bytes`);
});

test('when a checkpoint cannot finish under writes, the worker closes the gate for one, then opens it', async (t) => {
  const { file, raw, gate, checkpointer } = await startGated(t);
  await writeUntil(raw, gate, () => statSync(`${file}-wal`).size > 0);
  // A reader pinned to the first snapshot: no PASSIVE checkpoint can copy past it.
  const reader = new BetterSqlite3(file);
  t.after(() => reader.close());
  reader.exec('BEGIN');
  reader.prepare('SELECT count(*) AS n FROM rows').get();
  // Past the limit, then the writer stops: the worker finds a checkpoint it cannot finish.
  await writeUntil(raw, gate, () => statSync(`${file}-wal`).size > 1.2 * WAL_LIMIT);
  await gate.until(() => gate.closes >= 1 && !gate.closed);
  reader.exec('COMMIT');
  const resetsBefore = walResets(file);
  await writeUntil(raw, gate, () => walResets(file) > resetsBefore);
  assert.equal(checkpointer.restarts, 0);
  // Still pinned, one request a second at most: no storm of gate closes.
  assert.ok(gate.closes <= 3, `the gate closed ${gate.closes} times`);
});

test('without a gate the checkpointer still bounds the WAL (by RESTART when a PASSIVE checkpoint does not finish)', async (t) => {
  const { file, raw } = openWal(t);
  const checkpointer = new SqliteCheckpointer({ file, intervalMs: 5, walLimitBytes: WAL_LIMIT });
  t.after(() => checkpointer.close());
  await held(checkpointer.ready);
  const written = await writeUntil(raw, undefined, () => walResets(file) >= 3);
  assert.equal((raw.prepare('SELECT count(*) AS n FROM rows').get() as { n: number }).n, written);
  const walBytes = statSync(`${file}-wal`).size;
  assert.ok(walBytes < 16 * WAL_LIMIT, `WAL is ${walBytes} bytes`);
});

test('closing the checkpointer opens a closed gate: queued writes are never stranded', async (t) => {
  const { file } = openWal(t);
  const gate = new WriteGate();
  const checkpointer = new SqliteCheckpointer({ file, gate, walLimitBytes: WAL_LIMIT });
  gate.close();
  let ran = false;
  gate.whenOpen(() => (ran = true));
  await checkpointer.close();
  assert.equal(ran, true);
  assert.equal(gate.closed, false);
});

test('the task store holds its batch while the gate is closed and commits it when the gate opens', async (t) => {
  const database = await createDatabase({ sqlitePath: ':memory:' });
  t.after(() => database.close());
  const gate = new WriteGate();
  const store = new SqliteTaskStore({ sqlite: database.sqlite!, gate });
  gate.close();
  let acknowledged = 0;
  const writes = [store.create(newTask('a')), store.create(newTask('b'))].map((p) => p.then(() => acknowledged++));
  // Several turns pass: nothing is acknowledged, and nothing is written, while the gate is closed.
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(acknowledged, 0);
  assert.equal((database.sqlite!.prepare('SELECT count(*) AS n FROM tasks').get() as { n: number }).n, 0);
  // A write queued while it waits joins the same batch.
  writes.push(store.create(newTask('c')).then(() => acknowledged++));
  gate.open();
  await Promise.all(writes);
  assert.equal(acknowledged, 3);
  assert.deepEqual((await store.get('c'))?.id, 'c');
});

test('a checkpoint worker that dies opens the gate and reports it, without taking the process down', async () => {
  const gate = new WriteGate();
  let onStopped!: (err: unknown) => void;
  const stopped = new Promise<unknown>((resolve) => (onStopped = resolve));
  // The worker cannot open a file in a directory that does not exist.
  const checkpointer = new SqliteCheckpointer({ file: join(tmpdir(), 'agentmesh-no-such-dir', 'x', 'mesh.db'), gate, onStopped });
  gate.close();
  const err = await held(stopped);
  assert.match(String(err), /directory does not exist|unable to open|exited/i);
  assert.equal(gate.closed, false);
  // Closing what already died returns at once (it used to wait out a 5 s timeout): settled before the
  // event loop's next turn, so before any timer could fire, however loaded the machine.
  const closed = checkpointer.close().then(() => 'closed');
  const nextTurn = new Promise((resolve) => setImmediate(() => resolve('the next turn of the event loop')));
  assert.equal(await Promise.race([closed, nextTurn]), 'closed');
});

test('the files of one process share one checkpoint thread, and each file is checkpointed on it', async (t) => {
  const first = await startGated(t);
  const second = await startGated(t);
  assert.equal(second.checkpointer.threadId, first.checkpointer.threadId);
  // Both written at once: each file's WAL is rewound by its own passes on the one thread.
  const [a, b] = await Promise.all([writeUntil(first.raw, first.gate, () => walResets(first.file) >= 2, { paced: true }), writeUntil(second.raw, second.gate, () => walResets(second.file) >= 2, { paced: true })]);
  assert.equal((first.raw.prepare('SELECT count(*) AS n FROM rows').get() as { n: number }).n, a);
  assert.equal((second.raw.prepare('SELECT count(*) AS n FROM rows').get() as { n: number }).n, b);
  assert.equal(first.checkpointer.restarts + second.checkpointer.restarts, 0);
});

test('a file the thread cannot open stops only that file: the others sharing the thread go on', async (t) => {
  const working = await startGated(t);
  let onStopped!: (err: unknown) => void;
  const stopped = new Promise<unknown>((resolve) => (onStopped = resolve));
  const broken = new SqliteCheckpointer({ file: join(tmpdir(), 'agentmesh-no-such-dir', 'y', 'mesh.db'), onStopped });
  t.after(() => broken.close());
  assert.equal(broken.threadId, working.checkpointer.threadId);
  assert.match(String(await held(stopped)), /directory does not exist|unable to open/i);
  const resets = walResets(working.file);
  await writeUntil(working.raw, working.gate, () => walResets(working.file) >= resets + 2, { paced: true });
  assert.equal(working.checkpointer.restarts, 0);
});

test('the last file to close ends the thread; a file opened after it starts another', async (t) => {
  const { file } = openWal(t);
  const a = new SqliteCheckpointer({ file, walLimitBytes: WAL_LIMIT });
  await held(a.ready);
  const b = new SqliteCheckpointer({ file, walLimitBytes: WAL_LIMIT });
  await held(b.ready);
  const thread = a.threadId;
  await a.close();
  // One file still open: the thread goes on, and a new file joins it.
  const c = new SqliteCheckpointer({ file, walLimitBytes: WAL_LIMIT });
  await held(c.ready);
  assert.equal(c.threadId, thread);
  await Promise.all([b.close(), c.close()]);
  const d = new SqliteCheckpointer({ file, walLimitBytes: WAL_LIMIT });
  t.after(() => d.close());
  await held(d.ready);
  assert.notEqual(d.threadId, thread);
});
