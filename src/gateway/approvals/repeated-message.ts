import { isRecord } from '../../protocol/index.js';
import type { ApprovalRecord, ParkedRequest } from './approval-store.js';

/**
 * Whether a send repeating the messageId of a parked call is a retry of it
 * (answered with that call, parked once) or a call of its own (ADR 0046, as
 * the runtime decides for tasks): a retry is the same message (its parts,
 * role, metadata, extensions and references; its ids left out), naming no
 * other context, of a call its client did not cancel. Anything else under a
 * reused id must not ride on the earlier call's approval.
 */
export function isRetryOfParked(parked: ApprovalRecord, request: ParkedRequest, contextId: string | undefined): boolean {
  if (parked.state === 'canceled') return false;
  if (contextId !== undefined && contextId !== parked.contextId) return false;
  const before = messageContent(parked.request.body);
  return before !== undefined && before === messageContent(request.body);
}

/** The message of a parked request body (base64 JSON: JSON-RPC `params.message`, or HTTP+JSON `message`), as canonical JSON without its ids. */
function messageContent(base64: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(body)) return undefined;
  const message = isRecord(body['params']) ? body['params']['message'] : body['message'];
  if (!isRecord(message)) return undefined;
  const { messageId: _m, taskId: _t, contextId: _c, ...content } = message;
  return canonicalJson(content);
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
