/**
 * The calls closed lately, by key, for idempotent replays of a settle or a
 * refund: at least the last `max` closed, at most twice that. Two
 * generations of plain `Map`s; when the newer is full it becomes the older
 * and the older is dropped whole.
 *
 * Why not an LRU cache: every call of the gateway looks its keys up here
 * twice (both missing) and adds one, and the LRU's option objects and
 * recency lists cost several times the `Map` operations themselves on each
 * (docs/benchmarks.md). Why not one `Map` trimmed from its front: V8 leaves a
 * hole per deleted head, and finding the next head walks them all.
 */
export class RecentlyClosed<V> {
  readonly #max: number;
  #newer = new Map<string, V>();
  #older = new Map<string, V>();

  constructor(max: number) {
    this.#max = Math.max(1, max);
  }

  get(key: string): V | undefined {
    const found = this.#newer.get(key);
    return found !== undefined || this.#older.size === 0 ? found : this.#older.get(key);
  }

  set(key: string, value: V): void {
    if (this.#newer.size >= this.#max && !this.#newer.has(key)) {
      this.#older = this.#newer;
      this.#newer = new Map();
    }
    this.#newer.set(key, value);
  }

  delete(key: string): void {
    this.#newer.delete(key);
    this.#older.delete(key);
  }
}
