import { LRUCache } from 'lru-cache';
import { ErrorCodes, invalidArgument } from '../../protocol/index.js';

/** Where a router conversation went: the specialist and its own context. */
export interface Conversation {
  agent: string;
  skill: string | undefined;
  /** The specialist's contextId: follow-ups go there, so it sees the history. */
  childContextId: string;
  /** The specialist's latest task in that context. */
  childTaskId: string;
}

/**
 * Whose conversation: the tenant, the caller and the router's contextId. A
 * client chooses its contextId, so the contextId alone must not let one
 * tenant (or caller) land in another's conversation.
 */
export interface ConversationKey {
  tenant: string;
  /** The caller's id; '' when anonymous. */
  caller: string;
  contextId: string;
}

/**
 * Remembers, per router conversation, which specialist it was handed to,
 * so a follow-up in the same context reaches the same specialist in its
 * context. Implementations: {@link MemoryConversationStore} (one process)
 * and `SqlConversationStore` (the orchestrator's database: shared by
 * replicas, kept across restarts).
 */
export interface ConversationStore {
  get(key: ConversationKey): Promise<Conversation | undefined>;
  set(key: ConversationKey, conversation: Conversation): Promise<void>;
}

/** Options of {@link MemoryConversationStore}. */
export interface MemoryConversationStoreOptions {
  /** Conversations kept; the least recently used goes first (10,000). */
  maxEntries?: number;
  /** A conversation idle this long is forgotten, ms (1 h). */
  ttlMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * An in-process {@link ConversationStore}: LRU with an idle TTL. A restart
 * (or another replica) forgets conversations; the next message is then
 * routed afresh, which is safe, only less sticky.
 *
 * @example
 * const store = new MemoryConversationStore({ maxEntries: 1000, ttlMs: 30 * 60_000 });
 */
export class MemoryConversationStore implements ConversationStore {
  // Least recently used first out; an LRU cache, not a Map trimmed from its front (which walks the holes V8 leaves at the head of its ordered hash table, ~5 µs an insert at 10,000 entries).
  readonly #entries: LRUCache<string, { conversation: Conversation; touched: number }>;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: MemoryConversationStoreOptions = {}) {
    const max = options.maxEntries ?? 10_000;
    this.#ttlMs = options.ttlMs ?? 3_600_000;
    this.#now = options.now ?? Date.now;
    if (!Number.isInteger(max) || max < 1) throw invalidArgument(ErrorCodes.CONFIG_INVALID, 'maxEntries', `must be a positive integer; got ${max}`, { expose: true });
    this.#entries = new LRUCache({ max });
    if (!Number.isFinite(this.#ttlMs) || this.#ttlMs <= 0) throw invalidArgument(ErrorCodes.CONFIG_INVALID, 'ttlMs', `must be a positive number of milliseconds; got ${this.#ttlMs}`, { expose: true });
  }

  /** Conversations held (expired ones included until they are next touched or evicted). */
  get size(): number {
    return this.#entries.size;
  }

  async get(key: ConversationKey): Promise<Conversation | undefined> {
    const id = keyString(key);
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    if (this.#now() - entry.touched > this.#ttlMs) {
      this.#entries.delete(id);
      return undefined;
    }
    entry.touched = this.#now();
    return entry.conversation;
  }

  async set(key: ConversationKey, conversation: Conversation): Promise<void> {
    this.#entries.set(keyString(key), { conversation: { ...conversation }, touched: this.#now() });
  }
}

/** One string per key; JSON, so no separator inside a part can make two keys collide. */
function keyString(key: ConversationKey): string {
  return JSON.stringify([key.tenant, key.caller, key.contextId]);
}
