import type pg from 'pg';

/**
 * The marker of agentmesh's cross-tenant work (ADR 0014), local to the
 * transaction it runs in: what a connection behind a transaction pooler
 * carries instead of a session setting (ADR 0024).
 */
export const CROSS_TENANT_MARKER = `select set_config('agentmesh.scope', 'cross-tenant', true)`;

/** pg's Connection as `prepare` drives it (@types/pg declares a second `more` argument that pg 8's lib/connection.js does not take). */
interface PgConnection {
  parse(options: { text: string; name?: string }): void;
  bind(options: { portal?: string; statement?: string; values?: unknown[] }): void;
  describe(options: { type: 'P' | 'S'; name: string }): void;
  execute(options: { portal?: string; rows?: number }): void;
}

declare module 'pg' {
  /** What pg's Query (lib/query.js) has and @types/pg leaves out, as this module uses it. */
  interface Query {
    /** The statement; sent as is by the simple protocol. */
    text: string;
    /** ms; read by the client when the query is queued. */
    query_timeout?: number;
    /** Whether the extended protocol (Parse/Bind/Execute) carries it: with values, a name or a row limit. */
    requiresPreparation(): boolean;
    /** Writes its Parse/Bind/Describe/Execute (everything before the Sync). */
    prepare(connection: PgConnection): void;
  }
}

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
  class ScopedQuery extends pgModule.Query {
    constructor(config: { text: string; values: unknown[] }, callback: (err: Error | undefined, res: unknown) => void) {
      super(config, undefined, callback);
      // Without preparation pg's `submit` sends `text` as one simple-protocol Query message: the marker goes in front of it there.
      if (!this.requiresPreparation()) this.text = `${CROSS_TENANT_MARKER}; ${this.text}`;
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
      const query = new ScopedQuery({ text, values }, (err, res) => {
        if (err) return reject(err);
        // [the marker's result, then the statement's — or, for a multi-statement text such as the
        // group commit's batch, each statement's, which its caller reads by position]
        const own = Array.isArray(res) ? res.slice(1) : [res];
        resolve((own.length === 1 ? own[0] : own) as pg.QueryResult);
      });
      query.query_timeout = timeoutMs;
      client.query(query);
    });
}
