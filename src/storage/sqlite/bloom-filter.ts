/**
 * A Bloom filter over strings: "definitely not seen" or "maybe seen".
 * 10 bits and 7 probes per expected key give about 1% false positives.
 * It grows (rebuilding from a key source) when it holds twice its capacity,
 * so the false-positive rate stays bounded as the table grows.
 */
export class BloomFilter {
  #bits: Uint32Array;
  #mask: number;
  #count = 0;
  #capacity: number;

  constructor(capacity: number) {
    this.#capacity = Math.max(1024, capacity);
    // Bits rounded up to a power of two so an index is a mask, not a modulo.
    const bits = 2 ** Math.ceil(Math.log2(this.#capacity * 10));
    this.#bits = new Uint32Array(bits / 32);
    this.#mask = bits - 1;
  }

  /** Keys added so far. */
  get count(): number {
    return this.#count;
  }

  /** True once the filter holds more than twice the keys it was sized for. */
  get overfull(): boolean {
    return this.#count > 2 * this.#capacity;
  }

  add(key: string): void {
    const [first, h2] = hashes(key);
    let h1 = first;
    for (let i = 0; i < 7; i++) {
      const bit = h1 & this.#mask;
      this.#bits[bit >>> 5]! |= 1 << (bit & 31);
      h1 = (h1 + h2) | 0;
    }
    this.#count++;
  }

  /** False means the key was never added; true means it may have been. */
  mightContain(key: string): boolean {
    const [first, h2] = hashes(key);
    let h1 = first;
    for (let i = 0; i < 7; i++) {
      const bit = h1 & this.#mask;
      if ((this.#bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
      h1 = (h1 + h2) | 0;
    }
    return true;
  }
}

/** Two 32-bit FNV-1a style hashes (different offsets), combined by double hashing (Kirsch–Mitzenmacher). */
function hashes(key: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return [a >>> 0, (b | 1) >>> 0];
}
