import { createHash } from 'node:crypto';
import { Message } from '@a2a-js/sdk';
import { canonicalJson, isRecord, type ProtocolVersion } from '../protocol/index.js';

/**
 * What identifies a sent message's content (ADR 0046): the message read as
 * A2A 1.0 (an A2A 0.3 message translated as the SDK translates it for the
 * runtime), without its messageId, taskId and contextId, in ProtoJSON as
 * canonical JSON (object keys sorted), hashed. So one message hashes the
 * same over JSON-RPC and HTTP+JSON, in 1.0 and 0.3, with its fields under
 * their JSON or proto names and its keys in any order (second addendum); a
 * message with other parts, role, metadata or references does not.
 */
export function messageContentHash(message: Record<string, unknown>, version: ProtocolVersion): string {
  return createHash('sha256').update(canonicalJson(contentOf(message, version))).digest('base64url');
}

/** The message's content as A2A 1.0 ProtoJSON, ids left out; as sent (ids left out) if the SDK cannot read it. */
function contentOf(message: Record<string, unknown>, version: ProtocolVersion): unknown {
  try {
    const read = Message.fromJSON(version === '0.3' ? legacyAsV1(message) : message);
    return Message.toJSON({ ...read, messageId: '', taskId: '', contextId: '' });
  } catch {
    const { messageId: _m, taskId: _t, contextId: _c, ...content } = message;
    return content;
  }
}

/**
 * An A2A 0.3 message (`kind`-tagged parts, roles `user`/`agent`) in A2A 1.0
 * JSON, field for field as the SDK's v0.3 translation reads it (a wrapped
 * non-object data value unwrapped); parts without a `kind` are left as sent.
 */
function legacyAsV1(message: Record<string, unknown>): Record<string, unknown> {
  const role = message['role'] === 'user' ? 'ROLE_USER' : message['role'] === 'agent' ? 'ROLE_AGENT' : message['role'];
  const parts = Array.isArray(message['parts']) ? message['parts'].map(legacyPartAsV1) : message['parts'];
  const { kind: _kind, ...rest } = message;
  return { ...rest, role, parts };
}

function legacyPartAsV1(part: unknown): unknown {
  if (!isRecord(part) || typeof part['kind'] !== 'string') return part;
  const metadata = isRecord(part['metadata']) ? { ...part['metadata'] } : undefined;
  if (part['kind'] === 'text') return { text: part['text'], metadata };
  if (part['kind'] === 'file' && isRecord(part['file'])) {
    const file = part['file'];
    const content = 'bytes' in file ? { raw: file['bytes'] } : { url: file['uri'] };
    return { ...content, mediaType: file['mimeType'], filename: file['name'], metadata };
  }
  if (part['kind'] === 'data') {
    let data = part['data'];
    let meta = metadata;
    if (meta?.['data_part_compat'] === true) {
      if (isRecord(data) && 'value' in data) data = data['value'];
      delete meta['data_part_compat'];
      if (Object.keys(meta).length === 0) meta = undefined;
    }
    return { data, metadata: meta };
  }
  return part;
}
