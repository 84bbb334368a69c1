import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Part } from '@a2a-js/sdk';
import { a2aPartToAcp, acpPartToA2a, ACP_PART_METADATA_KEY } from '../../../src/acp/parts.js';
import type { AcpMessagePart } from '../../../src/acp/wire-types.js';
import { checkSchema } from '../../helpers/acp-conformance.js';

const mediaType = fc.constantFrom('text/plain', 'text/markdown', 'text/csv', 'image/png', 'application/pdf', 'application/octet-stream');
const jsonType = fc.constantFrom('application/json', 'application/ld+json', 'application/vnd.api+json');
const name = fc.option(fc.stringMatching(/^[\w.-]{1,20}$/), { nil: undefined });
const plain = <T extends object>(a: fc.Arbitrary<T>) => a.map((v) => ({ ...v }));
const citation = plain(fc.record({ kind: fc.constant('citation' as const), url: fc.webUrl(), title: fc.string() }, { requiredKeys: ['kind'] }));
const trajectory = plain(fc.record({ kind: fc.constant('trajectory' as const), message: fc.string(), tool_name: fc.string() }, { requiredKeys: ['kind'] }));
const metadata = fc.option(fc.oneof(citation, trajectory), { nil: undefined });
// Plain JSON values (no -0: JSON has none).
const json = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);

/** ACP parts of every kind the two protocols both express, in the canonical form the mapping writes. */
const acpPart: fc.Arbitrary<AcpMessagePart> = fc.oneof(
  fc.record({ content_type: mediaType, content: fc.string(), name, metadata }),
  fc.record({ content_type: mediaType, content: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('base64')), content_encoding: fc.constant('base64' as const), name, metadata }),
  fc.record({ content_type: mediaType, content_url: fc.webUrl(), name, metadata }),
  fc.record({ content_type: jsonType, content: json.map((v) => JSON.stringify(v)), name, metadata }),
).map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as unknown as AcpMessagePart);

const a2aPart: fc.Arbitrary<Part> = fc.record({
  content: fc.oneof(
    fc.string().map((value) => ({ $case: 'text' as const, value })),
    fc.uint8Array({ maxLength: 64 }).map((b) => ({ $case: 'raw' as const, value: Buffer.from(b) })),
    fc.webUrl().map((value) => ({ $case: 'url' as const, value })),
    json.map((value) => ({ $case: 'data' as const, value })),
  ),
  filename: fc.stringMatching(/^[\w.-]{0,20}$/),
  mediaType,
  metadata: metadata.map((m) => (m ? { [ACP_PART_METADATA_KEY]: { ...m } } : undefined)),
}).map((p) => ({ ...p, content: { ...p.content }, mediaType: p.content.$case === 'data' ? 'application/json' : p.mediaType }) as Part);

describe('ACP part mapping', () => {
  test('an ACP part survives ACP → A2A → ACP unchanged, and conforms to MessagePart', () => {
    fc.assert(
      fc.property(acpPart, (part) => {
        checkSchema('MessagePart', part);
        const back = a2aPartToAcp(acpPartToA2a(part));
        checkSchema('MessagePart', back);
        assert.deepEqual(back, part);
      }),
      { numRuns: 500 },
    );
  });

  test('an A2A part survives A2A → ACP → A2A unchanged (text, bytes, URL, data, filename, ACP metadata)', () => {
    fc.assert(
      fc.property(a2aPart, (part) => {
        const acp = a2aPartToAcp(part);
        checkSchema('MessagePart', acp);
        assert.deepEqual(acpPartToA2a(acp), part);
      }),
      { numRuns: 500 },
    );
  });

  test('an A2A text part without a media type goes out as text/plain', () => {
    assert.deepEqual(a2aPartToAcp({ content: { $case: 'text', value: 'hi' }, mediaType: '', filename: '', metadata: undefined }), { content_type: 'text/plain', content: 'hi' });
  });

  test('JSON content that does not parse stays text of its media type', () => {
    const part = acpPartToA2a({ content_type: 'application/json', content: '{not json' });
    assert.deepEqual(part.content, { $case: 'text', value: '{not json' });
    assert.equal(part.mediaType, 'application/json');
  });

  test('a part with neither content nor URL becomes an empty text part keeping its citation', () => {
    const part = acpPartToA2a({ content_type: 'text/plain', metadata: { kind: 'citation', url: 'https://example.com' } });
    assert.deepEqual(part.content, { $case: 'text', value: '' });
    assert.deepEqual(part.metadata, { [ACP_PART_METADATA_KEY]: { kind: 'citation', url: 'https://example.com' } });
  });

  test('A2A metadata other than ACP metadata is not carried (ACP parts have none)', () => {
    const acp = a2aPartToAcp({ content: { $case: 'text', value: 'x' }, mediaType: '', filename: '', metadata: { foo: 1, [ACP_PART_METADATA_KEY]: { kind: 'nope' } } });
    assert.equal(acp.metadata, undefined);
  });
});
