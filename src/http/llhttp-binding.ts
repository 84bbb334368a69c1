/** The callback slots and flags of Node's llhttp binding that the data plane's front and the gateway's upstream client both drive. */
export interface LlhttpSlots {
  kOnMessageBegin: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kLenientNone: number;
}

const SLOTS = ['kOnMessageBegin', 'kOnHeaders', 'kOnHeadersComplete', 'kOnBody', 'kOnMessageComplete', 'kLenientNone'] as const;

/**
 * Reads `HTTPParser`'s slots, its `mode` constant (`REQUEST` or `RESPONSE`) and checks the methods a
 * parser is driven by, or says what is missing: `node:_http_common` is not a documented module, so a
 * Node whose binding changed shape must be told apart before a connection relies on it.
 */
export function llhttpSlotsOf<Mode extends 'REQUEST' | 'RESPONSE'>(parser: unknown, mode: Mode): (LlhttpSlots & Record<Mode, number>) | string {
  if (typeof parser !== 'function') return 'node:_http_common has no HTTPParser';
  const P = parser as unknown as Record<string, unknown> & { prototype: Record<string, unknown> };
  for (const name of [mode, ...SLOTS]) if (typeof P[name] !== 'number') return `HTTPParser.${name} is not a number`;
  for (const name of ['initialize', 'execute', 'finish', 'close']) if (typeof P.prototype[name] !== 'function') return `HTTPParser has no ${name}()`;
  const slots: Record<string, number> = { [mode]: P[mode] as number };
  for (const name of SLOTS) slots[name] = P[name] as number;
  return slots as LlhttpSlots & Record<Mode, number>;
}
