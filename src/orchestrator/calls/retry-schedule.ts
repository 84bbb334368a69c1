import { DelegateBackoff, ExponentialBackoff, handleWhen, retry, type IBackoff, type IRetryBackoffContext, type RetryPolicy } from 'cockatiel';
import { CallFailure } from './call-failure.js';

/** How a call is repeated after a transient failure. */
export interface RetrySchedule {
  /** Attempts in all, the first included. */
  attempts: number;
  /** First backoff, ms; later ones grow exponentially (with jitter). */
  initialDelayMs: number;
  /** Longest backoff, ms. */
  maxDelayMs: number;
  /** Longest `Retry-After` obeyed, ms: a server asking for more is waited on this long. */
  maxRetryAfterMs: number;
}

/** The wait before the next attempt: the backoff, or longer when the server said `Retry-After`. */
export function delayAfter(failure: unknown, backoffMs: number, schedule: RetrySchedule): number {
  const asked = failure instanceof CallFailure ? failure.retryAfterMs : undefined;
  return asked === undefined ? backoffMs : Math.max(backoffMs, Math.min(asked, schedule.maxRetryAfterMs));
}

/**
 * The retry policy of a call (cockatiel): transient {@link CallFailure}s
 * only, bounded attempts, exponential backoff with decorrelated jitter
 * that honours `Retry-After` (429 quotas, 503 drains).
 */
export function retryPolicy(schedule: RetrySchedule): RetryPolicy {
  const exponential = new ExponentialBackoff({ initialDelay: schedule.initialDelayMs, maxDelay: schedule.maxDelayMs });
  const backoff = new DelegateBackoff<IRetryBackoffContext<unknown>, IBackoff<unknown> | undefined>((context, previous) => {
    const next = previous === undefined ? exponential.next() : previous.next(context);
    const failure = 'error' in context.result ? context.result.error : undefined;
    return { delay: delayAfter(failure, next.duration, schedule), state: next };
  });
  return retry(
    handleWhen((err) => err instanceof CallFailure && err.transient),
    { maxAttempts: Math.max(0, schedule.attempts - 1), backoff },
  );
}
