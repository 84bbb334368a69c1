/**
 * The signal a call's request is made with: it follows the caller's, except
 * that while the call's task is not yet announced it waits, up to `graceMs`,
 * for the announcement. A call aborted after it reached the agent but before
 * the task's id came back would otherwise close its stream knowing no task to
 * cancel, and the agent's task would run on, unasked and still charged.
 */
export interface AnnouncementHold {
  readonly signal: AbortSignal;
  /** The task was announced: a caller's abort that waited for it goes through now. */
  announced(): void;
  /** The call is over: stop following the caller's signal. */
  done(): void;
}

export function abortWhenAnnounced(parent: AbortSignal, graceMs: number): AnnouncementHold {
  const controller = new AbortController();
  let isAnnounced = false;
  let timer: NodeJS.Timeout | undefined;
  const follow = () => {
    if (isAnnounced) controller.abort(parent.reason);
    // Unreferenced: a waiting abort never holds the process open.
    else timer ??= setTimeout(() => controller.abort(parent.reason), graceMs).unref();
  };
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', follow, { once: true });
  return {
    signal: controller.signal,
    announced() {
      isAnnounced = true;
      if (parent.aborted && !controller.signal.aborted) {
        clearTimeout(timer);
        controller.abort(parent.reason);
      }
    },
    done() {
      parent.removeEventListener('abort', follow);
      clearTimeout(timer);
    },
  };
}
