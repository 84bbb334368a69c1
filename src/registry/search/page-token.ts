import { createHash } from 'node:crypto';
import { Errors, invalidArgument, ErrorCodes, isRecord, isStringArray } from '../../protocol/index.js';

/**
 * Opaque page tokens (base64url JSON). Each carries a fingerprint of the
 * query that issued it, so a token replayed against another query (other
 * text, filter, tenant or order) is refused instead of silently paging
 * through the wrong result set. Search pages by offset; List by the sort key
 * of the last entry seen, so agents registered meanwhile shift nothing.
 */
export interface PagePosition {
  /** Offset of the next page (search). */
  offset?: number;
  /** Sort key of the last entry returned (list). */
  after?: ReadonlyArray<string>;
}

interface TokenBody {
  v: 1;
  q: string;
  o?: number;
  a?: string[];
}

const MAX_TOKEN_LENGTH = 2048;

/** A short, stable hash of everything that defines a result set. */
export function queryFingerprint(query: unknown): string {
  return createHash('sha256').update(JSON.stringify(query)).digest('base64url').slice(0, 16);
}

export function encodePageToken(fingerprint: string, position: PagePosition): string {
  const body: TokenBody = { v: 1, q: fingerprint };
  if (position.offset !== undefined) body.o = position.offset;
  if (position.after !== undefined) body.a = [...position.after];
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** The position a token points at; refuses malformed tokens and tokens of another query. */
export function decodePageToken(token: unknown, fingerprint: string): PagePosition {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    throw invalidArgument(ErrorCodes.REGISTRY_INVALID_ARGUMENT, 'pageToken', 'must be a token returned by a previous page of this query');
  }
  const body = parse(token);
  if (body === undefined) throw invalidArgument(ErrorCodes.REGISTRY_INVALID_ARGUMENT, 'pageToken', 'is malformed; pass back the pageToken of the previous response unchanged');
  if (body.q !== fingerprint) {
    throw invalidArgument(ErrorCodes.REGISTRY_INVALID_ARGUMENT, 'pageToken', 'was issued for a different query; repeat the request with the same query, filter and order, or without a pageToken');
  }
  return { ...(body.o !== undefined && { offset: body.o }), ...(body.a !== undefined && { after: body.a }) };
}

function parse(token: string): TokenBody | undefined {
  try {
    const body: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (!isRecord(body)) return undefined;
    const { v, q, o, a } = body;
    if (v !== 1 || typeof q !== 'string') return undefined;
    if (o !== undefined && (typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0)) return undefined;
    if (a !== undefined && !isStringArray(a)) return undefined;
    return { v, q, ...(o !== undefined && { o }), ...(a !== undefined && { a }) };
  } catch {
    return undefined;
  }
}

/** `pageSize` checked against ARD's bounds (1–100), or the default when absent. */
export function pageSizeOf(value: unknown, defaultSize: number, max = 100): number {
  if (value === undefined) return defaultSize;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw Errors.registryPageSizeOutOfRange({ max }, { violations: [{ field: 'pageSize', description: `must be an integer from 1 to ${max}` }] });
  }
  return value;
}
