import type { Part } from '@a2a-js/sdk';
import { isRecord } from '../protocol/index.js';
import type { AcpMessagePart, AcpPartMetadata } from './wire-types.js';

/**
 * Where an ACP part's `metadata` (a citation or a trajectory step) rides in
 * the A2A part's metadata, so it comes back when the part goes out over ACP
 * again. A2A has no field of its own for either.
 */
export const ACP_PART_METADATA_KEY = 'acp.metadata';

/** `application/json`, `application/ld+json`, … with or without parameters. */
const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/** True for a JSON media type: such ACP content becomes an A2A data part. */
export function isJsonMediaType(type: string): boolean {
  return JSON_TYPE.test(type);
}

/**
 * An ACP message part as an A2A part (table in docs/acp.md):
 * `content_url` → url part; base64 `content` → raw bytes; JSON content of a
 * JSON media type → data part; other content → text part. `name` is the
 * A2A `filename`, `content_type` the `mediaType`. A part with neither content
 * nor URL (the spec allows it, e.g. a bare citation) becomes an empty text part.
 */
export function acpPartToA2a(part: AcpMessagePart): Part {
  const mediaType = part.content_type ?? 'text/plain';
  const out: Part = { content: undefined, metadata: undefined, filename: part.name ?? '', mediaType };
  if (part.metadata !== undefined && part.metadata !== null) out.metadata = { [ACP_PART_METADATA_KEY]: part.metadata };
  if (part.content_url !== undefined) {
    out.content = { $case: 'url', value: part.content_url };
  } else if (part.content === undefined) {
    out.content = { $case: 'text', value: '' };
  } else if (part.content_encoding === 'base64') {
    out.content = { $case: 'raw', value: Buffer.from(part.content, 'base64') };
  } else if (isJsonMediaType(mediaType)) {
    out.content = parseJson(part.content);
  } else {
    out.content = { $case: 'text', value: part.content };
  }
  return out;
}

/**
 * An A2A part as an ACP message part: text → plain content (`text/plain`
 * unless the part names a type); raw bytes → base64 content; url →
 * `content_url`; data → JSON text of a JSON media type. The `filename` is the
 * `name`; only the ACP metadata kept under {@link ACP_PART_METADATA_KEY}
 * survives, ACP parts have no other metadata.
 */
export function a2aPartToAcp(part: Part, name?: string): AcpMessagePart {
  const out: AcpMessagePart = { content_type: part.mediaType || 'text/plain' };
  const label = part.filename || name;
  if (label) out.name = label;
  const c = part.content;
  switch (c?.$case) {
    case 'text':
      out.content = c.value;
      break;
    case 'raw':
      out.content_type = part.mediaType || 'application/octet-stream';
      out.content = Buffer.from(c.value).toString('base64');
      out.content_encoding = 'base64';
      break;
    case 'url':
      out.content_type = part.mediaType || 'application/octet-stream';
      out.content_url = c.value;
      break;
    case 'data':
      out.content_type = isJsonMediaType(part.mediaType) ? part.mediaType : 'application/json';
      out.content = JSON.stringify(c.value ?? null);
      break;
    default:
      break;
  }
  const metadata = acpMetadataOf(part.metadata);
  if (metadata) out.metadata = metadata;
  return out;
}

function parseJson(text: string): Part['content'] {
  try {
    return { $case: 'data', value: JSON.parse(text) as unknown };
  } catch {
    // Not JSON after all: the text is kept as sent, with its media type.
    return { $case: 'text', value: text };
  }
}

function acpMetadataOf(metadata: Record<string, unknown> | undefined): AcpPartMetadata | undefined {
  if (metadata === undefined || !Object.hasOwn(metadata, ACP_PART_METADATA_KEY)) return undefined;
  const value = metadata[ACP_PART_METADATA_KEY];
  if (!isRecord(value)) return undefined;
  const kind = value['kind'];
  return kind === 'citation' || kind === 'trajectory' ? { ...value, kind } : undefined;
}
