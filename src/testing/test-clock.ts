/**
 * The clock a test agent's runtime reads (epoch ms): task timestamps, skill
 * deadlines, recovery and push retries. A fake one stands still until the
 * test moves it.
 */
export interface TestClock {
  /** True when this clock only moves when told ({@link advance}, {@link set}). */
  readonly fake: boolean;
  /** The current time, epoch ms. */
  now(): number;
  /**
   * Moves a fake clock forward by `ms`. The runtime checks skill deadlines
   * every 100 ms of real time, so a skill past its deadline is stopped within
   * that much real time after this call; await the task to see it.
   * Throws on a real clock: real time cannot be moved.
   */
  advance(ms: number): void;
  /** Sets a fake clock to `epochMs` (it may go back). Throws on a real clock. */
  set(epochMs: number): void;
}

/**
 * A clock that starts at `startMs` (default: the real time now) and moves
 * only when told.
 *
 * @example
 * const clock = fakeClock(Date.parse('2026-01-01T00:00:00Z'));
 * clock.advance(60_000);
 * clock.now(); // 2026-01-01T00:01:00Z
 */
export function fakeClock(startMs: number = Date.now()): TestClock {
  let current = startMs;
  return {
    fake: true,
    now: () => current,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance(ms): ms must be a finite number >= 0, got ${ms}`);
      current += ms;
    },
    set(epochMs) {
      if (!Number.isFinite(epochMs)) throw new RangeError(`set(epochMs): epochMs must be a finite number, got ${epochMs}`);
      current = epochMs;
    },
  };
}

/** The real clock (`Date.now`): {@link TestClock.advance} and {@link TestClock.set} throw. */
export function realClock(): TestClock {
  const refuse = (): never => {
    throw new Error('this test agent runs on the real clock; pass { clock: fakeClock() } (or clock: "fake") to testAgent() to move time');
  };
  return { fake: false, now: () => Date.now(), advance: refuse, set: refuse };
}

/** The runtime checks skill deadlines every 100 ms: what moving the clock must wait for at most, with a margin. */
const DEADLINE_CHECK_MS = 250;

/**
 * `clock`, whose moves keep the process alive until the runtime's deadline
 * check has run: its timer is unref'd, so a test awaiting only what a timeout
 * triggers (a handler's abort) would otherwise see the event loop end first.
 */
export function heldClock(clock: TestClock): TestClock {
  const hold = () => void setTimeout(() => undefined, DEADLINE_CHECK_MS);
  return {
    fake: clock.fake,
    now: clock.now,
    advance(ms) {
      clock.advance(ms);
      hold();
    },
    set(epochMs) {
      clock.set(epochMs);
      hold();
    },
  };
}
