import { historyOpSchema, NEMESIS, type HistoryOp } from './history-format.js';

/** An invocation with its completion; `type` is `info` when the history ended with it still waiting. */
export interface Operation {
  process: number;
  f: string;
  /** The key of the completion when it names one (a created task's id), else the invocation's. */
  key: string | null;
  type: 'ok' | 'fail' | 'info';
  invoke: HistoryOp;
  completion: HistoryOp | undefined;
  /** The completion's value, or the invocation's when there is no completion. */
  value: unknown;
}

/** A history's operations and its nemesis lines. */
export interface PairedHistory {
  ops: HistoryOp[];
  operations: Operation[];
  nemesis: HistoryOp[];
}

/** Reads JSON lines (blank lines skipped); a line that is not a history op throws, naming its line number. */
export function parseHistory(text: string): HistoryOp[] {
  const ops: HistoryOp[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      throw new Error(`line ${i + 1}: not JSON (${(err as Error).message})`, { cause: err });
    }
    const parsed = historyOpSchema.safeParse(json);
    if (!parsed.success) throw new Error(`line ${i + 1}: not a history op: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    ops.push(parsed.data);
  }
  return ops;
}

/**
 * Pairs each invocation with its process's next completion. Throws on a history no single recorder
 * could have written: indexes out of order, a completion with no invocation waiting, a second
 * invocation while one waits, or an invocation by a process whose last operation ended `info`.
 */
export function pairHistory(ops: readonly HistoryOp[]): PairedHistory {
  const waiting = new Map<number, HistoryOp>();
  const crashed = new Set<number>();
  const operations: Operation[] = [];
  const byInvoke = new Map<HistoryOp, number>();
  const nemesis: HistoryOp[] = [];
  let last = -1;
  for (const op of ops) {
    if (op.index <= last) throw new Error(`index ${op.index} follows index ${last}: a history is in index order`);
    last = op.index;
    if (op.process === NEMESIS) {
      nemesis.push(op);
      continue;
    }
    const { process } = op;
    if (op.type === 'invoke') {
      if (crashed.has(process)) throw new Error(`index ${op.index}: process ${process} invokes after an operation that ended info`);
      const open = waiting.get(process);
      if (open !== undefined) throw new Error(`index ${op.index}: process ${process} invokes while index ${open.index} waits`);
      waiting.set(process, op);
      byInvoke.set(op, operations.length);
      operations.push({ process, f: op.f, key: op.key ?? null, type: 'info', invoke: op, completion: undefined, value: op.value });
      continue;
    }
    const invoke = waiting.get(process);
    if (invoke === undefined) throw new Error(`index ${op.index}: process ${process} completes ${op.f} but has nothing waiting`);
    if (invoke.f !== op.f) throw new Error(`index ${op.index}: process ${process} completes ${op.f} but index ${invoke.index} invoked ${invoke.f}`);
    waiting.delete(process);
    if (op.type === 'info') crashed.add(process);
    const operation = operations[byInvoke.get(invoke)!]!;
    operation.type = op.type;
    operation.completion = op;
    operation.value = op.value;
    operation.key = op.key ?? invoke.key ?? null;
  }
  return { ops: [...ops], operations, nemesis };
}

/** The index of an operation's completion, or +Infinity when it may still take effect (`info`). */
export function returnIndex(operation: Operation): number {
  return operation.type === 'info' || operation.completion === undefined ? Number.POSITIVE_INFINITY : operation.completion.index;
}
