import { assertJsonDepth, Errors, errorMessage } from '../../protocol/index.js';

/**
 * The JSON of a REST request body (both versions' HTTP+JSON bindings), read
 * as text by the route: undefined when there is none; nesting deeper than
 * MAX_JSON_DEPTH is refused before `JSON.parse`, so every recursive walk
 * downstream (validation, hashing, stored event JSON) is bounded; anything
 * not JSON is PROTOCOL_PARSE.
 */
export function parseRestBody(body: unknown): unknown {
  if (typeof body !== 'string') return body ?? undefined;
  if (body.length === 0) return undefined;
  assertJsonDepth(body);
  try {
    return JSON.parse(body);
  } catch (err) {
    throw Errors.invalidJson({ reason: errorMessage(err) });
  }
}
