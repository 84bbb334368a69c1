/**
 * What a call holds and must give back (a concurrency slot, a credit
 * reservation), released in reverse order by one `dispose()`. Each release
 * runs whatever the others do: one that throws is reported and the rest
 * still run, so a failing close cannot leak the others.
 */
export class Disposer {
  #releases: Array<() => unknown> | undefined;

  /** Adds a release, run before those added earlier. */
  defer(release: () => unknown): void {
    (this.#releases ??= []).push(release);
  }

  /** Runs every release once, newest first; returns the errors thrown (sync or async). */
  async dispose(): Promise<unknown[]> {
    const releases = this.#releases;
    if (releases === undefined) return [];
    this.#releases = undefined;
    const errors: unknown[] = [];
    for (let i = releases.length - 1; i >= 0; i--) {
      try {
        await releases[i]!();
      } catch (err) {
        errors.push(err);
      }
    }
    return errors;
  }
}
