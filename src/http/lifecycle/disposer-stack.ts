/** One thing a role opened, and how to close it. */
interface Disposer {
  name: string;
  close: () => unknown;
}

/**
 * The things a composition root opened, closed in the reverse order of their
 * opening (what was opened last depends on what was opened before it), in the
 * spirit of TC39's `AsyncDisposableStack`, which Node 20 lacks. A close that
 * fails does not stop the others: every failure is gathered in one
 * `AggregateError`. Closing twice returns the first closing's promise.
 *
 * @example
 * const stack = new DisposerStack();
 * const database = await createDatabase(options);
 * stack.defer('database', () => database.close());
 * // …
 * await stack.closeAll();
 */
export class DisposerStack {
  readonly #disposers: Disposer[] = [];
  #closing: Promise<void> | undefined;

  /** Registers `close` for what was just opened; run by {@link closeAll} before everything registered earlier. */
  defer(name: string, close: () => unknown): void {
    if (this.#closing !== undefined) throw new Error(`cannot defer closing ${name}: the stack is already closing`);
    this.#disposers.push({ name, close });
  }

  /**
   * Closes everything registered, last first, each awaited before the next.
   * Rejects with an `AggregateError` naming every close that failed, after
   * all of them ran.
   */
  closeAll(): Promise<void> {
    this.#closing ??= this.#closeAll();
    return this.#closing;
  }

  async #closeAll(): Promise<void> {
    const failures: Error[] = [];
    for (const { name, close } of this.#disposers.reverse()) {
      try {
        await close();
      } catch (cause) {
        failures.push(new Error(`closing ${name} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause }));
      }
    }
    this.#disposers.length = 0;
    if (failures.length > 0) throw new AggregateError(failures, `${failures.length} of the closes failed: ${failures.map((f) => f.message).join('; ')}`);
  }
}

/**
 * Runs `open` with a fresh stack; when it throws, closes what it had opened
 * (so a failed start-up leaves no connection holding the process alive) and
 * rethrows its error. A close that fails then is handed to `onCloseError`:
 * the start-up error is the one the caller needs.
 */
export async function openWithStack<T>(open: (stack: DisposerStack) => Promise<T>, onCloseError: (err: unknown) => void): Promise<T> {
  const stack = new DisposerStack();
  try {
    return await open(stack);
  } catch (err) {
    await stack.closeAll().catch(onCloseError);
    throw err;
  }
}
