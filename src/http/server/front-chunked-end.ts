import { maxHeaderSize as defaultMaxHeaderSize } from 'node:http';
import type { Llhttp, LlhttpParser } from '../node-http-internals.js';

/**
 * A head after which Node's parser reads a chunked body and stops where it ends: the parser pauses
 * after a message that asks for an upgrade, and says how far it read (node-http-internals.ts proves it).
 */
const SHADOW_HEAD = Buffer.from('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: upgrade\r\nUpgrade: end\r\n\r\n', 'latin1');

/**
 * Where a chunked body behind the llhttp front ends, so that the next request is known to start
 * there: the front's own parser reads the body and gives node:http's verdict on it, but reports no
 * offsets, so a second parser reads the same bytes first behind {@link SHADOW_HEAD} and tells how far
 * the body goes. Its header limit is the server's plus its own head: trailers the request's parser
 * takes it never refuses first, so the request's parser is never given bytes past the body's end.
 */
export class ChunkedEnd {
  readonly #parser: LlhttpParser;
  #ended = false;

  constructor(llhttp: Llhttp, maxHeaderSize: number) {
    const parser = new llhttp.Parser();
    parser.initialize(llhttp.REQUEST, {}, (maxHeaderSize > 0 ? maxHeaderSize : defaultMaxHeaderSize) + SHADOW_HEAD.length, llhttp.kLenientNone);
    parser[llhttp.kOnMessageComplete] = this.#onEnd;
    parser.execute(SHADOW_HEAD);
    this.#parser = parser;
  }

  readonly #onEnd = (): void => {
    this.#ended = true;
  };

  /** How many bytes of `data` the body still has, its end included; -1 when it goes on past them (or they are not a chunked body: the request's parser says why). */
  end(data: Buffer): number {
    const read = this.#parser.execute(data);
    return this.#ended && typeof read === 'number' ? read : -1;
  }

  close(): void {
    this.#parser.close();
  }
}
