import { Task } from '@a2a-js/sdk';
import type { AgentCaller, ChildCall, ChildOutcome } from '../../src/orchestrator/calls/agent-caller.js';
import type { RunHost } from '../../src/orchestrator/engine/run-execution.js';

/**
 * An agent caller answering every call at once with `answer(call)`, for
 * engine tests that pin what the engine does with outputs, not calls: it
 * counts the calls per agent. No questions, nothing to attach to.
 */
export function answeringCaller(answer: (call: ChildCall) => unknown): AgentCaller & { calls: Map<string, number> } {
  const calls = new Map<string, number>();
  let n = 0;
  return {
    calls,
    async send(call: ChildCall): Promise<ChildOutcome> {
      calls.set(call.agent, (calls.get(call.agent) ?? 0) + 1);
      const taskId = `t${++n}`;
      call.onTask?.(taskId, 'c');
      return { state: 'completed', taskId, contextId: 'c', output: answer(call), task: Task.fromJSON({ id: taskId, contextId: 'c', status: { state: 'TASK_STATE_COMPLETED' } }) };
    },
    reply: () => Promise.reject(new Error('no questions in this test')),
    attach: () => Promise.reject(new Error('nothing to attach to in this test')),
    cancel: () => Promise.resolve(),
  };
}

/** A run's host of tenant `t` that asks nothing; let go (detached) once `signal` aborts. */
export function quietHost(runId: string, signal: AbortSignal = new AbortController().signal): RunHost {
  return { runId, onBehalfOf: { tenant: 't' }, traceparent: undefined, signal, emit: () => undefined, requestInput: () => Promise.reject(new Error('no questions')), detached: () => signal.aborted };
}
