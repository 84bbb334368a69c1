/**
 * How long a wait may last before it counts as a hang. A condition that holds returns at once, so
 * this costs a passing test nothing; it is long because CI runs three test files at a time on two
 * cores beside other work (load averages of 20 to 40), where starting a process or a probe round
 * takes seconds that a quiet machine spends in milliseconds. A test that hangs still fails, here,
 * well before the runner's five-minute timeout, naming what it waited for.
 */
export const WAIT_DEADLINE_MS = 60_000;

/** Polls `probe` every 20 ms until it holds, failing after `timeoutMs`: waiting on a condition, never a fixed sleep. */
export async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = WAIT_DEADLINE_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
