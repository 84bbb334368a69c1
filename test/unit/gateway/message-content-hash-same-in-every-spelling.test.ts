/**
 * The content hash a retry is recognised by (ADR 0046, second addendum): one
 * message hashes the same whatever binding or protocol version carried it
 * (A2A 1.0 under its JSON or proto field names, A2A 0.3 with `kind`-tagged
 * parts), in any key order and under any ids; another message does not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { messageContentHash } from '../../../src/gateway/message-content.js';
import { messageInJsonNames } from '../../../src/protocol/params-validation.js';

interface Content {
  role: 'user' | 'agent';
  parts: Array<{ text: string } | { url: string; mediaType?: string } | { data: Record<string, string> } | { raw: string; filename?: string }>;
  metadata?: Record<string, string>;
  referenceTaskIds?: string[];
}

const content: fc.Arbitrary<Content> = fc.record(
  {
    role: fc.constantFrom('user' as const, 'agent' as const),
    parts: fc.array(
      fc.oneof(
        fc.record({ text: fc.string() }),
        fc.record({ url: fc.webUrl(), mediaType: fc.constantFrom('text/plain', 'image/png') }, { requiredKeys: ['url'] }),
        fc.record({ data: fc.dictionary(fc.string({ minLength: 1 }), fc.string()) }),
        fc.record({ raw: fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b).toString('base64')), filename: fc.string({ minLength: 1 }) }, { requiredKeys: ['raw'] }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
    metadata: fc.dictionary(fc.string({ minLength: 1 }), fc.string()),
    referenceTaskIds: fc.array(fc.uuid(), { minLength: 1, maxLength: 2 }),
  },
  { requiredKeys: ['role', 'parts'] },
);

const ids = fc.record({ messageId: fc.uuid(), contextId: fc.option(fc.uuid(), { nil: undefined }) });

/** As A2A 1.0 JSON sends it (JSON-RPC and HTTP+JSON alike). */
function v1(c: Content, id: { messageId: string; contextId?: string | undefined }): Record<string, unknown> {
  return { ...id, role: c.role === 'user' ? 'ROLE_USER' : 'ROLE_AGENT', parts: c.parts, metadata: c.metadata, referenceTaskIds: c.referenceTaskIds };
}

/** The same under proto field names, keys in reverse order, as a client generated from a2a.proto may send it. */
function protoNamed(message: Record<string, unknown>): Record<string, unknown> {
  const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const rename = (record: Record<string, unknown>) => Object.fromEntries(Object.entries(record).reverse().map(([k, v]) => [snake(k), v]));
  const out = rename(message);
  out['parts'] = (message['parts'] as Array<Record<string, unknown>>).map(rename);
  return out;
}

/** As A2A 0.3 JSON-RPC sends it. */
function v03(c: Content, id: { messageId: string; contextId?: string | undefined }): Record<string, unknown> {
  const parts = c.parts.map((p) => {
    if ('text' in p) return { kind: 'text', text: p.text };
    if ('url' in p) return { kind: 'file', file: { uri: p.url, ...(p.mediaType !== undefined && { mimeType: p.mediaType }) } };
    if ('raw' in p) return { kind: 'file', file: { bytes: p.raw, ...(p.filename !== undefined && { name: p.filename }) } };
    return { kind: 'data', data: p.data };
  });
  return { kind: 'message', ...id, role: c.role, parts, metadata: c.metadata, referenceTaskIds: c.referenceTaskIds };
}

test('one message hashes the same over every binding and version, in any spelling and under any ids', () => {
  fc.assert(
    fc.property(content, ids, ids, (c, first, retry) => {
      const hash = messageContentHash(v1(c, first), '1.0');
      assert.equal(messageContentHash(v1(c, retry), '1.0'), hash);
      assert.equal(messageContentHash(messageInJsonNames(protoNamed(v1(c, retry))), '1.0'), hash, 'proto names, read as the gateway reads a v1 message');
      assert.equal(messageContentHash(protoNamed(v1(c, retry)), '1.0'), hash, 'proto names, as sent');
      assert.equal(messageContentHash(v03(c, retry), '0.3'), hash, 'A2A 0.3');
    }),
  );
});

test('another message hashes otherwise', () => {
  fc.assert(
    fc.property(content, fc.string(), ids, (c, extra, id) => {
      const other: Content = { ...c, parts: [...c.parts, { text: extra }] };
      assert.notEqual(messageContentHash(v1(other, id), '1.0'), messageContentHash(v1(c, id), '1.0'));
      assert.notEqual(messageContentHash(v03(other, id), '0.3'), messageContentHash(v1(c, id), '1.0'));
      const otherRole: Content = { ...c, role: c.role === 'user' ? 'agent' : 'user' };
      assert.notEqual(messageContentHash(v1(otherRole, id), '1.0'), messageContentHash(v1(c, id), '1.0'));
    }),
  );
});

test('messageInJsonNames leaves user content (metadata, a data part) as sent, and a field named twice as sent', () => {
  const message = { message_id: 'm', role: 'ROLE_USER', parts: [{ data: { snake_key: 1 }, media_type: 'application/json' }], metadata: { some_key: 'v' } };
  assert.deepEqual(messageInJsonNames(message), { messageId: 'm', role: 'ROLE_USER', parts: [{ data: { snake_key: 1 }, mediaType: 'application/json' }], metadata: { some_key: 'v' } });
  const twice = { message_id: 'a', messageId: 'b', role: 'ROLE_USER', parts: [] };
  assert.equal(messageInJsonNames(twice), twice);
});
