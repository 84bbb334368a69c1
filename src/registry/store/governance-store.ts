import type { Kysely } from 'kysely';
import { Errors } from '../../protocol/index.js';
import type { Tables } from '../../storage/index.js';
import type { AgentRecord, RegistryChange, RegistryChangeKind } from '../../contracts/registry/index.js';
import { reviewFromRow, type ReviewOutcome, type StoredReview } from './review-rows.js';
import { writeAgentIn } from './agent-writes.js';
import type { NewInstance, ReviewDecider } from './store-types.js';
import type { WriteGroups } from './write-groups.js';
import { claimDueRows } from './claim-due-rows.js';

/**
 * The registry's governance rows (docs/adr/0072-registry-ownership-claims-and-review-holds.md):
 * held card changes and their decisions, and the ownership checks that
 * come due. A decision writes its agent's record in the same transaction,
 * through the store's group commit.
 */
export class GovernanceStore {
  readonly #db: Kysely<Tables>;
  readonly #groups: WriteGroups;

  constructor(db: Kysely<Tables>, groups: WriteGroups) {
    this.#db = db;
    this.#groups = groups;
  }

  async getReview(id: string): Promise<StoredReview | undefined> {
    const row = await this.#db.selectFrom('registry_reviews').selectAll().where('id', '=', id).executeTakeFirst();
    return row && reviewFromRow(row);
  }

  /** Reviews in `state`, of one agent or all, oldest first. */
  async listReviews(query: { state: StoredReview['state']; agent?: string | undefined; limit: number }): Promise<StoredReview[]> {
    let select = this.#db.selectFrom('registry_reviews').selectAll().where('state', '=', query.state);
    if (query.agent !== undefined) select = select.where('agent', '=', query.agent);
    const rows = await select.orderBy('submitted_at').orderBy('id').limit(query.limit).execute();
    return rows.map(reviewFromRow);
  }

  /**
   * Ends a review and writes its agent's record in one transaction: `decide`
   * sees the review and the record as stored, under the writers' lock (a
   * review decided twice at once is decided once). An approval's `updated`
   * is followed in the log by a `review_decided`; `instance` is added with
   * the record (the static instance of an approved card's new URL).
   */
  async decideReview(id: string, decide: ReviewDecider, options: { instance?: NewInstance | undefined } = {}): Promise<{ review: StoredReview; record: AgentRecord | undefined; changes: RegistryChange[] }> {
    const { result, changes } = await this.#groups.write(async (trx, now, log) => {
      const row = await trx.selectFrom('registry_reviews').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw Errors.registryReviewNotFound({ id });
      const stored = reviewFromRow(row);
      let outcome: ReviewOutcome | undefined;
      let kind: RegistryChangeKind | undefined;
      const record = await writeAgentIn(this.#groups, trx, now, log, {
        name: stored.agent,
        instance: options.instance,
        decide: (current, at) => {
          const decided = decide(stored, current, at);
          outcome = decided.outcome;
          kind = decided.agent.kind;
          return decided.agent;
        },
      });
      const ended = outcome!;
      await trx
        .updateTable('registry_reviews')
        .set({ state: ended.state, decided_at: now, decided_by: ended.decidedBy ?? null, on_behalf_of: ended.onBehalfOf ?? null, reason: ended.reason ?? null })
        .where('id', '=', id)
        .execute();
      if (kind !== 'review_decided') log({ kind: 'review_decided', agent: stored.agent, ...(record && { record }), detail: { review: id, decision: ended.state } });
      const review: StoredReview = { ...stored, state: ended.state, decidedAt: now, ...(ended.decidedBy !== undefined && { decidedBy: ended.decidedBy }), ...(ended.onBehalfOf !== undefined && { onBehalfOf: ended.onBehalfOf }), ...(ended.reason !== undefined && { reason: ended.reason }) };
      return { review, record };
    });
    return { ...result, changes };
  }

  /**
   * Claims up to `limit` agents whose ownership check is due (or `only` that
   * one, whenever due): another replica cannot claim them for `claimMs`.
   * `force` claims `only` even when its check is not due (a check asked for).
   */
  async claimOwnershipChecks(limit: number, claimMs: number, options: { only?: string; force?: boolean } = {}): Promise<string[]> {
    const now = await this.#groups.clock.now();
    let select = this.#db.selectFrom('registry_agents').select(['name', 'ownership_check_at']).where('ownership_check_at', 'is not', null);
    if (options.only !== undefined) select = select.where('name', '=', options.only);
    if (options.force !== true) select = select.where('ownership_check_at', '<=', now);
    const rows = await select.orderBy('ownership_check_at').limit(limit).execute();
    const claimed = await claimDueRows(rows, (row) =>
      this.#db
        .updateTable('registry_agents')
        .set({ ownership_check_at: now + claimMs })
        .where('name', '=', row.name)
        .where('ownership_check_at', '=', row.ownership_check_at)
        .executeTakeFirst());
    return claimed.map((row) => row.name);
  }

}
