import { CancelTaskRequest, Message, SendMessageRequest, StreamResponse, TaskState, type Task } from '@a2a-js/sdk';
import type { ServerCallContext } from '@a2a-js/sdk/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RunEventTranslator, taskToRun, toAcpError, type AcpRun, type AcpRunMode } from '../../acp/index.js';
import { abortOnClientGone, openSse, type SseOptions } from '../../http/index.js';
import type { AgentRequestHandler } from '../agent-request-handler.js';

/** One run to start or resume, as the A2A message that does it. */
export interface RunStart {
  handler: AgentRequestHandler;
  context: ServerCallContext;
  message: Message;
  mode: AcpRunMode;
  /** Creation time of the run (epoch ms): now for a new run, the task's for a resumed one. */
  createdAt: number;
  /** True when the message continues an awaiting run (its stream does not announce `run.created` again). */
  resumed: boolean;
}

/**
 * Starts (or resumes) a run on the agent's A2A request handler — the same
 * SendMessage / SendStreamingMessage the A2A bindings call — and answers in
 * the run's mode (ACP `POST /runs`, `POST /runs/{run_id}`):
 *
 * - `sync`: blocks as a blocking SendMessage does, until the task ends or
 *   awaits; 200 with the run.
 * - `async`: SendMessage with `returnImmediately`; 202 with the run as created.
 * - `stream`: the task's committed events as ACP events over SSE, ending when
 *   the task ends or awaits (the A2A stream's own end).
 */
export async function startRun(request: FastifyRequest, reply: FastifyReply, sse: SseOptions, run: RunStart): Promise<void> {
  const { handler, context, mode } = run;
  const options = { agentName: handler.name, createdAt: run.createdAt };
  if (mode === 'stream') {
    const params = SendMessageRequest.fromJSON({ message: Message.toJSON(run.message) });
    // A run is a task: a skill that may answer with a message gives its runs a task (its reply the run's output).
    await streamRun(request, reply, sse, handler.stream(params, context, { taskOnly: true }), new RunEventTranslator(options), run.resumed);
    return;
  }
  const params = SendMessageRequest.fromJSON({ message: Message.toJSON(run.message), ...(mode === 'async' ? { configuration: { returnImmediately: true } } : {}) });
  const { task } = await handler.send(params, context, { taskOnly: true, ...(mode === 'sync' && { onStarted: cancelWhenClientGoes(request, reply, handler, context) }) });
  sendJson(reply, mode === 'async' ? 202 : 200, taskToRun(task!, options));
}

/**
 * A `sync` run lives as long as its client waits: one whose client goes away
 * before the answer is cancelled (nobody is left to read its result, and it
 * would go on holding a slot and its credits). `async` and `stream` runs are
 * the client's to cancel (a stream's client may resubscribe). Returns the
 * `onStarted` of the send, which learns the run's id.
 */
function cancelWhenClientGoes(request: FastifyRequest, reply: FastifyReply, handler: AgentRequestHandler, context: ServerCallContext): (taskId: string) => void {
  return (taskId) => {
    const gone = abortOnClientGone(request, reply)();
    const cancel = () => {
      if (reply.sent) return;
      handler.cancelTask(CancelTaskRequest.fromJSON({ id: taskId }), context).catch((err: unknown) => request.log.warn({ err, taskId }, 'the run of a sync client that went away could not be cancelled'));
    };
    if (gone.aborted) cancel();
    else gone.addEventListener('abort', cancel, { once: true });
  };
}

/** The run of a task, `cancelling` while a cancel asked of another replica is still on its way. */
export function cancelledRun(task: Task, agentName: string, createdAt: number): AcpRun {
  const run = taskToRun(task, { agentName, createdAt });
  if (task.status?.state !== TaskState.TASK_STATE_CANCELED && run.status !== 'completed' && run.status !== 'failed') run.status = 'cancelling';
  return run;
}

/** Writes JSON with ACP's media type. */
export function sendJson(reply: FastifyReply, status: number, body: unknown): void {
  reply.code(status).header('content-type', 'application/json').send(JSON.stringify(body));
}

async function streamRun(request: FastifyRequest, reply: FastifyReply, sse: SseOptions, events: AsyncGenerator<{ payload: string }>, translator: RunEventTranslator, resumed: boolean): Promise<void> {
  // The first event before the stream opens: a refused run (unknown skill, full queue) is still a plain ACP error response.
  const first = await events.next();
  const s = openSse(request, reply, sse);
  try {
    if (!first.done) {
      const response = StreamResponse.fromJSON(JSON.parse(first.value.payload));
      // A resumed run's stream opens with the task as the answer found it: the client has seen that run already.
      const out = resumed && response.payload?.$case === 'task' ? (translator.observe(response), []) : translator.translate(response);
      for (const e of out) s.send(JSON.stringify(e));
      for await (const committed of events) {
        if (s.closed) break;
        for (const e of translator.translate(StreamResponse.fromJSON(JSON.parse(committed.payload)))) s.send(JSON.stringify(e));
      }
    }
  } catch (err) {
    // ACP's ErrorEvent: the stream's last word when the run could not be followed to its end.
    s.send(JSON.stringify({ type: 'error', error: toAcpError(err, String(request.id)).body }));
  } finally {
    await events.return(undefined);
    s.close();
  }
}
