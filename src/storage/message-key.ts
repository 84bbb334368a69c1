/**
 * A 52-bit hash of (agent, tenant, messageId), stored and indexed instead of
 * the text: random client message ids made the unique text index the most
 * expensive part of a task insert, and a small integer index costs less to
 * keep (ADR 0002). Lookups compare the text columns too, so a collision can
 * never match the wrong task. Fits a JS number and a Postgres bigint.
 */
export function messageKey(agent: string, tenant: string, messageId: string): number {
  let a = 0x811c9dc5;
  let b = 0x5bd1e995;
  const text = `${agent}\u0000${tenant}\u0000${messageId}`;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0) * 0x100000 + ((b >>> 0) & 0xfffff);
}

/** Width of one dedupe time bucket, ms (1 hour). */
export const MESSAGE_BUCKET_MS = 3_600_000;
/** How far back a retried messageId is recognised: the current bucket and this many before it (24 h). */
export const MESSAGE_WINDOW_BUCKETS = 24;
/** The longest a lookup looks back, ms: the current bucket and the {@link MESSAGE_WINDOW_BUCKETS} before it (25 h). */
export const MESSAGE_WINDOW_MS = (MESSAGE_WINDOW_BUCKETS + 1) * MESSAGE_BUCKET_MS;

/** The time bucket of a task created at `now` (epoch ms). */
export function messageBucket(now: number): number {
  return Math.floor(now / MESSAGE_BUCKET_MS);
}

/**
 * The buckets a lookup at `now` searches, newest first. The dedupe index is
 * (bucket, key), so the window is bounded: a lookup seeks 25 small ranges
 * whatever the table's age (ADR 0002).
 */
export function messageBuckets(now: number): number[] {
  const current = messageBucket(now);
  return Array.from({ length: MESSAGE_WINDOW_BUCKETS + 1 }, (_, i) => current - i);
}
