import type { JsonSchemaLiteral } from 'agentmesh';

/**
 * A skill input that is either the message text or a data part matching
 * `data`. Written as if/then/else rather than oneOf: the runtime reports
 * the first schema error, and with oneOf that is "must be string" for any
 * bad object; here it is the object's own error ("items must NOT have
 * fewer than 1 items").
 */
export function textOrData<const D extends JsonSchemaLiteral>(data: D, maxTextLength = 20_000) {
  // A literal type, so the handler's input is typed `string | <data's type>`.
  return { if: { type: 'string' }, then: { type: 'string', minLength: 1, maxLength: maxTextLength }, else: data } as const;
}
