import { createHash } from 'node:crypto';

/**
 * What identifies a sent message's content (ADR 0046): its JSON as received
 * without its messageId, taskId and contextId, as canonical JSON (object keys
 * sorted), hashed. The same message in another key order hashes the same; a
 * message with other parts, role, metadata or references does not.
 */
export function messageContentHash(message: Record<string, unknown>): string {
  const { messageId: _m, taskId: _t, contextId: _c, ...content } = message;
  return createHash('sha256').update(canonicalJson(content)).digest('base64url');
}

/** JSON with object keys sorted: two equal values give the same text, whatever their key order. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
}
