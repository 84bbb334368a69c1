import type { JsonSchema } from 'agentmesh';

/**
 * A skill input that is either the message text or a data part matching
 * `data`. Written as if/then/else rather than oneOf: the runtime reports
 * the first schema error, and with oneOf that is "must be string" for any
 * bad object; here it is the object's own error ("items must NOT have
 * fewer than 1 items").
 */
export function textOrData(data: JsonSchema, maxTextLength = 20_000): JsonSchema {
  return { if: { type: 'string' }, then: { type: 'string', minLength: 1, maxLength: maxTextLength }, else: data };
}
