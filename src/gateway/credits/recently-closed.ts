/**
 * The calls closed lately, by key, for idempotent replays of a settle or a
 * refund: at least the last `max` closed, at most twice that. Two
 * generations of plain `Map`s; when the newer is full it becomes the older
 * and the older is dropped whole.
 *
 * Why not an LRU cache: every call of the gateway looks its keys up here
 * twice (both missing) and adds one, and the LRU's option objects and
 * recency lists cost several times the `Map` operations themselves on each
 * (docs/perf-journal/gateway-and-fleet-2026-11-27.md, "The accounting's JavaScript, counted"). Why not one `Map` trimmed from its front: V8 leaves a
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

/**
 * {@link RecentlyClosed}, one for the keys `apart` picks and one for the rest: a key lives in its own
 * kind's generations only, so a lookup reads the Maps of its kind alone. The leased holds keep the keys
 * holds are moved to (a task's or a message's charge) apart from calls' own keys: every call looks its
 * own key up when it is held, missing, and its charge key when its hold moves, missing too; calls' own
 * keys are seldom closed (a hold is mostly moved first), so the first lookup reads small Maps rather
 * than ones of ten thousand keys and more, whose misses cost a cache miss each (docs/perf-journal/gateway-and-fleet-2026-11-28.md, "Per-call cuts on an Intel host").
 * Each kind keeps at least its `max` latest, so the latest `max` of all are kept whatever their kinds.
 */
export class RecentlyClosedByKind<V> {
  readonly #apart: RecentlyClosed<V>;
  readonly #rest: RecentlyClosed<V>;
  readonly #isApart: (key: string) => boolean;

  constructor(max: number, apart: (key: string) => boolean) {
    this.#apart = new RecentlyClosed(max);
    this.#rest = new RecentlyClosed(max);
    this.#isApart = apart;
  }

  get(key: string): V | undefined {
    return (this.#isApart(key) ? this.#apart : this.#rest).get(key);
  }

  set(key: string, value: V): void {
    (this.#isApart(key) ? this.#apart : this.#rest).set(key, value);
  }

  delete(key: string): void {
    (this.#isApart(key) ? this.#apart : this.#rest).delete(key);
  }
}
