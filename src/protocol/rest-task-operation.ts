import { Errors } from './error-messages.js';
import type { AgentmeshError } from './errors.js';

/**
 * A POST on one task that names no operation of the HTTP+JSON binding (`/tasks/{id}`, `/tasks/{id}:archive`):
 * the one refusal the runtime's task route gives and the gateway gives in its place, so both read alike.
 * `action` is the segment's text after its last ':', decoded; undefined or '' for none.
 */
export function taskOperationUnknown(action: string | undefined): AgentmeshError {
  return Errors.restTaskOperationUnknown({ quotedAction: action ? ` '${action.slice(0, 32)}'` : '', cancelPath: '/tasks/{id}:cancel', subscribePath: '/tasks/{id}:subscribe' });
}
