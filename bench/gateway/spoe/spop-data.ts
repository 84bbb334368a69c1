/**
 * SPOP's primitives (HAProxy's SPOE.txt §3.1): the varint HAProxy's peers
 * protocol uses, strings as a varint length and bytes, and typed data.
 *
 * Read through a cursor (`SpopReader`) so a frame decodes without an object
 * per field; every read checks the frame's end and throws `SpopDecodeError`
 * rather than read past it, since the bytes come from the network.
 */

/** Typed data type ids (the low nibble of the type byte); the high nibble holds flags. */
export const DATA_TYPE = Object.freeze({ NULL: 0, BOOL: 1, INT32: 2, UINT32: 3, INT64: 4, UINT64: 5, IPV4: 6, IPV6: 7, STRING: 8, BINARY: 9 });

/** A boolean's value bit (in the flags nibble). */
const FLAG_TRUE = 0x10;

const TWO_64 = 1n << 64n;
/** The most bytes a varint of a 64-bit value takes: 1 + 9 continuation bytes. */
const MAX_VARINT_BYTES = 10;

/** An IPv4 or IPv6 address as SPOP carries it (network order bytes). */
export class SpopAddress {
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    if (bytes.length !== 4 && bytes.length !== 16) throw new RangeError(`an address is 4 or 16 bytes, not ${bytes.length}`);
  }

  toString(): string {
    if (this.bytes.length === 4) return this.bytes.join('.');
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((this.bytes[i]! << 8) | this.bytes[i + 1]!).toString(16));
    return groups.join(':');
  }
}

/**
 * A decoded value: null, a boolean, an integer (a number when it is a safe
 * integer, else a bigint), a string (STRING, read as UTF-8), bytes (BINARY,
 * a view into the frame: copy it to keep it), or an address.
 */
export type SpopValue = null | boolean | number | bigint | string | Uint8Array | SpopAddress;

/** Bytes that are not a valid SPOP frame: the agent answers them with a disconnect (status 4, invalid frame). */
export class SpopDecodeError extends Error {
  override readonly name = 'SpopDecodeError';
}

/** A cursor over one frame's bytes. */
export class SpopReader {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;

  constructor(buf: Uint8Array, pos: number, end: number) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  byte(): number {
    if (this.pos >= this.end) throw new SpopDecodeError('truncated: a byte expected');
    return this.buf[this.pos++]!;
  }

  /** A varint that must be a safe integer (lengths, ids, counts). */
  varint(): number {
    const value = this.varintAny();
    if (typeof value === 'bigint') throw new SpopDecodeError(`varint ${value} is larger than this field allows`);
    return value;
  }

  /** A varint up to 2^64 - 1: a number when safe, else a bigint. */
  varintAny(): number | bigint {
    const start = this.pos;
    let b = this.byte();
    if (b < 240) return b;
    // Numbers first: exact as long as the total stays safe (every partial sum is smaller).
    let value = b;
    let scale = 16;
    let count = 1;
    do {
      if (++count > MAX_VARINT_BYTES) throw new SpopDecodeError('varint longer than 10 bytes');
      b = this.byte();
      value += b * scale;
      scale *= 128;
    } while (b >= 128);
    if (value <= Number.MAX_SAFE_INTEGER) return value;
    return this.#bigVarint(start);
  }

  /** The same varint again with bigints: past 2^53 a number has lost bits. */
  #bigVarint(start: number): bigint {
    let p = start;
    let value = BigInt(this.buf[p++]!);
    let shift = 4n;
    let b: number;
    do {
      b = this.buf[p++]!;
      value += BigInt(b) << shift;
      shift += 7n;
    } while (b >= 128);
    if (value >= TWO_64) throw new SpopDecodeError('varint larger than 64 bits');
    return value;
  }

  /** `n` bytes, as a view into the frame. */
  bytes(n: number): Uint8Array {
    if (n > this.end - this.pos) throw new SpopDecodeError(`truncated: ${n} bytes expected, ${this.end - this.pos} left`);
    const view = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return view;
  }

  /** A name (KV names, message names, variable names): a varint length and its bytes, no type byte. */
  name(): string {
    const view = this.bytes(this.varint());
    return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('utf8');
  }

  /** One typed value. */
  value(): SpopValue {
    const tag = this.byte();
    const type = tag & 0x0f;
    switch (type) {
      case DATA_TYPE.NULL:
        return null;
      case DATA_TYPE.BOOL:
        return (tag & FLAG_TRUE) !== 0;
      case DATA_TYPE.INT32:
      case DATA_TYPE.INT64:
        // HAProxy encodes a signed integer as its 64-bit two's complement.
        return signed(this.varintAny());
      case DATA_TYPE.UINT32:
      case DATA_TYPE.UINT64:
        return this.varintAny();
      case DATA_TYPE.IPV4:
        return new SpopAddress(this.bytes(4).slice());
      case DATA_TYPE.IPV6:
        return new SpopAddress(this.bytes(16).slice());
      case DATA_TYPE.STRING:
        return this.name();
      case DATA_TYPE.BINARY:
        return this.bytes(this.varint());
      default:
        throw new SpopDecodeError(`unknown data type ${type}`);
    }
  }
}

function signed(raw: number | bigint): number | bigint {
  if (typeof raw === 'number') return raw;
  const value = BigInt.asIntN(64, raw);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** A growable output buffer for one frame. */
export class SpopWriter {
  #buf: Buffer;
  pos = 0;

  constructor(initial = 256) {
    this.#buf = Buffer.allocUnsafe(initial);
  }

  #room(n: number): void {
    if (this.pos + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.pos + n));
    this.#buf.copy(next, 0, 0, this.pos);
    this.#buf = next;
  }

  byte(b: number): void {
    this.#room(1);
    this.#buf[this.pos++] = b;
  }

  uint32(n: number): void {
    this.#room(4);
    this.#buf.writeUInt32BE(n, this.pos);
    this.pos += 4;
  }

  /** A varint of an integer in [0, 2^64). */
  varint(value: number | bigint): void {
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`a varint holds an integer in [0, 2^64), not ${value}`);
      if (value < 240) {
        this.byte(value);
        return;
      }
      if (value > 0xffffffff) {
        // Shifts below are 32-bit: larger values take the bigint path.
        this.varint(BigInt(value));
        return;
      }
      this.byte((value & 0x0f) | 240);
      let rest = Math.floor((value - 240) / 16);
      while (rest >= 128) {
        this.byte((rest & 0x7f) | 128);
        rest = Math.floor((rest - 128) / 128);
      }
      this.byte(rest);
      return;
    }
    if (value < 0n || value >= TWO_64) throw new RangeError(`a varint holds an integer in [0, 2^64), not ${value}`);
    if (value < 240n) {
      this.byte(Number(value));
      return;
    }
    this.byte(Number(value & 0x0fn) | 240);
    let rest = (value - 240n) >> 4n;
    while (rest >= 128n) {
      this.byte(Number(rest & 0x7fn) | 128);
      rest = (rest - 128n) >> 7n;
    }
    this.byte(Number(rest));
  }

  raw(bytes: Uint8Array): void {
    this.#room(bytes.length);
    this.#buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** A name: varint length, UTF-8 bytes, no type byte. */
  name(text: string): void {
    const length = Buffer.byteLength(text, 'utf8');
    this.varint(length);
    this.#room(length);
    this.pos += this.#buf.write(text, this.pos, 'utf8');
  }

  /**
   * One typed value. A number is an INT32 when it fits, a UINT32 past that,
   * else an INT64 (an integer is required); a bigint an INT64, or a UINT64
   * past 2^63 - 1; a string a STRING; bytes a BINARY.
   */
  value(v: SpopValue): void {
    if (v === null) this.byte(DATA_TYPE.NULL);
    else if (typeof v === 'boolean') this.byte(DATA_TYPE.BOOL | (v ? FLAG_TRUE : 0));
    else if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new RangeError(`SPOP carries integers only, not ${v}`);
      if (v >= -0x80000000 && v <= 0x7fffffff) this.#signed(DATA_TYPE.INT32, v);
      else if (v > 0 && v <= 0xffffffff) this.#unsigned(DATA_TYPE.UINT32, v);
      else this.#signed(DATA_TYPE.INT64, v);
    } else if (typeof v === 'bigint') {
      if (v < -(1n << 63n) || v >= TWO_64) throw new RangeError(`${v} does not fit 64 bits`);
      if (v < 1n << 63n) this.#signed(DATA_TYPE.INT64, v);
      else this.#unsigned(DATA_TYPE.UINT64, v);
    } else if (typeof v === 'string') {
      this.byte(DATA_TYPE.STRING);
      this.name(v);
    } else if (v instanceof SpopAddress) {
      this.byte(v.bytes.length === 4 ? DATA_TYPE.IPV4 : DATA_TYPE.IPV6);
      this.raw(v.bytes);
    } else {
      this.byte(DATA_TYPE.BINARY);
      this.varint(v.length);
      this.raw(v);
    }
  }

  #signed(type: number, v: number | bigint): void {
    this.byte(type);
    // Negative: the 64-bit two's complement, as HAProxy reads it back.
    if (typeof v === 'number') this.varint(v >= 0 ? v : BigInt.asUintN(64, BigInt(v)));
    else this.varint(BigInt.asUintN(64, v));
  }

  #unsigned(type: number, v: number | bigint): void {
    this.byte(type);
    this.varint(v);
  }

  /** The bytes written so far (a view: the writer is not reused after). */
  finish(): Buffer {
    return this.#buf.subarray(0, this.pos);
  }

  /** Writes `n` as a 32-bit big-endian integer at `at` (a frame's length, once known). */
  patchUint32(at: number, n: number): void {
    this.#buf.writeUInt32BE(n, at);
  }
}
