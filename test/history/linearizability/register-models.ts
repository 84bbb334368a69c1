import { isDeepStrictEqual } from 'node:util';
import type { Model } from './wgl-search.js';

/**
 * A compare-and-set register's operations. `known: false` is an `info` operation: its answer is
 * unknown, so any state accepts it. A `cas` answered "did not swap" is an observation too: the
 * register did not hold `from` (as Porcupine's etcd model reads it).
 */
export type RegisterOp =
  | { f: 'read'; value: unknown; known: boolean }
  | { f: 'write'; value: unknown }
  | { f: 'cas'; from: unknown; to: unknown; swapped: boolean | undefined };

/** Knossos' `cas-register` and Porcupine's etcd model: one register holding `initial` at first. */
export function casRegisterModel(initial: unknown): Model<unknown, RegisterOp> {
  return {
    init: () => initial,
    step(state, op) {
      switch (op.f) {
        case 'read':
          return !op.known || isDeepStrictEqual(state, op.value) ? state : undefined;
        case 'write':
          return op.value;
        case 'cas': {
          const matches = isDeepStrictEqual(state, op.from);
          if (op.swapped === undefined) return matches ? op.to : state;
          if (op.swapped) return matches ? op.to : undefined;
          return matches ? undefined : state;
        }
      }
    },
    key: (state) => JSON.stringify(state) ?? 'undefined',
    describe(op) {
      switch (op.f) {
        case 'read':
          return op.known ? `read → ${JSON.stringify(op.value)}` : 'read → ?';
        case 'write':
          return `write ${JSON.stringify(op.value)}`;
        case 'cas':
          return `cas ${JSON.stringify(op.from)}→${JSON.stringify(op.to)}${op.swapped === undefined ? ' ?' : op.swapped ? '' : ' (not swapped)'}`;
      }
    },
  };
}

/** Porcupine's key-value operations on one key (the checker splits a history by key). */
export type KvOp = { f: 'get'; value: string; known: boolean } | { f: 'put'; value: string } | { f: 'append'; value: string };

export const kvModel: Model<string, KvOp> = {
  init: () => '',
  step(state, op) {
    switch (op.f) {
      case 'get':
        return !op.known || state === op.value ? state : undefined;
      case 'put':
        return op.value;
      case 'append':
        return state + op.value;
    }
  },
  key: (state) => state,
  describe: (op) => (op.f === 'get' ? `get → ${JSON.stringify(op.known ? op.value : '?')}` : `${op.f} ${JSON.stringify(op.value)}`),
};
