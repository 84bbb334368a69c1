/**
 * mulberry32: a tiny seeded PRNG (32-bit state), plenty for sample data and
 * fast enough to draw a few hundred thousand numbers in milliseconds. The
 * same seed gives the same sequence on every platform: the generators that
 * use it are committed instead of their (large) output.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
