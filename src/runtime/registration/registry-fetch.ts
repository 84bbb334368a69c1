import { randomBytes } from 'node:crypto';
import type { Agent } from 'undici';
import { tracedFetch, type Tracing } from '../../observability/index.js';

/**
 * The fetch of a runtime's registry calls: traced, on the runtime's own
 * connection pool (so `close()` ends every socket it opened: on the shared
 * global pool, sockets opened for concurrent calls and never used stay open
 * until their keep-alive lapses, and hold a closing registry's drain).
 */
export function registryFetch(tracing: Tracing, pool: Agent): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    // With tracing off and no request in flight (these calls run in the
    // background), nothing would propagate: start a trace of our own so the
    // registry's logs still tie one call's lines together.
    if (!tracing.enabled && tracing.injectTraceparent({}).traceparent === undefined) headers.set('traceparent', freshTraceparent());
    // undici's Agent serves the fetch built into Node; only the two copies of its types differ.
    const pooled = { ...init, headers, dispatcher: pool } as unknown as RequestInit;
    return tracedFetch(tracing, input, pooled);
  };
}

/** W3C Trace Context §3.2: version 00, random trace and parent ids, sampled. */
function freshTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}
