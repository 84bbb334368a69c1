/**
 * The router's conversations (issue 21 §5): which specialist each router
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

export interface RouterTables {
  router_conversations: RouterConversationsTable;
}
