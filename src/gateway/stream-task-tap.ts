import { isRecord } from '../protocol/index.js';
import { eventError } from './stream-event-error.js';
import { startsJson } from './answer-start.js';
/**
 * Watches an A2A answer go by (JSON body or SSE stream, either protocol
 * version) for what settlement needs: the task id, and the task (or its
 * state) when the answer carries it. It never changes what the client gets.
 *
 * A stream is the task's events in order: folding them as the runtime folds
 * its task (a status update's metadata merged into the task's, task-fold.ts)
 * gives the task's end and the usage the agent reported with its final
 * status, so a stream that ends its task settles like a blocking answer,
 * without reading the task back (docs/credits.md, ADR 0026).
 */
export class AnswerTap {
  /** A stream was asked for and its answer is one: not a JSON body (an error answered before the stream began). */
  #streaming: boolean;
  #started = false;
  #text = '';
  #bytes = 0;
  #overflow = false;
  taskId: string | undefined;
  /** The task's context (a GenAI span's conversation id). */
  contextId: string | undefined;
  /** The last task snapshot seen (a JSON answer, or a stream's first event). */
  task: unknown;
  /** The last state a stream reported. */
  state: string | undefined;
  /** A stream's task metadata so far: the task snapshot's, with each status update's merged in. */
  metadata: Record<string, unknown> | undefined;
  /**
   * The message the agent answered with instead of a task (A2A §3.1.1, a
   * stream's only event §3.1.2), when no task came before it: a message
   * inside a task's stream is part of the task, not its answer.
   */
  message: Record<string, unknown> | undefined;
  /**
   * The error the answer carried: a JSON-RPC `error` (answered with HTTP 200,
   * A2A §9.5; in a stream, the event that ends it) or a google.rpc.Status's
   * (an HTTP+JSON error, A2A §11.6).
   */
  error: Record<string, unknown> | undefined;

  /** Bodies larger than this are not parsed (the tracker reads the task instead). */
  static readonly LIMIT = 4 * 1024 * 1024;

  constructor(streaming: boolean) {
    this.#streaming = streaming;
  }

  /** The answer is an SSE stream (its events carry states, not the final task with usage); a JSON body answered instead is not. */
  get streaming(): boolean {
    return this.#streaming;
  }

  readonly onChunk = (chunk: Buffer): void => {
    if (!this.#started && chunk.length > 0) {
      this.#started = true;
      // An event stream starts with a field or a comment, never with `{`: a JSON body is the call's whole answer.
      if (this.#streaming && startsJson(chunk)) this.#streaming = false;
    }
    if (this.#overflow) return;
    this.#bytes += chunk.length;
    if (this.#bytes > AnswerTap.LIMIT) {
      this.#overflow = true;
      this.#text = '';
      return;
    }
    this.#text += chunk.toString('utf8');
    if (this.#streaming) this.#drainEvents();
  };

  /** The usage the agent reported with its task (metadata `agentmesh.usage`): a stream's folded, or the task answered. */
  usage(): unknown {
    const metadata = this.#streaming ? this.metadata : isRecord(this.task) && isRecord(this.task['metadata']) ? this.task['metadata'] : undefined;
    return metadata !== undefined && Object.hasOwn(metadata, 'agentmesh.usage') ? metadata['agentmesh.usage'] : undefined;
  }

  /** What a stream said of its task, folded: its last state and its metadata (what `taskEnd` reads). */
  folded(): { status: { state: string | undefined }; metadata: Record<string, unknown> | undefined } {
    return { status: { state: this.state }, metadata: this.metadata };
  }

  /** Call once the answer is over: parses a JSON body. */
  finish(): void {
    if (this.#streaming || this.#overflow || this.#text === '') return;
    try {
      this.#see(JSON.parse(this.#text));
    } catch {
      // Not JSON: nothing to learn.
    }
    this.#text = '';
  }

  #drainEvents(): void {
    let end: number;
    while ((end = this.#text.indexOf('\n\n')) >= 0) {
      const block = this.#text.slice(0, end);
      this.#text = this.#text.slice(end + 2);
      const lines = block.split('\n');
      const data = lines
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      // An event typed `error` is one whatever its data (stream-event-error.ts reads it).
      const typedError = lines.some(isErrorEventLine);
      if (data === '' && !typedError) continue;
      let answer: unknown;
      try {
        answer = JSON.parse(data);
      } catch {
        // A frame we cannot read is the client's business, unless it is typed an error.
        if (typedError) this.error ??= eventError(undefined, true);
        continue;
      }
      this.#see(answer, typedError);
    }
  }

  #see(answer: unknown, typedError = false): void {
    // Read by the caller for a JSON-RPC call, a stream, or an HTTP error status only (an ACP run has an `error` member of its own).
    const error = eventError(answer, typedError);
    if (error !== undefined) {
      this.error ??= error;
      if (typedError) return;
    }
    if (!isRecord(answer)) return;
    const result = answer['result'] ?? answer;
    if (!isRecord(result)) return;
    // v1: { task } | { statusUpdate } | { message }; v0.3: { kind: 'task' | 'status-update' | 'message', … }.
    const task = result['task'] ?? (result['kind'] === 'task' ? result : undefined);
    const update = result['statusUpdate'] ?? (result['kind'] === 'status-update' ? result : undefined);
    const reply = result['message'] ?? (result['kind'] === 'message' ? result : undefined);
    if (isRecord(reply) && task === undefined && update === undefined) {
      if (this.taskId === undefined && this.task === undefined) this.message = reply;
    } else if (isRecord(task)) {
      if (typeof task['id'] === 'string') this.taskId ??= task['id'];
      if (typeof task['contextId'] === 'string') this.contextId ??= task['contextId'];
      this.task = task;
      const state = stateOf(task);
      if (typeof state === 'string') this.state = state;
      if (this.#streaming) this.metadata = isRecord(task['metadata']) ? { ...task['metadata'] } : undefined;
    } else if (isRecord(update)) {
      if (typeof update['taskId'] === 'string') this.taskId ??= update['taskId'];
      if (typeof update['contextId'] === 'string') this.contextId ??= update['contextId'];
      const state = stateOf(update);
      if (typeof state === 'string') this.state = state;
      if (isRecord(update['metadata'])) this.metadata = { ...this.metadata, ...update['metadata'] };
    } else {
      // ACP (a native agent's runtime ACP endpoint, docs/acp.md): a Run, or a run event carrying one. A run is its
      // task: only its refunding ends are read here; any other is read back as the task, with the usage it reports.
      const run = typeof result['run_id'] === 'string' ? result : result['run'];
      if (!isRecord(run) || typeof run['run_id'] !== 'string') return;
      this.taskId ??= run['run_id'];
      if (run['status'] === 'failed') this.state = 'TASK_STATE_FAILED';
      else if (run['status'] === 'cancelled') this.state = 'TASK_STATE_CANCELED';
    }
  }
}

/** `status.state` of a task or a status update, whatever it is. */
function stateOf(taskOrUpdate: Record<string, unknown>): unknown {
  const status = taskOrUpdate['status'];
  return isRecord(status) ? status['state'] : undefined;
}

/** An SSE `event:` field naming the event `error` (one leading space is not part of the value, WHATWG SSE). */
function isErrorEventLine(line: string): boolean {
  return line === 'event: error' || line === 'event:error' || line === 'event: error\r' || line === 'event:error\r';
}
