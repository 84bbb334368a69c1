import { randomUUID } from 'node:crypto';
import { Role, TaskState, type Artifact, type Message, type StreamResponse, type Task, type TaskStatus } from '@a2a-js/sdk';
import { acpMessageToA2a } from './messages.js';
import { isFinalRunStatus, taskStateOf } from './runs.js';
import type { AcpEvent, AcpMessage, AcpRun } from './wire-types.js';

/**
 * The bridge's direction of the mapping (docs/acp.md, "Bridged agents"): an
 * ACP run read from an external ACP agent, as the A2A task a client of the
 * gateway sees. The reverse of `taskToRun`:
 *
 * - `run_id` is the task id; `session_id` the context id (a run without a
 *   session uses its run id, so the task still has one);
 * - each output message is one artifact (`{run_id}-output-{n}`), its parts
 *   through the part mapping;
 * - an `awaiting` run is `input-required`, its `await_request.message` the
 *   status message; a failed run's `error.message` is the failed status's text.
 */
export function runToTask(run: AcpRun): Task {
  const contextId = run.session_id ?? run.run_id;
  return {
    id: run.run_id,
    contextId,
    status: statusOf(run, contextId),
    artifacts: (run.output ?? []).map((m, i) => outputArtifact(m, run.run_id, i)),
    history: [],
    metadata: undefined,
  };
}

/** The output message `index` of run `runId` as an A2A artifact. */
export function outputArtifact(message: AcpMessage, runId: string, index: number): Artifact {
  const a2a = acpMessageToA2a(message, { messageId: '' });
  return { artifactId: `${runId}-output-${index}`, name: message.parts[0]?.name ?? '', description: '', parts: a2a.parts, metadata: undefined, extensions: [] };
}

function statusOf(run: AcpRun, contextId: string): TaskStatus {
  const state = taskStateOf(run.status);
  const timestamp = (isFinalRunStatus(run.status) ? run.finished_at : undefined) ?? run.created_at;
  return { state, message: statusMessageOf(run, contextId), timestamp: validDate(timestamp) };
}

function validDate(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function statusMessageOf(run: AcpRun, contextId: string): Message | undefined {
  const ids = { messageId: randomUUID(), contextId, taskId: run.run_id };
  if (run.status === 'awaiting') {
    const asked = run.await_request?.['message'] as AcpMessage | undefined;
    if (asked !== undefined && asked !== null && typeof asked === 'object' && Array.isArray(asked.parts)) {
      return { ...acpMessageToA2a(asked, ids), role: Role.ROLE_AGENT };
    }
    return undefined;
  }
  if (run.status === 'failed' && run.error) return { ...acpMessageToA2a({ role: 'agent', parts: [{ content_type: 'text/plain', content: run.error.message }] }, ids) };
  return undefined;
}

/**
 * An ACP run's events (a `stream` run, or the events of a run read back) as
 * the A2A stream a client of the gateway reads: the first run event is the
 * Task (the run as it is then), each later change of status a status update,
 * each completed agent message an artifact update. `message.created` and
 * `message.part` are not relayed one by one: `message.completed` carries the
 * whole message (ACP sends it after its parts), so no part is relayed twice.
 * A run that completes without `message.completed` events gives its output
 * as artifacts before the final status. An ACP `error` event throws.
 */
export class AcpStreamTranslator {
  #task: Task | undefined;
  #outputs = 0;

  /**
   * The task as its first run event described it, its status kept current
   * (undefined before the first run event). Artifacts relayed since are not
   * kept (a long stream's output would all stay in memory): {@link outputs}
   * counts them.
   */
  get task(): Task | undefined {
    return this.#task;
  }

  /** How many output messages the stream has given so far (artifacts relayed, and those of the first run event). */
  get outputs(): number {
    return this.#outputs;
  }

  /** The A2A stream responses one ACP event becomes (often none or one). */
  translate(event: AcpEvent): StreamResponse[] {
    switch (event.type) {
      case 'message.created':
      case 'message.part':
        return [];
      case 'message.completed': {
        const task = this.#task;
        if (task === undefined || event.message.role === 'user') return [];
        const artifact = outputArtifact(event.message, task.id, this.#outputs++);
        return [{ payload: { $case: 'artifactUpdate', value: { taskId: task.id, contextId: task.contextId, artifact, append: false, lastChunk: true, metadata: undefined } } }];
      }
      case 'generic': {
        const task = this.#task;
        if (task === undefined) return [];
        const message: Message = {
          messageId: randomUUID(),
          contextId: task.contextId,
          taskId: task.id,
          role: Role.ROLE_AGENT,
          parts: [{ content: { $case: 'data', value: event.generic }, metadata: undefined, filename: '', mediaType: 'application/json' }],
          metadata: undefined,
          extensions: [],
          referenceTaskIds: [],
        };
        const status = { state: TaskState.TASK_STATE_WORKING, message, timestamp: new Date().toISOString() };
        return [{ payload: { $case: 'statusUpdate', value: { taskId: task.id, contextId: task.contextId, status, metadata: undefined } } }];
      }
      case 'error':
        throw Object.assign(new Error(event.error.message), { acpError: event.error });
      default:
        return this.#runEvent(event.run);
    }
  }

  #runEvent(run: AcpRun): StreamResponse[] {
    const snapshot = runToTask(run);
    const previous = this.#task;
    if (previous === undefined) {
      this.#task = snapshot;
      this.#outputs = snapshot.artifacts.length;
      return [{ payload: { $case: 'task', value: snapshot } }];
    }
    const out: StreamResponse[] = [];
    // Output the events did not carry as message.completed: relayed from the run before its end.
    for (let i = this.#outputs; i < snapshot.artifacts.length; i++) {
      const artifact = snapshot.artifacts[i]!;
      out.push({ payload: { $case: 'artifactUpdate', value: { taskId: previous.id, contextId: previous.contextId, artifact, append: false, lastChunk: true, metadata: undefined } } });
    }
    this.#outputs = Math.max(this.#outputs, snapshot.artifacts.length);
    if (previous.status?.state !== snapshot.status?.state || snapshot.status?.message !== undefined) {
      previous.status = snapshot.status;
      out.push({ payload: { $case: 'statusUpdate', value: { taskId: previous.id, contextId: previous.contextId, status: snapshot.status, metadata: undefined } } });
    }
    return out;
  }
}
