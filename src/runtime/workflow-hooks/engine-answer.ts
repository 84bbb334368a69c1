import { isRecord } from '../../protocol/index.js';

/** What an engine's answer to a launch says of the run it started. */
export interface EngineAnswer {
  executionId?: string;
  status?: string;
}

/** Longest execution id and status kept: they go into task metadata and status text. */
const MAX_ID = 200;
const MAX_STATUS = 64;

/**
 * Reads the execution id and status from an engine's answer to a webhook
 * trigger, whatever the engine:
 *
 * - n8n: what the workflow's Respond to Webhook node returns; the documented
 *   workflow answers `{ "executionId": "{{ $execution.id }}", "status": "running" }`
 *   (a Webhook node left to answer at once says `{"message":"Workflow was started"}`: no id);
 * - Kestra: the execution it created, `{ "id": "…", "state": { "current": "CREATED" } }`;
 * - Make: the text `Accepted` (no id), or what a Webhook response module returns.
 *
 * So: a JSON object's `executionId` (or `id`, `execution_id`) and `status`
 * (or `state.current`, or a string `state`); a short text body is the
 * status. Anything else yields nothing, which is no error: the engine
 * accepted the launch (2xx) and the task says so.
 *
 * @example
 * readEngineAnswer('{"id":"4xk","state":{"current":"CREATED"}}', 'application/json'); // { executionId: '4xk', status: 'CREATED' }
 */
export function readEngineAnswer(body: string, contentType: string | null): EngineAnswer {
  const text = body.trim();
  if (text === '') return {};
  if (text.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return {};
    }
    if (!isRecord(value)) return {};
    const executionId = idOf(value['executionId']) ?? idOf(value['execution_id']) ?? idOf(value['id']);
    const state = value['state'];
    const status = textOf(value['status']) ?? textOf(state) ?? (isRecord(state) ? textOf(state['current']) : undefined);
    return { ...(executionId !== undefined && { executionId }), ...(status !== undefined && { status }) };
  }
  // Make answers "Accepted" as text/plain; an HTML page (a proxy's) says nothing of the run.
  if (contentType !== null && !contentType.startsWith('text/plain')) return {};
  const status = textOf(text);
  return status === undefined ? {} : { status };
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID && isPrintable(value) ? value : undefined;
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_STATUS && isPrintable(value) ? value : undefined;
}

/** No control characters and no lone surrogates: the value goes into task metadata and status text as is. */
function isPrintable(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  return value.isWellFormed() && !/[\u0000-\u001f\u007f]/.test(value);
}
