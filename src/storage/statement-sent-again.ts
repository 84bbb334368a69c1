import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { ErrorCodes, isAgentmeshError } from '../protocol/index.js';

/**
 * Sends again, up to three times over about half a second, a statement the
 * database could not take for a moment: its session terminated
 * (`pg_terminate_backend`), its connection reset, the server busy or
 * restarting. One terminated session must not end a workflow run, nor leave
 * a credit hold half-moved. Only for statements that leave the same rows when
 * sent twice (every one the orchestrator's run store sends: reads, upserts,
 * updates to a value, an insert that does nothing on conflict; a ledger's
 * carve of a lease under the call's key), since a lost answer leaves unknown
 * whether the first one landed: `onSentAgain` tells the caller it was sent
 * again, so what the repeat finds may be the first send's own work.
 */
export function sendAgainIfMomentary<T>(statement: () => Promise<T>, onSentAgain?: () => void): Promise<T> {
  // The first send goes as it is (a map's units write thousands of records a second); only a failure meets the policy.
  return statement().catch((err: unknown) => {
    if (!isMomentaryStoreFailure(err)) return Promise.reject(err);
    onSentAgain?.();
    return SENT_AGAIN.execute(statement);
  });
}

/** The sends after the first: at once (a new connection), then after about 100 ms and 200 ms. */
const SENT_AGAIN = retry(handleWhen(isMomentaryStoreFailure), { maxAttempts: 2, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1_000 }) });

/** A store that could not take a statement now but may in a moment. */
function isMomentaryStoreFailure(err: unknown): boolean {
  if (isAgentmeshError(err)) return err.code === ErrorCodes.STORAGE_UNAVAILABLE && err.retryable;
  if (!(err instanceof Error)) return false;
  // The connection lost under the statement: node-postgres' words when the server closed it, or the socket's reset.
  return err.message === 'Connection terminated unexpectedly' || ('code' in err && (err.code === 'ECONNRESET' || err.code === 'EPIPE'));
}
