import type pg from 'pg';

/**
 * The marker of agentmesh's cross-tenant work (ADR 0014), local to the
 * transaction it runs in: what a connection behind a transaction pooler
 * carries instead of a session setting (ADR 0024).
 */
export const CROSS_TENANT_MARKER = `select set_config('agentmesh.scope', 'cross-tenant', true)`;

/** pg's Query as this module uses it: its constructor, its extended-protocol `prepare` and its result slots. */
interface QueryInternals {
  text: string;
  values: unknown[] | undefined;
  callback: ((err: Error | null, res?: unknown) => void) | undefined;
  query_timeout?: number;
  requiresPreparation(): boolean;
  prepare(connection: PgConnection): void;
  submit(connection: PgConnection): Error | null;
}

interface PgConnection {
  parse(options: { text: string; name?: string }): void;
  bind(options: { portal?: string; statement?: string; values?: unknown[] }): void;
  describe(options: { type: 'P' | 'S'; name: string }): void;
  execute(options: { portal?: string; rows?: number }): void;
  query(text: string): void;
}

type QueryClass = new (config: { text: string; values?: unknown[] }, values?: unknown, callback?: (err: Error | null, res: unknown) => void) => QueryInternals;

/**
 * Builds `run(client, text, values, timeoutMs)`: the statement sent with the
 * cross-tenant marker in front of it, in the same round trip and the same
 * transaction, so whichever server connection a pooler such as PgBouncer
 * (transaction mode) lends for it, the marker is there and ends with it.
 *
 * - With parameters (extended protocol): Parse/Bind/Describe/Execute of the
 *   marker, then those of the statement, then one Sync. Everything before a
 *   Sync is one implicit transaction, so the marker's `set_config(…, true)`
 *   holds for the statement and is gone after it.
 * - Without (simple protocol, `begin` among them): `marker; text` in one
 *   Query message; a `begin` there turns the implicit transaction into the
 *   explicit one, which keeps the marker until its commit or rollback.
 *
 * Only for a client outside a transaction: inside one, the `begin` carried
 * the marker, and a statement that narrowed the transaction to one tenant
 * (`agentmesh.scope = 'tenant'`) must not be widened again.
 * The caller receives the statement's own result (or results), not the marker's.
 */
export function scopedQueries(pgModule: typeof pg): (client: pg.ClientBase, text: string, values: unknown[], timeoutMs: number) => Promise<pg.QueryResult> {
  const Query = pgModule.Query as unknown as QueryClass;
  class ScopedQuery extends Query {
    override submit(connection: PgConnection): Error | null {
      if (!this.requiresPreparation()) {
        connection.query(`${CROSS_TENANT_MARKER}; ${this.text}`);
        return null;
      }
      return super.submit(connection);
    }

    override prepare(connection: PgConnection): void {
      // Unnamed statement and portal: nothing outlives the Sync, which a transaction pooler requires.
      connection.parse({ text: CROSS_TENANT_MARKER });
      connection.bind({});
      connection.describe({ type: 'P', name: '' });
      connection.execute({});
      super.prepare(connection);
    }
  }
  return (client, text, values, timeoutMs) =>
    new Promise<pg.QueryResult>((resolve, reject) => {
      const query = new ScopedQuery({ text, values }, undefined, (err, res) => {
        if (err) return reject(err);
        // [the marker's result, then the statement's — or, for a multi-statement text such as the
        // group commit's batch, each statement's, which its caller reads by position]
        const own = Array.isArray(res) ? res.slice(1) : [res];
        resolve((own.length === 1 ? own[0] : own) as pg.QueryResult);
      });
      query.query_timeout = timeoutMs;
      void (client.query as unknown as (q: unknown) => unknown)(query);
    });
}
