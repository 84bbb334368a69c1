import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { isRecord } from '../../protocol/index.js';

/**
 * The rows of each statement of a simple-query text, in order: pg answers a
 * text of one statement with its result, and a text of several with an
 * array of them (the cross-tenant marker's first, behind a transaction
 * pooler: callers read from the end).
 */
export function statementRows(answer: unknown): Record<string, unknown>[][] {
  const list: readonly unknown[] = Array.isArray(answer) ? answer : [answer];
  return list.map((result) => {
    const rows = result !== null && typeof result === 'object' ? (result as { rows?: unknown }).rows : undefined;
    return Array.isArray(rows) ? rows.filter(isRecord) : [];
  });
}

/**
 * Runs `work` on a client of `pool`, for a transaction written as
 * multi-statement simple queries (a few round trips, ADR 0022): when `work`
 * throws, whatever transaction it left open is rolled back (a dead
 * connection just fails there and is dropped on release), then the error
 * goes on to the caller.
 */
export async function inPoolClient<T>(pool: PostgresPool, work: (client: PostgresPoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await work(client);
  } catch (err) {
    await client.query('rollback', []).catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
