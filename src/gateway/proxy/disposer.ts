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

  /**
   * Runs every release once, newest first; returns the errors thrown (sync or
   * async). Synchronous releases (a concurrency slot, the usual call's only
   * one) are run and answered synchronously: no promise, no turn of the
   * microtask queue per call; a release that returns a promise is awaited
   * before the next runs, and the errors then come in a promise.
   */
  dispose(): unknown[] | Promise<unknown[]> {
    const releases = this.#releases;
    if (releases === undefined) return NO_ERRORS;
    this.#releases = undefined;
    let errors: unknown[] | undefined;
    for (let i = releases.length - 1; i >= 0; i--) {
      let result: unknown;
      try {
        result = releases[i]!();
      } catch (err) {
        (errors ??= []).push(err);
        continue;
      }
      if (isThenable(result)) return finishAsync(releases, i, result, errors ?? []);
    }
    return errors ?? NO_ERRORS;
  }
}

/** No release failed: one shared answer, frozen (frozen in place: its type stays the one `dispose` answers). */
const NO_ERRORS: unknown[] = [];
Object.freeze(NO_ERRORS);

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** The rest of a dispose once a release returned a promise: that promise, then the releases before it, each awaited. */
async function finishAsync(releases: Array<() => unknown>, at: number, pending: PromiseLike<unknown>, errors: unknown[]): Promise<unknown[]> {
  try {
    await pending;
  } catch (err) {
    errors.push(err);
  }
  for (let i = at - 1; i >= 0; i--) {
    try {
      await releases[i]!();
    } catch (err) {
      errors.push(err);
    }
  }
  return errors;
}
