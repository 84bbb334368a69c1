import { SpanKind, SpanStatusCode, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { ATTR_HTTP_RESPONSE_STATUS_CODE } from '@opentelemetry/semantic-conventions';
import type { Tracing } from './tracing.js';

/**
 * Runs one outbound HTTP call as a CLIENT span child of `parent`: the answer's
 * status recorded (5xx marks the span an error), an exception recorded and
 * rethrown, the span ended however the call ends. Used by the traced fetch
 * and by the gateway's upstream calls, so both spans read the same.
 */
export function inHttpClientSpan<T>(tracing: Tracing, name: string, attributes: Attributes, parent: Context, call: (span: Span) => Promise<T>, statusOf: (result: T) => number): Promise<T> {
  return tracing.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, parent, async (span) => {
    try {
      const result = await call(span);
      const status = statusOf(result);
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      return result;
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}
