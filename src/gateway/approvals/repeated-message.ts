import { isRecord } from '../../protocol/index.js';
import { messageContentHash } from '../message-content.js';
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
  const before = parkedMessage(parked.request.body);
  const now = parkedMessage(request.body);
  return before !== undefined && now !== undefined && messageContentHash(before, parked.request.version) === messageContentHash(now, request.version);
}

/** The message of a parked request body (base64 JSON: JSON-RPC `params.message`, or HTTP+JSON `message`). */
export function parkedMessage(base64: string): Record<string, unknown> | undefined {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(body)) return undefined;
  const message = isRecord(body['params']) ? body['params']['message'] : body['message'];
  return isRecord(message) ? message : undefined;
}
