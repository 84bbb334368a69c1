/** A promise per key with its resolver, made on first use by either side: the test opens gates, handlers report what they saw. */
export class Latches {
  #map = new Map<string, { promise: Promise<void>; resolve: () => void }>();

  get(key: string): { promise: Promise<void>; resolve: () => void } {
    let entry = this.#map.get(key);
    if (!entry) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      entry = { promise, resolve };
      this.#map.set(key, entry);
    }
    return entry;
  }
}
