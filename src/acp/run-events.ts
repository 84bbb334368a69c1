import { TaskState, type Artifact, type StreamResponse, type Task } from '@a2a-js/sdk';
import { a2aMessageToAcp, agentRole } from './messages.js';
import { a2aPartToAcp } from './parts.js';
import { isFinalRunStatus, outputOf, runStatusOf, taskToRun, type RunOptions } from './runs.js';
import type { AcpEvent, AcpRunStatus } from './wire-types.js';

/**
 * Turns a task's A2A stream (the Task, then status and artifact updates) into
 * ACP run events, in order:
 *
 * - the first Task → `run.created`, then `run.in-progress` if it is working;
 * - each new status → `run.in-progress`, `run.awaiting`, `run.completed`,
 *   `run.failed` or `run.cancelled` (once per change); a progress message on
 *   a working task → a `generic` event `{ status, message }`;
 * - artifact parts → `message.created` (with the first part: ACP messages have
 *   at least one) then `message.part` for each later one; before a final run
 *   event with output, `message.completed` with the whole output message.
 *
 * It folds the updates into the task it holds, so each `run` is the run as of
 * that event. One translator per stream.
 */
export class RunEventTranslator {
  readonly #options: RunOptions;
  #task: Task | undefined;
  #status: AcpRunStatus | undefined;
  #messageOpen = false;

  constructor(options: RunOptions) {
    this.#options = options;
  }

  /** The task as folded so far. */
  get task(): Task | undefined {
    return this.#task;
  }

  /**
   * Takes a Task the client has already seen as a run (a resumed run's
   * stream opens with it): later events start from its status and output,
   * nothing is emitted for it.
   */
  observe(response: StreamResponse): void {
    if (response.payload?.$case !== 'task') return;
    this.#task = response.payload.value;
    this.#status = runStatusOf(this.#task.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED);
    this.#messageOpen = this.#task.artifacts.some((a) => a.parts.length > 0);
  }

  /** The events of one A2A stream response (none for a bare message). */
  translate(response: StreamResponse): AcpEvent[] {
    const p = response.payload;
    if (p === undefined) return [];
    const out: AcpEvent[] = [];
    if (p.$case === 'task') {
      const first = this.#task === undefined;
      this.#task = p.value;
      if (first) out.push({ type: 'run.created', run: this.#run('created') });
      const parts = this.#task.artifacts.flatMap((a) => a.parts.map((part) => a2aPartToAcp(part, a.name || undefined)));
      this.#parts(parts, out);
      this.#state(out);
      return out;
    }
    if (this.#task === undefined) return out;
    if (p.$case === 'statusUpdate') {
      const status = p.value.status;
      if (status === undefined) return out;
      this.#task = { ...this.#task, status };
      const progress = status.state === TaskState.TASK_STATE_WORKING && status.message ? a2aMessageToAcp(status.message, this.#options.agentName) : undefined;
      this.#state(out);
      if (progress) out.push({ type: 'generic', generic: { status: 'in-progress', message: progress } });
      return out;
    }
    if (p.$case === 'artifactUpdate' && p.value.artifact) {
      const artifact = p.value.artifact;
      this.#task = { ...this.#task, artifacts: foldArtifact(this.#task.artifacts, artifact, p.value.append) };
      this.#parts(artifact.parts.map((part) => a2aPartToAcp(part, artifact.name || undefined)), out);
    }
    return out;
  }

  #parts(parts: ReturnType<typeof a2aPartToAcp>[], out: AcpEvent[]): void {
    for (const part of parts) {
      if (!this.#messageOpen) {
        this.#messageOpen = true;
        out.push({ type: 'message.created', message: { role: agentRole(this.#options.agentName), parts: [part] } });
      } else {
        out.push({ type: 'message.part', part });
      }
    }
  }

  #state(out: AcpEvent[]): void {
    const state = this.#task?.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED;
    const status = runStatusOf(state);
    if (status === this.#status || status === 'created') {
      this.#status ??= status;
      return;
    }
    this.#status = status;
    if (isFinalRunStatus(status)) {
      const output = outputOf(this.#task!, this.#options.agentName);
      if (output[0]) out.push({ type: 'message.completed', message: output[0] });
    }
    out.push({ type: `run.${status}` as 'run.in-progress', run: this.#run(status) });
  }

  #run(status: AcpRunStatus) {
    const run = taskToRun(this.#task!, this.#options);
    return status === 'created' ? { ...run, status } : run;
  }
}

/** An artifact update folded into the list (A2A §4.2: `append` adds parts to the artifact of that id). */
function foldArtifact(artifacts: readonly Artifact[], update: Artifact, append: boolean): Artifact[] {
  const i = artifacts.findIndex((a) => a.artifactId === update.artifactId);
  if (i < 0) return [...artifacts, update];
  const next = [...artifacts];
  next[i] = append ? { ...artifacts[i]!, parts: [...artifacts[i]!.parts, ...update.parts] } : update;
  return next;
}
