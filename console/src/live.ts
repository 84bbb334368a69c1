/**
 * The console's live streams (Tasks, Audit): server-sent events read with
 * fetch, so the credential travels in the Authorization header as on every
 * other call (EventSource can only put it in the URL, where logs and the
 * history would keep it). A stream the gateway ends (each lives 10 minutes)
 * or that breaks is opened again, with a growing pause after failures;
 * signing out aborts it at once.
 */
import { authHeaders, messageOf, session, signOut } from './session.js';
import { readFrames } from './sse-frames.js';

/** What a live view says about its stream. */
export type LiveState = { kind: 'connecting' } | { kind: 'live' } | { kind: 'retrying'; reason: string } | { kind: 'stopped'; reason: string };

export interface FollowOptions {
  /** The path to open, asked again at each (re)connection: a tail resumes after the last row it saw. */
  path: () => string;
  /** A stream was opened: what follows replaces what the last one said. */
  onOpen?: () => void;
  onEvent: (event: string, data: string) => void;
  onState?: (state: LiveState) => void;
}

const MAX_PAUSE_MS = 15_000;

/** Follows a console SSE stream until the returned function is called or the session ends. */
export function follow(options: FollowOptions): () => void {
  const controller = new AbortController();
  const unsubscribe = session.subscribe((s) => s === null && controller.abort());
  const stop = () => {
    unsubscribe();
    controller.abort();
  };
  void (async () => {
    let pauseMs = 1_000;
    while (!controller.signal.aborted) {
      const current = session.get();
      if (current === null) break;
      options.onState?.({ kind: 'connecting' });
      let reason = 'the stream ended';
      try {
        const res = await fetch(options.path(), { headers: { accept: 'text/event-stream', ...authHeaders(current.credential) }, signal: controller.signal });
        if (res.status === 401) {
          signOut('Your session expired or was revoked: sign in again.');
          break;
        }
        if (!res.ok || res.body === null) {
          const message = messageOf(await res.json().catch(() => undefined), `${res.status} ${res.statusText}`);
          // A refusal (403, a bad filter) is not retried; a full replica (429) or a failing one is, later.
          if (res.status !== 429 && res.status < 500) {
            options.onState?.({ kind: 'stopped', reason: message });
            break;
          }
          throw new Error(message);
        }
        options.onOpen?.();
        options.onState?.({ kind: 'live' });
        pauseMs = 1_000;
        await readFrames(res.body, options.onEvent);
      } catch (err) {
        if (controller.signal.aborted) break;
        reason = (err as Error).message;
        pauseMs = Math.min(MAX_PAUSE_MS, pauseMs * 2);
      }
      if (controller.signal.aborted) break;
      options.onState?.({ kind: 'retrying', reason });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pauseMs);
        controller.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  })();
  return stop;
}

/** What a live view shows of its stream's state, for a status line. */
export function liveText(state: LiveState): string {
  switch (state.kind) {
    case 'connecting':
      return 'connecting…';
    case 'live':
      return 'live';
    case 'retrying':
      return `reconnecting (${state.reason})`;
    case 'stopped':
      return `not live: ${state.reason}`;
  }
}
