/**
 * Wing and Gong's linearizability search with Lowe's memoization, as Porcupine and Knossos' `wgl`
 * run it (test/history/README.md, "Linearizability"). Operations are intervals from invocation to
 * completion; the search tries to order them so that each takes effect at one point inside its
 * interval and the model accepts every answer. It walks a list of call and return entries: a call
 * whose operation the model accepts from the current state is "lifted" (linearized) and the walk
 * restarts from the front; reaching a return entry means the operation it closes was not linearized
 * in time, so the last choice is undone. A configuration already seen (the same set of linearized
 * operations and the same model state) is never explored twice, which is what keeps it tractable.
 * Deciding linearizability is NP-complete, so the search has a budget and answers `unknown` when it
 * runs out rather than passing.
 */

/** One operation as the search sees it. `ret` is +Infinity for an operation that may take effect at any later time (`info`). */
export interface LinearOp<P> {
  /** The history index of the invocation; orders the entries and names the operation in reports. */
  call: number;
  ret: number;
  payload: P;
}

/**
 * A sequential specification. `step` answers the state after the operation, or undefined when the
 * operation's answer is impossible from `state`. An operation whose answer is unknown must be accepted
 * from every state (it returns a state, possibly the same), since it may not have happened at all.
 */
export interface Model<S, P> {
  init(): S;
  step(state: S, payload: P): S | undefined;
  /** Equal states, equal keys (the memo's identity of a state). */
  key(state: S): string;
  describe(payload: P): string;
}

export interface SearchBudget {
  /** Entries visited before giving up (default 5,000,000). */
  maxSteps?: number;
  /** Configurations memoized before giving up (default 1,000,000: each holds a copy of the set of linearized operations). */
  maxMemo?: number;
}

export type SearchResult =
  | { verdict: 'linearizable'; steps: number; order: number[] }
  | { verdict: 'not-linearizable'; steps: number; longestPrefix: number[]; stuck: number[]; explanation: string }
  | { verdict: 'unknown'; steps: number; reason: string };

interface Entry {
  call: boolean;
  op: number;
  time: number;
  prev: Entry | undefined;
  next: Entry | undefined;
  /** For a call entry, its return entry. */
  match: Entry | undefined;
}

const DEFAULT_MAX_STEPS = 5_000_000;
const DEFAULT_MAX_MEMO = 1_000_000;

export function checkLinearizable<S, P>(model: Model<S, P>, ops: readonly LinearOp<P>[], budget: SearchBudget = {}): SearchResult {
  const maxSteps = budget.maxSteps ?? DEFAULT_MAX_STEPS;
  const maxMemo = budget.maxMemo ?? DEFAULT_MAX_MEMO;
  const n = ops.length;
  const head = buildEntries(ops);
  const words = Math.ceil(n / 32) || 1;
  const linearized = new Uint32Array(words);
  // Zobrist hashing: the hash of a set of operations is the XOR of one random word per member, so
  // linearizing or undoing one operation updates it in O(1).
  const zobrist = new Uint32Array(n);
  let seed = 0x9e3779b9;
  for (let i = 0; i < n; i += 1) {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x297a2d39) >>> 0;
    zobrist[i] = seed;
  }
  let setHash = 0;
  const memo = new Map<number, { bits: Uint32Array; key: string }[]>();
  let memoSize = 0;
  const stack: { entry: Entry; state: S }[] = [];
  let state = model.init();
  let entry = head.next;
  let steps = 0;
  let longestPrefix: number[] = [];
  let stuck: number[] = [];
  while (head.next !== undefined) {
    steps += 1;
    if (steps > maxSteps) return { verdict: 'unknown', steps, reason: `search budget exhausted: ${maxSteps} steps, ${stack.length} of ${n} operations linearized` };
    if (entry === undefined) throw new Error('the walk passed the end of the list: a return entry should have stopped it');
    if (entry.call) {
      const next = model.step(state, ops[entry.op]!.payload);
      if (next !== undefined) {
        const key = model.key(next);
        const hash = (setHash ^ zobrist[entry.op]! ^ hashString(key)) >>> 0;
        setBit(linearized, entry.op);
        if (remember(memo, hash, linearized, key)) {
          memoSize += 1;
          if (memoSize > maxMemo) return { verdict: 'unknown', steps, reason: `search budget exhausted: ${maxMemo} configurations memoized, ${stack.length} of ${n} operations linearized` };
          stack.push({ entry, state });
          state = next;
          setHash = (setHash ^ zobrist[entry.op]!) >>> 0;
          lift(entry);
          entry = head.next;
          continue;
        }
        clearBit(linearized, entry.op);
      }
      entry = entry.next;
      continue;
    }
    // A return entry: the operation it closes could not be linearized before it. Undo the last choice.
    if (stack.length >= longestPrefix.length) {
      longestPrefix = stack.map((frame) => frame.entry.op);
      stuck = [entry.op];
    }
    const top = stack.pop();
    if (top === undefined) {
      return {
        verdict: 'not-linearizable',
        steps,
        longestPrefix: longestPrefix.map((i) => ops[i]!.call),
        stuck: stuck.map((i) => ops[i]!.call),
        explanation: explain(model, ops, longestPrefix, stuck),
      };
    }
    state = top.state;
    clearBit(linearized, top.entry.op);
    setHash = (setHash ^ zobrist[top.entry.op]!) >>> 0;
    unlift(top.entry);
    entry = top.entry.next;
  }
  return { verdict: 'linearizable', steps, order: stack.map((frame) => ops[frame.entry.op]!.call) };
}

function buildEntries<P>(ops: readonly LinearOp<P>[]): Entry {
  const entries: Entry[] = [];
  ops.forEach((op, i) => {
    if (!(op.ret > op.call)) throw new Error(`operation ${op.call} returns (${op.ret}) before it is invoked`);
    const ret: Entry = { call: false, op: i, time: op.ret, prev: undefined, next: undefined, match: undefined };
    entries.push({ call: true, op: i, time: op.call, prev: undefined, next: undefined, match: ret }, ret);
  });
  // By time; at equal times calls first (they overlap), and operations that never returned in invocation order.
  entries.sort((a, b) => a.time - b.time || (a.call === b.call ? 0 : a.call ? -1 : 1) || ops[a.op]!.call - ops[b.op]!.call);
  const head: Entry = { call: false, op: -1, time: Number.NEGATIVE_INFINITY, prev: undefined, next: undefined, match: undefined };
  let prev = head;
  for (const e of entries) {
    prev.next = e;
    e.prev = prev;
    prev = e;
  }
  return head;
}

function lift(entry: Entry): void {
  entry.prev!.next = entry.next;
  entry.next!.prev = entry.prev;
  const match = entry.match!;
  match.prev!.next = match.next;
  if (match.next !== undefined) match.next.prev = match.prev;
}

function unlift(entry: Entry): void {
  const match = entry.match!;
  match.prev!.next = match;
  if (match.next !== undefined) match.next.prev = match;
  entry.prev!.next = entry;
  entry.next!.prev = entry;
}

function setBit(bits: Uint32Array, i: number): void {
  bits[i >>> 5]! |= 1 << (i & 31);
}

function clearBit(bits: Uint32Array, i: number): void {
  bits[i >>> 5]! &= ~(1 << (i & 31));
}

/** Adds the configuration to the memo; false when it was there already. */
function remember(memo: Map<number, { bits: Uint32Array; key: string }[]>, hash: number, bits: Uint32Array, key: string): boolean {
  const bucket = memo.get(hash);
  if (bucket === undefined) {
    memo.set(hash, [{ bits: bits.slice(), key }]);
    return true;
  }
  for (const seen of bucket) {
    if (seen.key === key && sameBits(seen.bits, bits)) return false;
  }
  bucket.push({ bits: bits.slice(), key });
  return true;
}

function sameBits(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/** FNV-1a over the UTF-16 code units. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function explain<S, P>(model: Model<S, P>, ops: readonly LinearOp<P>[], prefix: number[], stuck: number[]): string {
  let state = model.init();
  for (const i of prefix) state = model.step(state, ops[i]!.payload) ?? state;
  const tail = prefix.slice(-3).map((i) => `${model.describe(ops[i]!.payload)} [${ops[i]!.call}]`);
  const blocked = stuck.map((i) => `${model.describe(ops[i]!.payload)} [${ops[i]!.call}]`);
  return `no order fits: after linearizing ${prefix.length} of ${ops.length} operations (…${tail.join(', ')}), in state ${model.key(state)}, ${blocked.join(', ')} must take effect before it returns and cannot`;
}
