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
