import { isRecord } from '../../../src/protocol/index.js';
import { returnIndex, type Operation } from '../history-ops.js';
import type { KvOp, RegisterOp } from './register-models.js';
import type { LinearOp } from './wgl-search.js';

/**
 * A register history's operations, split by key (P-compositionality: a history is linearizable
 * exactly when each key's is, so each key is searched alone). `fail` operations had no effect and
 * are left out; `info` ones return at +Infinity with an unknown answer.
 */
export function registerOpsByKey(operations: readonly Operation[]): Map<string, LinearOp<RegisterOp>[]> {
  return byKey(operations, (operation) => {
    const known = operation.type === 'ok';
    const invoked = operation.invoke.value;
    switch (operation.f) {
      case 'read':
        return { f: 'read', value: operation.value, known };
      case 'write':
        return { f: 'write', value: invoked };
      case 'cas': {
        const args = isRecord(invoked) ? invoked : {};
        const answer = isRecord(operation.value) ? operation.value : {};
        return { f: 'cas', from: args['from'], to: args['to'], swapped: known ? answer['swapped'] !== false : undefined };
      }
      default:
        throw new Error(`operation ${operation.invoke.index}: a register has no ${operation.f}`);
    }
  });
}

/** Porcupine's key-value operations, split by key. */
export function kvOpsByKey(operations: readonly Operation[]): Map<string, LinearOp<KvOp>[]> {
  return byKey(operations, (operation) => {
    const invoked = operation.invoke.value;
    switch (operation.f) {
      case 'get':
        return { f: 'get', value: typeof operation.value === 'string' ? operation.value : '', known: operation.type === 'ok' };
      case 'put':
      case 'append':
        return { f: operation.f, value: typeof invoked === 'string' ? invoked : '' };
      default:
        throw new Error(`operation ${operation.invoke.index}: a key-value store has no ${operation.f}`);
    }
  });
}

function byKey<P>(operations: readonly Operation[], payload: (operation: Operation) => P): Map<string, LinearOp<P>[]> {
  const keys = new Map<string, LinearOp<P>[]>();
  for (const operation of operations) {
    if (operation.type === 'fail') continue;
    const key = operation.key ?? '';
    let ops = keys.get(key);
    if (ops === undefined) keys.set(key, (ops = []));
    ops.push({ call: operation.invoke.index, ret: returnIndex(operation), payload: payload(operation) });
  }
  return keys;
}
