import type { HistoryOp } from '../history-format.js';

/**
 * Porcupine's test data in our format, each line read as Porcupine's own parser reads it
 * (`porcupine_test.go`, `parseJepsenLog` and `parseKvLog`), so its verdicts carry over.
 */

const ETCD = /^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(read|write|cas)\s+(.*?)\s*$/;

/**
 * A Jepsen etcd log (`test_data/jepsen/etcd_NNN.log`): a register that starts absent (`null`), with
 * read, write and cas. A cas answered `:fail` is the answer "the register did not hold `from`": an
 * `ok` whose value says `swapped: false`, as Porcupine's etcd model reads it. A read that failed
 * `:timed-out` asserts nothing (`fail`); a write or cas ended `:info` is `info`.
 */
export function etcdLogToHistory(text: string): HistoryOp[] {
  const ops: HistoryOp[] = [];
  for (const [n, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const match = ETCD.exec(line);
    if (match === null) throw new Error(`line ${n + 1} is not a Jepsen etcd operation: ${line}`);
    const [, proc, type, f, arg] = match.map((group) => group ?? '');
    const index = ops.length;
    const base = { index, time: index, process: Number(proc), f: f!, key: 'register' };
    if (type === 'invoke') {
      ops.push({ ...base, type: 'invoke', value: f === 'read' ? null : f === 'write' ? Number(arg) : casArgs(arg!, line) });
    } else if (type === 'info') {
      ops.push({ ...base, type: 'info', value: arg! });
    } else if (f === 'read') {
      ops.push(type === 'ok' ? { ...base, type: 'ok', value: arg === 'nil' ? null : Number(arg) } : { ...base, type: 'fail', value: arg! });
    } else if (f === 'write') {
      ops.push({ ...base, type: type === 'ok' ? 'ok' : 'fail', value: Number(arg) });
    } else {
      ops.push({ ...base, type: 'ok', value: { ...casArgs(arg!, line), swapped: type === 'ok' } });
    }
  }
  return ops;
}

function casArgs(arg: string, line: string): { from: number; to: number } {
  const match = /^\[(\d+)\s+(\d+)\]$/.exec(arg);
  if (match === null) throw new Error(`not a cas argument: ${line}`);
  return { from: Number(match[1]), to: Number(match[2]) };
}

const KV = /^\{:process (\d+), :type :(invoke|ok), :f :(get|put|append), :key "(.*)", :value (nil|"(.*)")\}$/;

/** A key-value log (`test_data/kv/*.txt`): get, put and append of strings on many keys, every one completed `ok` or never. */
export function kvLogToHistory(text: string): HistoryOp[] {
  const ops: HistoryOp[] = [];
  for (const [n, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const match = KV.exec(line);
    if (match === null) throw new Error(`line ${n + 1} is not a key-value operation: ${line}`);
    const [, proc, type, f, key, , value] = match;
    const index = ops.length;
    ops.push({ index, time: index, process: Number(proc), type: type === 'ok' ? 'ok' : 'invoke', f: f!, key: key!, value: value ?? null });
  }
  return ops;
}
