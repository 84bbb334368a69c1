import type { Kysely } from 'kysely';
import { AgentmeshError, ErrorCodes } from '../../protocol/index.js';
import type { Tables } from '../../storage/index.js';
import type { Conversation, ConversationKey, ConversationStore } from './conversation-store.js';

/** Options of {@link SqlConversationStore}. */
export interface SqlConversationStoreOptions {
  /** The orchestrator's database (SQLite or PostgreSQL, migration 0011). */
  db: Kysely<Tables>;
  /** A conversation idle this long is forgotten, ms (1 h, as in memory). */
  ttlMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * Reads refresh a conversation's age at most this often, ms: a follow-up
 * every few seconds should not write the row each time, and an age this
 * stale changes no expiry by much.
 */
const TOUCH_EVERY_MS = 60_000;

/**
 * A {@link ConversationStore} in the orchestrator's database
 * (`router_conversations`, migration 0011): every replica on the same
 * PostgreSQL sees the conversation another replica started, and a restarted
 * orchestrator keeps its conversations. Rows are per tenant (row security on
 * PostgreSQL, ADR 0014), caller and contextId; a conversation idle longer
 * than `ttlMs` reads as absent, and {@link sweep} deletes such rows.
 *
 * @example
 * const store = new SqlConversationStore({ db: database.db });
 * createRouteSkill({ caller, registryUrl, self: 'orchestrator', store });
 */
export class SqlConversationStore implements ConversationStore {
  readonly #db: Kysely<Tables>;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: SqlConversationStoreOptions) {
    this.#db = options.db;
    this.#ttlMs = options.ttlMs ?? 3_600_000;
    this.#now = options.now ?? Date.now;
    if (!Number.isFinite(this.#ttlMs) || this.#ttlMs <= 0) {
      throw new AgentmeshError(ErrorCodes.CONFIG_INVALID, `ttlMs must be a positive number of milliseconds; got ${this.#ttlMs}`, { expose: true });
    }
  }

  async get(key: ConversationKey): Promise<Conversation | undefined> {
    const row = await this.#db
      .selectFrom('router_conversations')
      .select(['agent', 'skill', 'child_context_id', 'child_task_id', 'touched_at'])
      .where('tenant', '=', key.tenant)
      .where('caller', '=', key.caller)
      .where('context_id', '=', key.contextId)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const now = this.#now();
    // pg returns bigint columns as strings.
    const touched = Number(row.touched_at);
    if (now - touched > this.#ttlMs) return undefined;
    if (now - touched > Math.min(TOUCH_EVERY_MS, this.#ttlMs / 10)) {
      await this.#db
        .updateTable('router_conversations')
        .set({ touched_at: now })
        .where('tenant', '=', key.tenant)
        .where('caller', '=', key.caller)
        .where('context_id', '=', key.contextId)
        .execute();
    }
    return { agent: row.agent, skill: row.skill ?? undefined, childContextId: row.child_context_id, childTaskId: row.child_task_id };
  }

  async set(key: ConversationKey, conversation: Conversation): Promise<void> {
    const values = { agent: conversation.agent, skill: conversation.skill ?? null, child_context_id: conversation.childContextId, child_task_id: conversation.childTaskId, touched_at: this.#now() };
    await this.#db
      .insertInto('router_conversations')
      .values({ tenant: key.tenant, caller: key.caller, context_id: key.contextId, ...values })
      .onConflict((oc) => oc.columns(['tenant', 'caller', 'context_id']).doUpdateSet(values))
      .execute();
  }

  /** Deletes the conversations idle longer than the TTL; returns how many. */
  async sweep(): Promise<number> {
    const result = await this.#db.deleteFrom('router_conversations').where('touched_at', '<', this.#now() - this.#ttlMs).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
