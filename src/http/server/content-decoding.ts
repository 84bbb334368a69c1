import { PassThrough, type Readable, type Transform } from 'node:stream';
import { brotliDecompressSync, createBrotliDecompress, createGunzip, createInflate, gunzipSync, inflateSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Errors, type AgentmeshError } from '../../protocol/index.js';

/*
 * Request bodies sent with a Content-Encoding (RFC 9110 §8.4):
 * - gzip (x-gzip), deflate (zlib format, as §8.4.1.2 defines it) and br are
 *   decoded on the way in; `identity` is no coding.
 * - The decoded size is held to the route's body limit: Fastify counts the
 *   bytes of the stream returned here (a small gzip bomb is a 413), and the
 *   encoded byte count (`receivedEncodedLength`) is what it compares with
 *   Content-Length.
 * - Any other coding is 415 with `Accept-Encoding` naming what is decoded
 *   (RFC 9110 §15.5.16); more than MAX_CODINGS stacked codings likewise.
 * - A body that is not what its coding says (plain JSON labelled gzip) is a
 *   400 parse error naming the coding, never a later JSON or protocol error.
 */

const DECODERS: Readonly<Record<string, () => Transform>> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

const SYNC_DECODERS: Readonly<Record<string, (buffer: Buffer, options: { maxOutputLength: number }) => Buffer>> = {
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};

/** What `Accept-Encoding` on a 415 lists. */
export const DECODED_CONTENT_CODINGS = 'gzip, deflate, br';

/** Codings applied one over another that we undo; more is not a real client. */
const MAX_CODINGS = 2;

type DecodedStream = PassThrough & { receivedEncodedLength: number };

/**
 * A Fastify `preParsing` hook decoding the request body per its
 * Content-Encoding. Errors are AgentmeshErrors, rendered by the scope's
 * error handler in the binding's shape.
 */
/** The codings of a Content-Encoding header, in the order applied; an error for one not decoded here. */
function codingsOf(header: string): string[] {
  const codings = header
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  const unsupported = codings.find((c) => !Object.hasOwn(DECODERS, c));
  if (unsupported !== undefined || codings.length > MAX_CODINGS) {
    throw unsupported !== undefined
      ? Errors.contentCodingUnsupported({ quotedCoding: JSON.stringify(unsupported.slice(0, 32)), supported: DECODED_CONTENT_CODINGS })
      : Errors.tooManyContentCodings({ max: MAX_CODINGS, supported: DECODED_CONTENT_CODINGS });
  }
  return codings;
}

function notCoded(coding: string, err: Error): AgentmeshError {
  return Errors.bodyNotCodedAsSaid({ coding, reason: err.message }, { cause: err });
}

/**
 * Decodes a body already read whole (the gateway reads bodies as bytes), with
 * the same codings and errors as {@link decodeContentEncoding}; the decoded
 * size is held to `maxBytes` (413). A 415 means the caller should send
 * `Accept-Encoding: ` {@link DECODED_CONTENT_CODINGS}.
 */
export function decodeContentSync(body: Buffer, header: string | undefined, maxBytes: number): Buffer {
  if (header === undefined) return body;
  let decoded = body;
  for (const coding of codingsOf(header).reverse()) {
    try {
      decoded = SYNC_DECODERS[coding]!(decoded, { maxOutputLength: maxBytes });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw Errors.decodedBodyTooLarge({ maxBytes }, { cause: err });
      }
      throw notCoded(coding, err as Error);
    }
  }
  return decoded;
}

export function decodeContentEncoding(request: FastifyRequest, reply: FastifyReply, payload: Readable, done: (err: Error | null, stream?: Readable) => void): void {
  const header = request.headers['content-encoding'];
  if (header === undefined) return done(null, payload);
  let codings: string[];
  try {
    codings = codingsOf(header);
  } catch (err) {
    reply.header('accept-encoding', DECODED_CONTENT_CODINGS);
    return done(err as Error);
  }
  if (codings.length === 0) return done(null, payload);

  const decoded = new PassThrough() as DecodedStream;
  decoded.receivedEncodedLength = 0;
  let failed = false;
  const fail = (err: Error) => {
    if (failed) return;
    failed = true;
    payload.unpipe();
    decoded.destroy(err);
  };
  payload.on('data', (chunk: Buffer) => {
    decoded.receivedEncodedLength += chunk.length;
  });
  payload.on('error', fail);
  // Codings are listed in the order applied, so they are undone last first.
  let upstream: Readable = payload;
  for (const coding of codings.reverse()) {
    const decoder = DECODERS[coding]!();
    decoder.on('error', (err: Error) => fail(notCoded(coding, err)));
    upstream.pipe(decoder);
    upstream = decoder;
  }
  upstream.pipe(decoded);
  done(null, decoded);
}
