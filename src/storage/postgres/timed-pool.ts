import type pg from 'pg';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { Errors, errorMessage, errorCode } from '../../protocol/index.js';

/**
 * A pg pool for Kysely whose connections cannot hang a caller. Every query
 * has a read deadline (pg's `query_timeout`); a connection whose query missed
 * it is treated as dead — a half-open TCP connection (the server or the path
 * to it went silent, no RST) looks exactly like that — and is destroyed
 * rather than returned to the pool, where it would block the next caller
 * too. Queries on it after the timeout (Kysely's ROLLBACK) fail at once. A
 * socket error while the client is checked out marks it dead the same way
 * (unheard, pg would raise it as an uncaught exception).
 *
 * pg's own timeout only answers the caller: it leaves the socket, and the
 * query it sent, in place (node-postgres keeps the connection unless
 * pipelining), which is why this wrapper exists.
 */
export function timedPool(pool: pg.Pool, queryTimeoutMs: number, scoped?: ScopedRunner): PostgresPool {
  return {
    async connect() {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        // The pool's connect timeout (every connection busy past connectionTimeoutMillis) or a refused
        // connection: the database is unavailable for now, which callers answer 503 and may retry, not 500.
        throw Errors.postgresConnectionFailed({ reason: err instanceof Error ? err.message : String(err) }, { cause: err });
      }
      return new TimedClient(client, queryTimeoutMs, scoped);
    },
    end: () => pool.end(),
  };
}

/** Sends a statement with the cross-tenant marker in its transaction (scoped-query.ts). */
export type ScopedRunner = (client: pg.ClientBase, text: string, values: unknown[], timeoutMs: number) => Promise<pg.QueryResult>;

/**
 * Server refusals that say "not now" rather than "never": the statement ran
 * past `statement_timeout` or `lock_timeout` (a lock held elsewhere, a stalled
 * peer), or the server is out of connections or shutting down. They are the
 * database being unavailable for a moment, answered 503 and retryable like a
 * refused connection; raw, they reached callers as 500. Codes a caller acts
 * on itself (unique violations, serialization failures, deadlocks) are left
 * as they are.
 */
const BUSY_CONDITIONS: Readonly<Record<string, string>> = {
  '57014': 'statement canceled: statement_timeout or a cancel request',
  '55P03': 'lock not available: lock_timeout',
  '53300': 'too many connections',
  '57P01': 'administrator shutdown',
  '57P02': 'crash shutdown',
  '57P03': 'cannot connect now',
};

function busyCondition(err: unknown): { condition: string; sqlState: string } | undefined {
  const code = errorCode(err);
  const condition = code !== undefined && Object.hasOwn(BUSY_CONDITIONS, code) ? BUSY_CONDITIONS[code] : undefined;
  return condition === undefined || code === undefined ? undefined : { condition, sqlState: code };
}

class TimedClient implements PostgresPoolClient {
  readonly #client: pg.PoolClient;
  readonly #timeoutMs: number;
  readonly #scoped: ScopedRunner | undefined;
  #broken: Error | undefined;
  #released = false;
  // A checked-out client whose socket fails between queries emits 'error' with no listener: that would crash the process.
  readonly #onError = (err: Error): void => {
    this.#broken ??= Errors.postgresConnectionFailed({ reason: err.message }, { cause: err });
  };

  constructor(client: pg.PoolClient, timeoutMs: number, scoped: ScopedRunner | undefined) {
    this.#client = client;
    this.#timeoutMs = timeoutMs;
    this.#scoped = scoped;
    client.on('error', this.#onError);
  }

  // Kysely's two overloads: a statement with parameters, or a cursor (streaming; no deadline, it reads at its own pace).
  query(...args: unknown[]): never {
    if (this.#broken) return Promise.reject(this.#broken) as never;
    if (args.length === 1) return (this.#client.query as (cursor: unknown) => unknown)(args[0]) as never;
    const [text, values] = args as [string, unknown[]];
    // Outside a transaction ('I'), the statement (or the `begin`) carries the marker; inside, the begin did.
    const sent =
      this.#scoped && this.#client.getTransactionStatus() === 'I'
        ? this.#scoped(this.#client, text, values, this.#timeoutMs)
        : this.#client.query({ text, values: values as unknown[], query_timeout: this.#timeoutMs } as pg.QueryConfig);
    return sent.catch((err: unknown) => {
      if (err instanceof Error && err.message === 'Query read timeout') {
        this.#broken = Errors.postgresTimedOut({ timeoutMs: this.#timeoutMs }, { cause: err });
        throw this.#broken;
      }
      const busy = busyCondition(err);
      if (busy !== undefined) throw Errors.postgresBusy({ ...busy, reason: errorMessage(err) }, { cause: err });
      throw err;
    }) as never;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#client.off('error', this.#onError);
    // An Error destroys the connection instead of returning it to the pool (pg-pool).
    this.#client.release(this.#broken ?? undefined);
  }
}
