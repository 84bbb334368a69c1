/**
 * A scalable Bloom filter over strings: "definitely not seen" or "maybe seen".
 *
 * It starts as one layer sized for `capacity` keys at about 1% false
 * positives (10 bits a key). When a layer is full, new keys go into a layer
 * twice as large with one more bit a key, so each layer adds less to the
 * total false-positive rate, which stays under about 2%: the filter never has
 * to be rebuilt from its source, which stalled the event loop for a scan of
 * every task. Letting one layer run past its capacity instead was measured to
 * cost more: at twice its capacity it answered "maybe" for 11% of new message
 * ids, and each of those cost a database lookup (a quarter of SendMessage's
 * CPU in the benchmark).
 */
export class BloomFilter {
  readonly #layers: Layer[];
  #count = 0;

  constructor(capacity: number) {
    this.#layers = [new Layer(Math.max(1024, capacity), 10)];
  }

  /** Keys added so far. */
  get count(): number {
    return this.#count;
  }

  /** Layers so far (1 until the first fills). */
  get layers(): number {
    return this.#layers.length;
  }

  add(key: string): void {
    this.addHashed(bloomHashes(key));
  }

  /** False means the key was never added; true means it may have been. */
  mightContain(key: string): boolean {
    return this.mightContainHashed(bloomHashes(key));
  }

  /** {@link add} with the key's {@link bloomHashes}, for filters that share them. */
  addHashed([h1, h2]: readonly [number, number]): void {
    let top = this.#layers[this.#layers.length - 1]!;
    if (top.count >= top.capacity) {
      top = new Layer(top.capacity * 2, top.bitsPerKey + 1);
      this.#layers.push(top);
    }
    top.add(h1, h2);
    this.#count++;
  }

  /** {@link mightContain} with the key's {@link bloomHashes}. */
  mightContainHashed([h1, h2]: readonly [number, number]): boolean {
    for (const layer of this.#layers) if (layer.mightContain(h1, h2)) return true;
    return false;
  }
}

/**
 * The keys added during the last `windowMs` at least (and at most twice
 * that): two generations of {@link BloomFilter}, the older dropped when the
 * newer is a window old. Memory follows the traffic of the window, not
 * everything since the process started.
 */
export class WindowedBloomFilter {
  readonly #windowMs: number;
  readonly #capacity: number;
  #current: BloomFilter;
  #previous: BloomFilter | undefined;
  #startedAt: number | undefined;

  /** `now`: when the current generation started (epoch ms); unset, at the first {@link add}. */
  constructor(options: { capacity: number; windowMs: number; now?: number | undefined }) {
    this.#windowMs = options.windowMs;
    this.#capacity = options.capacity;
    this.#current = new BloomFilter(options.capacity);
    this.#startedAt = options.now;
  }

  /** Keys in both generations. */
  get count(): number {
    return this.#current.count + (this.#previous?.count ?? 0);
  }

  /** Adds a key seen at `now` (epoch ms). */
  add(key: string, now: number): void {
    this.#startedAt ??= now;
    if (now - this.#startedAt >= this.#windowMs) this.#rotate(now);
    this.#current.addHashed(bloomHashes(key));
  }

  /** False means the key was not added within the window; true means it may have been. */
  mightContain(key: string): boolean {
    const hashes = bloomHashes(key);
    return this.#current.mightContainHashed(hashes) || (this.#previous?.mightContainHashed(hashes) ?? false);
  }

  #rotate(now: number): void {
    // More than two windows idle: the current generation holds nothing a lookup still needs.
    this.#previous = now - this.#startedAt! < 2 * this.#windowMs ? this.#current : undefined;
    // Sized for the traffic of the window that just ended, so a steady load rarely adds layers.
    this.#current = new BloomFilter(Math.max(this.#capacity, this.#previous?.count ?? 0));
    this.#startedAt = now;
  }
}

/** One fixed-size Bloom filter, probed by double hashing (Kirsch–Mitzenmacher). */
class Layer {
  readonly capacity: number;
  readonly bitsPerKey: number;
  count = 0;
  readonly #bits: Uint32Array;
  readonly #mask: number;
  readonly #probes: number;

  constructor(capacity: number, bitsPerKey: number) {
    this.capacity = capacity;
    this.bitsPerKey = bitsPerKey;
    // Optimal probes: bits per key × ln 2. Bits rounded up to a power of two so an index is a mask, not a modulo.
    this.#probes = Math.round(bitsPerKey * Math.LN2);
    const bits = 2 ** Math.ceil(Math.log2(capacity * bitsPerKey));
    this.#bits = new Uint32Array(bits / 32);
    this.#mask = bits - 1;
  }

  add(first: number, h2: number): void {
    let h1 = first;
    for (let i = 0; i < this.#probes; i++) {
      const bit = h1 & this.#mask;
      this.#bits[bit >>> 5]! |= 1 << (bit & 31);
      h1 = (h1 + h2) | 0;
    }
    this.count++;
  }

  mightContain(first: number, h2: number): boolean {
    let h1 = first;
    for (let i = 0; i < this.#probes; i++) {
      const bit = h1 & this.#mask;
      if ((this.#bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
      h1 = (h1 + h2) | 0;
    }
    return true;
  }
}

/** Two 32-bit FNV-1a style hashes (different offsets), combined by double hashing. */
export function bloomHashes(key: string): [number, number] {
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
