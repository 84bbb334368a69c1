/** Fewest inserts between two rebuilds of the backing `Map`. */
const MIN_INSERTS_PER_REBUILD = 128;

/**
 * A string-keyed map for entries that come and go at request rate (the runs
 * executing now, the sends being started, a topic's live subscribers).
 *
 * Why not a plain `Map`: when V8 rehashes a `Map`'s table (as inserts and
 * deletes pile up), the obsolete table keeps its entries and a link to the
 * new one, and a table that lives in old space gets its successor allocated
 * in old space too. Once one table has been promoted (a slow moment is
 * enough), every later table is born old, and each obsolete one keeps its
 * entries alive through every scavenge until the next mark-compact. Under
 * load that promoted ~1.2 MB per scavenge of finished task runs, cost ~30% of
 * throughput and ~60 MB of peak RSS, and never stopped by itself
 * (docs/perf-journal/runtime-and-cli.md, "Two garbage-collection regimes").
 *
 * So the backing `Map` is rebuilt every max(128, 2 × size) inserts:
 * `new Map(old)` starts a young table with no link back, which ends any such
 * chain. The rebuild copies the live entries, amortized O(1) per insert (at
 * least two inserts per entry copied); the price is that a map holding many
 * thousands of entries goes longer between rebuilds, so a chain can live
 * that long. A null-prototype object avoids the chain too,
 * but interns every key into old space (~1.6 MB/s of garbage at 9k req/s).
 */
export class EphemeralMap<V> {
  #entries = new Map<string, V>();
  #insertsSinceRebuild = 0;

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): V | undefined {
    return this.#entries.get(key);
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  set(key: string, value: V): this {
    if (++this.#insertsSinceRebuild >= Math.max(MIN_INSERTS_PER_REBUILD, 2 * this.#entries.size)) {
      this.#insertsSinceRebuild = 0;
      this.#entries = new Map(this.#entries);
    }
    this.#entries.set(key, value);
    return this;
  }

  delete(key: string): boolean {
    return this.#entries.delete(key);
  }

  /** A snapshot of the values: safe to change the map while going through it. */
  values(): V[] {
    return [...this.#entries.values()];
  }
}
