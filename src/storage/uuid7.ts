import { randomFillSync } from 'node:crypto';

/*
 * UUIDv7 (RFC 9562 §5.7): 48-bit Unix milliseconds, then random bits.
 * Time-ordered keys keep B-tree inserts at the right edge (ADR 0002).
 * Randomness is drawn from a pooled buffer: one randomFillSync per 512 ids
 * instead of one per id (it showed up at ~7% of a SendMessage profile).
 * Within one millisecond the 12-bit rand_a field counts up, so ids from one
 * process stay strictly increasing (RFC 9562 method 1, "fixed bit-length
 * dedicated counter").
 */
const POOL_IDS = 512;
const pool = Buffer.allocUnsafe(POOL_IDS * 10);
let poolOffset = pool.length;
let lastMs = -1;
let counter = 0;
const HEX = Buffer.from('0123456789abcdef', 'latin1');
const scratch = Buffer.from('00000000-0000-0000-0000-000000000000', 'latin1');

/** Writes `value` as `digits` lowercase hex characters at `offset`. */
function writeHex(out: Buffer, offset: number, value: number, digits: number): void {
  for (let i = digits - 1; i >= 0; i--) {
    out[offset + i] = HEX[value & 0xf]!;
    value >>>= 4;
  }
}

/**
 * A new UUIDv7 string.
 *
 * @example
 * const id = uuidv7(); // '01935f4c-7a1e-7c3d-9f2a-4b6e8d0c1a2b'
 */
export function uuidv7(): string {
  if (poolOffset + 10 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  let ms = Date.now();
  if (ms > lastMs) {
    lastMs = ms;
    counter = ((pool[poolOffset]! & 0x07) << 8) | pool[poolOffset + 1]!; // start low so the counter has room
  } else {
    ms = lastMs;
    counter++;
    if (counter > 0xfff) {
      // 4096 ids in one millisecond: borrow the next millisecond rather than repeat.
      lastMs++;
      ms = lastMs;
      counter = 0;
    }
  }
  const o = poolOffset;
  poolOffset += 10;
  // The 36 ASCII characters are written into one buffer and decoded once:
  // no intermediate strings (the id is made several times per request).
  const out = scratch;
  writeHex(out, 0, Math.floor(ms / 0x10000) >>> 0, 8); // 32 high bits of the 48-bit milliseconds
  writeHex(out, 9, ms & 0xffff, 4);
  writeHex(out, 14, 0x7000 | counter, 4); // version 7, 12-bit counter (RFC 9562 §5.7)
  writeHex(out, 19, 0x8000 | ((pool[o + 2]! & 0x3f) << 8) | pool[o + 3]!, 4); // variant 10
  for (let i = 0; i < 6; i++) {
    const byte = pool[o + 4 + i]!;
    out[24 + 2 * i] = HEX[byte >>> 4]!;
    out[25 + 2 * i] = HEX[byte & 0xf]!;
  }
  return out.toString('latin1');
}
