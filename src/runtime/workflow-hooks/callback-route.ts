import type { FastifyInstance } from 'fastify';
import { renderHttpError } from '../../http/index.js';
import { assertJsonDepth, Errors, errorMessage, invalidParams, isRecord, oneOf } from '../../protocol/index.js';
import { takeBodiesAsText } from '../transports/text-bodies.js';
import { CALLBACK_PATH, type WorkflowCallback, type WorkflowHooks } from './workflow-hooks.js';

/** Longest text fields of a callback: they become a status message, and an execution id in metadata. */
const MAX_TEXT = 4_000;
const MAX_EXECUTION_ID = 200;
/** Longest task id looked at (Fastify's route parameters stop at 100): ours are UUIDs. */
const MAX_TASK_ID = 100;
const STATUSES = ['running', 'succeeded', 'failed'] as const satisfies ReadonlyArray<WorkflowCallback['status']>;

/** Options of {@link registerWorkflowCallbackRoute}. */
export interface WorkflowCallbackRouteOptions {
  hooks: WorkflowHooks;
  bodyLimitBytes: number;
}

/**
 * `POST /workflow-callbacks/{taskId}?sig=…`: where an engine ends the task
 * that launched its workflow. The URL is the credential (its `sig` is a MAC
 * of the task id under the runtime's secret, handed to the engine in the
 * launch), so the route sits outside the agents' gateway check; any replica
 * sharing the secret and the database takes it. Body:
 * `{ "status": "running" | "succeeded" | "failed", "executionId"?, "result"?, "message"?, "error"? }`.
 * Answers `{ taskId, state }`; a URL that is not one the runtime signed is
 * 401 whatever the task (no existence leak); a task that already ended is
 * 400 `AM_ERR_TASK_TERMINAL`.
 */
export async function registerWorkflowCallbackRoute(app: FastifyInstance, options: WorkflowCallbackRouteOptions): Promise<void> {
  await app.register(async (scope) => {
    takeBodiesAsText(scope, options.bodyLimitBytes);
    scope.setErrorHandler((err, request, reply) => {
      const rendered = renderHttpError(err, String(request.id));
      if (rendered.internal) request.log.error({ err }, 'workflow callback failed');
      return reply.code(rendered.statusCode).send(rendered.body);
    });
    scope.post<{ Params: { taskId: string }; Querystring: { sig?: unknown } }>(`${CALLBACK_PATH}/:taskId`, async (request) => {
      const { taskId } = request.params;
      const sig = request.query.sig;
      if (typeof sig !== 'string' || taskId.length === 0 || taskId.length > MAX_TASK_ID || !options.hooks.verifyCallback(taskId, sig)) throw Errors.workflowCallbackRefused({});
      return options.hooks.callback(taskId, readCallback(typeof request.body === 'string' ? request.body : ''));
    });
  });
}

/** The callback body, checked field by field; every refusal names its field. */
export function readCallback(text: string): WorkflowCallback {
  let value: unknown;
  try {
    assertJsonDepth(text);
    value = JSON.parse(text);
  } catch (err) {
    throw Errors.bodyNotJson({ reason: errorMessage(err) });
  }
  if (!isRecord(value)) throw invalidParams('body', 'must be a JSON object { status, executionId?, result?, message?, error? }');
  const status = value['status'];
  const known = oneOf(STATUSES, status);
  if (known === undefined) throw invalidParams('status', 'must be "running", "succeeded" or "failed"');
  const callback: WorkflowCallback = { status: known };
  const executionId = value['executionId'];
  if (executionId !== undefined && executionId !== null) {
    const id = typeof executionId === 'number' && Number.isSafeInteger(executionId) ? String(executionId) : executionId;
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_EXECUTION_ID || !id.isWellFormed()) throw invalidParams('executionId', `must be a string of 1 to ${MAX_EXECUTION_ID} characters, or an integer`);
    callback.executionId = id;
  }
  for (const field of ['message', 'error'] as const) {
    const text = value[field];
    if (text === undefined || text === null) continue;
    if (typeof text !== 'string' || text.length > MAX_TEXT || !text.isWellFormed()) throw invalidParams(field, `must be a string of at most ${MAX_TEXT} characters`);
    callback[field] = text;
  }
  if (Object.hasOwn(value, 'result') && value['result'] !== null) callback.result = value['result'];
  return callback;
}
