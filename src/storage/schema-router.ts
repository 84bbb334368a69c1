/**
 * The router's conversations (docs/orchestrator.md#routing): which specialist each router
 * conversation was handed to, so a follow-up reaching any replica, or a
 * restarted one, goes on with the same specialist in its own context.
 */
export interface RouterConversationsTable {
  tenant: string;
  /** The caller's id ('' when anonymous): a contextId is the client's choice, so it alone opens nothing. */
  caller: string;
  /** The router's contextId, as the client sent it. */
  context_id: string;
  agent: string;
  skill: string | null;
  /** The specialist's own contextId, where its history is. */
  child_context_id: string;
  /** The specialist's latest task in that context. */
  child_task_id: string;
  /** Last written or read, ms since the epoch: idle conversations expire from it. */
  touched_at: number;
}

/** Requests users confirmed for a route (ADR 0019): examples the router's ranking counts, per tenant. */
export interface RouterLearnedRoutesTable {
  tenant: string;
  /** The agent's name, or `workflow:<name>`. */
  candidate: string;
  /** The request text as the user wrote it (clipped). */
  request: string;
  /** ms since the epoch. */
  created_at: number;
}

export interface RouterTables {
  router_conversations: RouterConversationsTable;
  router_learned_routes: RouterLearnedRoutesTable;
}
