import type { NewTask } from '../../src/storage/index.js';

/** A task row for store tests: a completed, terminal task with no events unless `extra` says otherwise. */
export function newTask(id: string, extra: Partial<NewTask> = {}): NewTask {
  return {
    id,
    agent: 'echo',
    tenant: '',
    contextId: `ctx-${id}`,
    state: 'TASK_STATE_COMPLETED',
    skill: 'run',
    messageId: `m-${id}`,
    snapshot: JSON.stringify({ id }),
    owner: null,
    idempotent: false,
    terminal: true,
    events: [],
    now: Date.now(),
    ...extra,
  };
}

/** A task as a SendMessage creates it: submitted, not terminal, its first event written. */
export function submittedTask(id: string, extra: Partial<NewTask> = {}): NewTask {
  return newTask(id, { agent: 'tester', contextId: 'ctx-1', state: 'TASK_STATE_SUBMITTED', skill: 'echo', terminal: false, events: [{ seq: 1, kind: 'task', payload: '{"n":1}' }], ...extra });
}
