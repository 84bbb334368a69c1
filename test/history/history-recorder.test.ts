import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseHistory, pairHistory } from './history-ops.js';
import { HistoryRecorder } from './history-recorder.js';

function clock(): { now: () => bigint; advance: (ns: number) => void } {
  let t = 5_000n;
  return { now: () => t, advance: (ns) => (t += BigInt(ns)) };
}

describe('the history recorder', () => {
  it('writes each invocation before its completion, with indexes and monotonic times from the start', () => {
    const c = clock();
    const lines: string[] = [];
    const recorder = new HistoryRecorder({ now: c.now, write: (line) => lines.push(line) });
    const send = recorder.invoke(0, 'send', null, { message: 'm-1' }, 'replica-a');
    assert.equal(lines.length, 1, 'the invocation is written before the request leaves');
    c.advance(1500);
    recorder.ok(send, { taskId: 't-1', state: 'TASK_STATE_WORKING', version: 2 });
    recorder.nemesis('start', { fault: 'kill', node: 'replica-a' });
    const ops = parseHistory(lines.join(''));
    assert.deepEqual(ops, [
      { index: 0, time: 0, process: 0, node: 'replica-a', type: 'invoke', f: 'send', key: null, value: { message: 'm-1' } },
      { index: 1, time: 1500, process: 0, type: 'ok', f: 'send', key: null, value: { taskId: 't-1', state: 'TASK_STATE_WORKING', version: 2 } },
      { index: 2, time: 1500, process: 'nemesis', type: 'info', f: 'start', key: null, value: { fault: 'kill', node: 'replica-a' } },
    ]);
  });

  it('refuses any operation of a process whose last one ended info', () => {
    const recorder = new HistoryRecorder();
    recorder.info(recorder.invoke(3, 'cancel', 't-1', null), { error: 'timeout' });
    assert.throws(() => recorder.invoke(3, 'get', 't-1', null), /process 3 ended an operation with info/);
    assert.doesNotThrow(() => recorder.invoke(4, 'get', 't-1', null));
  });

  it('refuses a second invocation of a waiting process and a completion of nothing waiting', () => {
    const recorder = new HistoryRecorder();
    const get = recorder.invoke(1, 'get', 't-1', null);
    assert.throws(() => recorder.invoke(1, 'get', 't-2', null), /process 1 still waits for get \(index 0\)/);
    recorder.ok(get, { state: 'absent' });
    assert.throws(() => recorder.fail(get, {}), /process 1 has no waiting get of index 0/);
    assert.throws(() => recorder.invoke(-1, 'get', null, null), /whole number/);
  });

  it('leaves an unanswered invocation waiting, which the checker reads as info', () => {
    const recorder = new HistoryRecorder({ keep: true });
    const waiting = recorder.invoke(2, 'send', 't-1', {});
    assert.deepEqual(recorder.waiting(), [waiting]);
    const [operation] = pairHistory(recorder.lines()).operations;
    assert.equal(operation!.type, 'info');
    assert.equal(operation!.completion, undefined);
  });

  it('records an observation as an invocation and its ok at once', () => {
    const recorder = new HistoryRecorder({ keep: true });
    recorder.observe(100, 'push', 't-1', { taskId: 't-1', seq: 1, hash: 'h' });
    recorder.observe(100, 'push', 't-1', { taskId: 't-1', seq: 2, hash: 'i' });
    assert.deepEqual(recorder.lines().map((op) => [op.index, op.type]), [[0, 'invoke'], [1, 'ok'], [2, 'invoke'], [3, 'ok']]);
  });

  it('appends to a file, each line on disk when the call returns', () => {
    const dir = mkdtempSync(join(tmpdir(), 'history-'));
    try {
      const path = join(dir, 'run.jsonl');
      const { recorder, close } = HistoryRecorder.toFile(path);
      const get = recorder.invoke(0, 'get', 't-1', null);
      assert.equal(parseHistory(readFileSync(path, 'utf8')).length, 1);
      recorder.ok(get, { state: 'TASK_STATE_COMPLETED' });
      close();
      assert.deepEqual(parseHistory(readFileSync(path, 'utf8')).map((op) => op.type), ['invoke', 'ok']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('reading a history', () => {
  it('refuses a history no single recorder could have written', () => {
    const line = (o: object): string => JSON.stringify({ time: 0, key: null, value: null, ...o });
    assert.throws(() => pairHistory(parseHistory([line({ index: 0, process: 0, type: 'ok', f: 'get' })].join('\n'))), /has nothing waiting/);
    assert.throws(() => pairHistory(parseHistory([line({ index: 1, process: 0, type: 'invoke', f: 'get' }), line({ index: 0, process: 1, type: 'invoke', f: 'get' })].join('\n'))), /follows index 1/);
    assert.throws(() => pairHistory(parseHistory([line({ index: 0, process: 0, type: 'invoke', f: 'get' }), line({ index: 1, process: 0, type: 'info', f: 'get' }), line({ index: 2, process: 0, type: 'invoke', f: 'get' })].join('\n'))), /invokes after an operation that ended info/);
    assert.throws(() => pairHistory(parseHistory([line({ index: 0, process: 0, type: 'invoke', f: 'get' }), line({ index: 1, process: 0, type: 'ok', f: 'send' })].join('\n'))), /completes send but index 0 invoked get/);
    assert.throws(() => parseHistory('{"index":0}\n'), /line 1: not a history op/);
    assert.throws(() => parseHistory('\n\nnot json\n'), /line 3: not JSON/);
  });
});
