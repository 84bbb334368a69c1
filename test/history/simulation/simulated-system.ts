import type { TaskEvent, TaskStateName } from '../history-format.js';
import { isTerminalState } from '../linearizability/task-state-model.js';

/** A subscriber of a simulated task: it receives each committed event as it is appended. */
export interface SimSubscriber {
  onEvent(event: TaskEvent): void;
}

export interface SimTask {
  id: string;
  state: TaskStateName;
  events: TaskEvent[];
  pushFrom: number | undefined;
  subscribers: Set<SimSubscriber>;
}

/**
 * A correct agentmesh in miniature, for the checker's property tests (test/history/README.md,
 * "Proven before trusted"): every operation takes effect atomically when the simulation applies it,
 * tasks keep one log with seqs from 1, streams get exactly the events after their position, pushes are
 * queued in log order, steps write one effect each, calls are charged once, and a parked call takes
 * effect once when approved and never when denied.
 */
export class SimulatedSystem {
  readonly tasks = new Map<string, SimTask>();
  /** Pushes waiting for the receiver, in log order per task. */
  readonly pushQueue: { taskId: string; event: TaskEvent }[] = [];
  readonly effects = new Map<string, { step: string; effectId: string }[]>();
  readonly ledgers = new Map<string, { kind: 'grant' | 'charge' | 'refund'; amount: number; callId?: string }[]>();
  /** Calls parked for an approval, as the gateways' table holds them, and the gated agent's effects. */
  readonly approvals = new Map<string, SimApproval>();
  readonly approvedEffects: { callId: string; messageId: string; taskId: string; approvalState: 'forwarding' }[] = [];
  #taskCount = 0;
  #effectCount = 0;

  createTask(): SimTask {
    this.#taskCount += 1;
    const task: SimTask = { id: `task-${this.#taskCount}`, state: 'TASK_STATE_SUBMITTED', events: [], pushFrom: undefined, subscribers: new Set() };
    this.tasks.set(task.id, task);
    this.append(task, 'task', 'TASK_STATE_SUBMITTED');
    return task;
  }

  /** Commits one event: the log, the subscribers and the push queue see it at once. */
  append(task: SimTask, kind: string, state: TaskStateName | undefined): TaskEvent {
    const seq = task.events.length + 1;
    const event: TaskEvent = { seq, kind, hash: `${task.id}/${seq}/${kind}/${state ?? ''}`, ...(state === undefined ? {} : { state }) };
    task.events.push(event);
    if (state !== undefined) task.state = state;
    for (const subscriber of task.subscribers) subscriber.onEvent(event);
    if (task.pushFrom !== undefined && kind !== 'history' && seq > task.pushFrom) this.pushQueue.push({ taskId: task.id, event });
    return event;
  }

  /** A message to a task: refused when it has ended, else it joins the history and the task works again. */
  message(task: SimTask): boolean {
    if (isTerminalState(task.state)) return false;
    this.append(task, 'history', undefined);
    this.append(task, 'status', 'TASK_STATE_WORKING');
    return true;
  }

  cancel(task: SimTask): boolean {
    if (isTerminalState(task.state)) return false;
    this.append(task, 'status', 'TASK_STATE_CANCELED');
    return true;
  }

  /** What the agent does to a task on its own, if anything: one legal move (test/history/linearizability/task-state-model.ts). */
  agentStep(task: SimTask, pick: (n: number) => number): void {
    const moves: Partial<Record<TaskStateName, TaskStateName[]>> = {
      TASK_STATE_SUBMITTED: ['TASK_STATE_WORKING'],
      TASK_STATE_WORKING: ['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_INPUT_REQUIRED', 'TASK_STATE_WORKING'],
      TASK_STATE_AUTH_REQUIRED: ['TASK_STATE_WORKING'],
    };
    const options = moves[task.state];
    if (options === undefined) return;
    const next = options[pick(options.length)]!;
    // Working again while working is an artifact: a new event, no new state.
    this.append(task, next === task.state ? 'artifact' : 'status', next === task.state ? undefined : next);
  }

  /** A step's effect; a step that asked its client carries the answer it acted on, as the ledger agent writes it. */
  writeEffect(runId: string, step: string, answer?: string): string {
    this.#effectCount += 1;
    const effectId = `effect-${this.#effectCount}${answer === undefined ? '' : ` answered ${answer}`}`;
    const list = this.effects.get(runId) ?? [];
    list.push({ step, effectId });
    this.effects.set(runId, list);
    return effectId;
  }

  ledger(tenant: string): { kind: 'grant' | 'charge' | 'refund'; amount: number; callId?: string }[] {
    let entries = this.ledgers.get(tenant);
    if (entries === undefined) this.ledgers.set(tenant, (entries = [{ kind: 'grant', amount: 1000 }]));
    return entries;
  }

  balance(tenant: string): number {
    return this.ledger(tenant).reduce((sum, e) => sum + (e.kind === 'charge' ? -e.amount : e.amount), 0);
  }

  park(approvalId: string, callId: string): SimApproval {
    const approval: SimApproval = { approvalId, callId, state: 'pending' };
    this.approvals.set(approvalId, approval);
    return approval;
  }

  /** A pending call decided: approved, it is sent, runs once and completes; denied, it never reaches the agent. */
  decide(approval: SimApproval, decision: 'approve' | 'deny'): void {
    if (approval.state !== 'pending') return;
    if (decision === 'deny') {
      approval.state = 'denied';
      return;
    }
    approval.state = 'approved';
    approval.taskState = 'TASK_STATE_COMPLETED';
    this.approvedEffects.push({ callId: approval.callId, messageId: approval.callId, taskId: `task-of-${approval.approvalId}`, approvalState: 'forwarding' });
  }
}

export interface SimApproval {
  approvalId: string;
  callId: string;
  state: 'pending' | 'approved' | 'denied';
  taskState?: 'TASK_STATE_COMPLETED';
}
