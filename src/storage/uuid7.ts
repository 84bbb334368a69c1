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
const scratch = Buffer.allocUnsafe(16);

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
  const b = scratch;
  // 48-bit big-endian milliseconds (RFC 9562 §5.7), then version 7 + 12-bit counter, then variant 10 + 62 random bits.
  b.writeUIntBE(ms, 0, 6);
  b[6] = 0x70 | (counter >>> 8);
  b[7] = counter & 0xff;
  b[8] = 0x80 | (pool[o + 2]! & 0x3f);
  pool.copy(b, 9, o + 3, o + 10);
  // One native hex encoding and slices of it: far fewer intermediate strings than concatenating bytes.
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
