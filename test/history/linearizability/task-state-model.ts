import { TASK_STATES, type TaskStateName } from '../history-format.js';
import type { Model } from './wgl-search.js';

/**
 * The A2A task state machine as a model for the search (test/history/README.md, "Task state").
 * The agent moves a task on its own between client operations, so the model's state is the set of
 * states the task may be in (a bit mask over TASK_STATES), always closed under the moves the agent may
 * make unasked: from submitted or working to any later state; from auth-required back to working
 * (a credential can arrive out of band, A2A §7.6); from input-required only to a terminal state (it
 * resumes on a client's message); never out of a terminal state, never back to submitted, and a task
 * that exists never becomes absent. An answer narrows the set to the state it shows.
 */
export type TaskModelOp =
  | { f: 'send'; create: boolean; outcome: 'state'; state: TaskStateName }
  | { f: 'send'; create: boolean; outcome: 'rejected' | 'unknown' }
  | { f: 'read'; state: TaskStateName }
  | { f: 'cancel'; outcome: 'state'; state: TaskStateName }
  | { f: 'cancel'; outcome: 'rejected' | 'unknown' };

const bit = (state: TaskStateName): number => 1 << TASK_STATES.indexOf(state);
const ABSENT = bit('absent');
const SUBMITTED = bit('TASK_STATE_SUBMITTED');
const WORKING = bit('TASK_STATE_WORKING');
const CANCELED = bit('TASK_STATE_CANCELED');
export const TERMINAL = bit('TASK_STATE_COMPLETED') | bit('TASK_STATE_FAILED') | CANCELED | bit('TASK_STATE_REJECTED');
const INTERRUPTED = bit('TASK_STATE_INPUT_REQUIRED') | bit('TASK_STATE_AUTH_REQUIRED');
const NON_TERMINAL = SUBMITTED | WORKING | INTERRUPTED;

/** What the agent may do to a task in each state without a client's operation (one step). */
const AGENT_MOVES = new Map<TaskStateName, number>([
  ['TASK_STATE_SUBMITTED', WORKING | INTERRUPTED | TERMINAL],
  ['TASK_STATE_WORKING', INTERRUPTED | TERMINAL],
  ['TASK_STATE_AUTH_REQUIRED', WORKING | TERMINAL],
  ['TASK_STATE_INPUT_REQUIRED', TERMINAL],
]);

/** Every state reachable from `mask` by the agent's moves, `mask` included. */
export function drift(mask: number): number {
  let closed = mask;
  for (;;) {
    let next = closed;
    for (const [state, moves] of AGENT_MOVES) if ((closed & bit(state)) !== 0) next |= moves;
    if (next === closed) return closed;
    closed = next;
  }
}

const DRIFT = Array.from({ length: 1 << TASK_STATES.length }, (_, mask) => drift(mask));
const after = (mask: number): number => DRIFT[mask]!;

export function isTerminalState(state: TaskStateName): boolean {
  return (bit(state) & TERMINAL) !== 0;
}

export const taskStateModel: Model<number, TaskModelOp> = {
  init: () => ABSENT,
  step(mask, op) {
    switch (op.f) {
      case 'read':
        return (mask & bit(op.state)) !== 0 ? after(bit(op.state)) : undefined;
      case 'send':
        return stepSend(mask, op);
      case 'cancel':
        return stepCancel(mask, op);
    }
  },
  key: (mask) => TASK_STATES.filter((state) => (mask & bit(state)) !== 0).map((state) => state.replace('TASK_STATE_', '').toLowerCase()).join('|') || 'impossible',
  describe(op) {
    const outcome = 'state' in op ? op.state.replace('TASK_STATE_', '').toLowerCase() : op.outcome;
    return op.f === 'send' ? `${op.create ? 'create' : 'send'} → ${outcome}` : `${op.f} → ${outcome}`;
  },
};

function stepSend(mask: number, op: TaskModelOp & { f: 'send' }): number | undefined {
  // A new task comes from nothing; a message continues a task that has not ended (A2A §3.1.1).
  const from = op.create ? ABSENT : NON_TERMINAL;
  const start = op.create ? SUBMITTED : WORKING;
  switch (op.outcome) {
    case 'state': {
      const s = bit(op.state);
      return (mask & from) !== 0 && (after(start) & s) !== 0 ? after(s) : undefined;
    }
    case 'rejected':
      return (mask & TERMINAL) !== 0 ? mask & TERMINAL : undefined;
    case 'unknown':
      // Applied to a state it can apply to, or not at all.
      return (mask & from) !== 0 ? mask | after(start) : mask;
  }
}

function stepCancel(mask: number, op: TaskModelOp & { f: 'cancel' }): number | undefined {
  switch (op.outcome) {
    case 'state': {
      // An acknowledged cancel leaves the task canceled, or finds it already finished and says so.
      const s = bit(op.state);
      if ((s & TERMINAL) === 0) return undefined;
      if (s === CANCELED) return (mask & (NON_TERMINAL | CANCELED)) !== 0 ? CANCELED : undefined;
      return (mask & s) !== 0 ? s : undefined;
    }
    case 'rejected':
      return (mask & TERMINAL) !== 0 ? mask & TERMINAL : undefined;
    case 'unknown':
      return (mask & NON_TERMINAL) !== 0 ? mask | CANCELED : mask;
  }
}
