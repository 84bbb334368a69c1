import type { Kysely } from 'kysely';
import type { Tables } from '../storage/index.js';

/**
 * Who started each run of a bridged ACP agent (`gateway_bridged_runs`). An
 * ACP agent knows no tenants (it may verify the gateway's assertion, but
 * nothing makes it keep tenants apart), so the gateway does: the bridge
 * records a run's tenant before the client sees the run, and answers another
 * tenant's GetTask, CancelTask, subscription or resume as not found.
 * Runs are kept {@link BRIDGED_RUN_RETENTION_MS}; an older one is not found.
 */
/** How long the gateway remembers a bridged run's tenant (30 days): long past any credit hold. */
export const BRIDGED_RUN_RETENTION_MS = 30 * 24 * 3600 * 1000;

export class BridgedRuns {
  readonly #db: Kysely<Tables>;

  constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  /** Records that `tenant` started run `runId` of `agent` (a run seen twice keeps its first tenant). */
  async claim(agent: string, runId: string, tenant: string): Promise<void> {
    await this.#db
      .insertInto('gateway_bridged_runs')
      .values({ agent, run_id: runId, tenant, created_at: Date.now() })
      .onConflict((oc) => oc.columns(['agent', 'run_id']).doNothing())
      .execute();
  }

  /** Forgets the runs started before `before` (epoch ms); returns how many. */
  async sweep(before: number): Promise<number> {
    const result = await this.#db.deleteFrom('gateway_bridged_runs').where('created_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** True when `tenant` started run `runId` of `agent`. */
  async owns(agent: string, runId: string, tenant: string): Promise<boolean> {
    const row = await this.#db.selectFrom('gateway_bridged_runs').select('tenant').where('agent', '=', agent).where('run_id', '=', runId).executeTakeFirst();
    return row?.tenant === tenant;
  }
}
