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
