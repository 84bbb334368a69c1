import { deliberateFault } from '../deliberate-faults.js';
import { packEvents } from '../event-rows.js';
import { messageBucket, messageBuckets, messageKey } from '../message-key.js';
import type { NewTask, TaskAppend } from '../task-store.js';
import { intLiteral, textLiteral } from './sql-literals.js';

/**
 * The fence against a writer whose lease was taken over: its write must be made against the row's
 * version. Off only in a build broken on purpose for tests (deliberate-faults.ts): the check goes,
 * and the events at seqs the new owner already wrote are dropped rather than failing the write.
 */
const UNFENCED = deliberateFault('fencing-off');
const FENCED = UNFENCED ? '' : ' AND t.version = u.expected';
const ON_SEQ_TAKEN = UNFENCED ? ' ON CONFLICT DO NOTHING' : '';
/** The outbox rows in the events' transaction; apart, after its commit, only in a build broken on purpose for tests. */
const OUTBOX_APART = deliberateFault('outbox-outside-transaction');

/**
 * One batch of the PostgreSQL task store's hot path, as one multi-statement
 * query: one round trip and one commit for every write and retried-send
 * lookup that arrived while the previous batch was in flight (ADR 0022).
 *
 * `BEGIN; <per tenant: scope, lookups, creates, appends>; COMMIT`; a batch of
 * lookups alone is just their function calls (a read needs no BEGIN). Each
 * tenant's statements run under that tenant's transaction-local marker
 * (`set_config(…, true)`), so row security checks every row against the
 * tenant it is written for, and nothing outlives the transaction (PgBouncer
 * in transaction mode). Appends that name no tenant run first, under the
 * connection's own scope, as a lone write does.
 */

/** A retried-send lookup (`findByMessage`). */
export interface LookupWrite {
  kind: 'lookup';
  agent: string;
  tenant: string;
  messageId: string;
  now: number;
}

export interface CreateWrite {
  kind: 'create';
  task: NewTask;
}

export interface AppendWrite {
  kind: 'append';
  change: TaskAppend;
}

export type BatchWrite = LookupWrite | CreateWrite | AppendWrite;

/** Where each write's outcome is in the query's results. */
export interface BatchPlan {
  text: string;
  /** Result index of each group's lookup SELECT (rows carry `ord`). */
  lookupResults: number[];
  /** Result index of each group's append statement (rows: the `ord` of every append whose version matched). */
  appendResults: number[];
  /**
   * Only in a build broken on purpose for tests (deliberate-faults.ts, `outbox-outside-transaction`):
   * the outbox rows, as a query of their own to run after the batch committed, given the appends applied.
   */
  outboxAfterCommit?: (applied: ReadonlySet<number>) => string | undefined;
}

const TASK_COLUMNS = 'id, agent, tenant, context_id, state, skill, message_id, message_key, message_bucket, version, last_seq, snapshot, owner, idempotent, terminal, created_at, updated_at';
const EVENT_COLUMNS = 'task_id, seq, last_seq, kind, payload, created_at';
const OUTBOX_COLUMNS = 'task_id, config_id, seq, state, attempts, next_attempt_at, created_at, updated_at';

/** One row per event of `rows` (seq..last_seq) and push config of its task: the transactional outbox. */
const outboxFrom = (rows: string) =>
  `INSERT INTO push_outbox (${OUTBOX_COLUMNS}) SELECT c.task_id, c.id, s.seq, 'pending', 0, e.created_at, e.created_at, e.created_at
  FROM ${rows} CROSS JOIN LATERAL generate_series(e.seq, e.last_seq) AS s(seq) JOIN push_configs c ON c.task_id = e.task_id
  ORDER BY e.task_id, s.seq, c.id`;

/** The VALUES row of a task insert; throws UnwritableLiteral for a value that cannot be inlined. */
function taskRow(t: NewTask): string {
  const hasMessage = t.messageId !== null;
  const lastSeq = t.events.length === 0 ? 0 : t.events[t.events.length - 1]!.seq;
  return `(${[
    textLiteral(t.id),
    textLiteral(t.agent),
    textLiteral(t.tenant),
    textLiteral(t.contextId),
    textLiteral(t.state),
    textLiteral(t.skill),
    textLiteral(t.messageId),
    intLiteral(hasMessage ? messageKey(t.agent, t.tenant, t.messageId!) : null),
    intLiteral(hasMessage ? messageBucket(t.now) : null),
    intLiteral(t.events.length),
    intLiteral(lastSeq),
    textLiteral(t.snapshot),
    textLiteral(t.owner),
    t.idempotent ? '1' : '0',
    t.terminal ? '1' : '0',
    intLiteral(t.now),
    intLiteral(t.now),
  ].join(', ')})`;
}

function eventRow(taskId: string, events: NewTask['events'], now: number, ord?: number): string {
  const row = packEvents(taskId, events, now);
  const values = [textLiteral(row.task_id), intLiteral(row.seq), intLiteral(row.last_seq), textLiteral(row.kind), textLiteral(row.payload), intLiteral(row.created_at)];
  return `(${ord === undefined ? '' : `${ord}, `}${values.join(', ')})`;
}

function appendRow(c: TaskAppend, ord: number): string {
  const lastSeq = c.events.length === 0 ? -1 : c.events[c.events.length - 1]!.seq;
  const setOwner = c.owner !== undefined;
  return `(${[
    String(ord),
    textLiteral(c.taskId),
    intLiteral(c.expectedVersion),
    textLiteral(c.state),
    textLiteral(c.snapshot ?? null),
    c.terminal ? '1' : '0',
    intLiteral(lastSeq),
    intLiteral(c.now),
    setOwner ? 'true' : 'false',
    textLiteral(setOwner ? (c.owner ?? null) : null),
  ].join(', ')})`;
}

/**
 * The SQL fragments of one write, built before the batch is assembled so a
 * write whose values cannot be inlined is set aside alone (it throws).
 */
export type WriteFragments =
  | { kind: 'lookup'; ord: string; key: string; agent: string; messageId: string; firstBucket: string; lastBucket: string; buckets: number[] }
  | { kind: 'create'; task: string; events: string | undefined; outbox: string | undefined; claim: MessageClaim | undefined }
  | { kind: 'append'; row: string; events: string | undefined };

export function fragmentsOf(write: BatchWrite, ord: number): WriteFragments {
  switch (write.kind) {
    case 'lookup': {
      const buckets = messageBuckets(write.now);
      return {
        kind: 'lookup',
        ord: String(ord),
        key: intLiteral(messageKey(write.agent, write.tenant, write.messageId)),
        agent: textLiteral(write.agent),
        messageId: textLiteral(write.messageId),
        firstBucket: intLiteral(Math.min(...buckets)),
        lastBucket: intLiteral(messageBucket(write.now)),
        buckets,
      };
    }
    case 'create': {
      const t = write.task;
      const events = t.events.length === 0 ? undefined : eventRow(t.id, t.events, t.now);
      const outbox = t.pushConfigured && t.events.length > 0 ? `(${textLiteral(t.id)}, ${intLiteral(t.events[0]!.seq)}, ${intLiteral(t.events[t.events.length - 1]!.seq)}, ${intLiteral(t.now)})` : undefined;
      return { kind: 'create', task: taskRow(t), events, outbox, claim: claimOf(t) };
    }
    case 'append': {
      const c = write.change;
      return { kind: 'append', row: appendRow(c, ord), events: c.events.length === 0 ? undefined : eventRow(c.taskId, c.events, c.now, ord) };
    }
  }
}

/** The messageId a new task claims (migration 0030), as literals of the claim function's arrays. */
export interface MessageClaim {
  id: string;
  key: string;
  agent: string;
  messageId: string;
}

/** A task created under a messageId claims it, unless it is another message under a reused id (ADR 0046). */
function claimOf(t: NewTask): MessageClaim | undefined {
  if (t.messageId === null || t.messageIdReused === true) return undefined;
  return { id: textLiteral(t.id), key: intLiteral(messageKey(t.agent, t.tenant, t.messageId)), agent: textLiteral(t.agent), messageId: textLiteral(t.messageId) };
}

/**
 * One tenant's creates claiming their messageIds before their rows go in: the function raises `AMMSG`
 * (the batch rolls back, each create is retried alone) when a task of one of them exists in the window
 * a lookup at `now` searches.
 */
export function claimStatement(tenant: string, claims: readonly MessageClaim[], now: number): string {
  const array = (pick: (c: MessageClaim) => string, type: string) => `ARRAY[${claims.map(pick).join(', ')}]::${type}[]`;
  return `SELECT agentmesh_claim_messages(${textLiteral(tenant)}, ${array((c) => c.id, 'text')}, ${array((c) => c.key, 'bigint')}, ${array((c) => c.agent, 'text')}, ${array((c) => c.messageId, 'text')}, ARRAY[${messageBuckets(now).join(', ')}]::int[])`;
}

interface Group {
  lookups: Extract<WriteFragments, { kind: 'lookup' }>[];
  buckets: Set<number>;
  claims: MessageClaim[];
  /** The newest create's clock: the window its claims are checked in. */
  claimedAt: number;
  tasks: string[];
  events: string[];
  outbox: string[];
  appends: string[];
  appendEvents: string[];
}

const emptyGroup = (): Group => ({ lookups: [], buckets: new Set(), claims: [], claimedAt: 0, tasks: [], events: [], outbox: [], appends: [], appendEvents: [] });

/** The tenant a write is checked against; undefined: the connection's own scope (an append that names none). */
function tenantOf(write: BatchWrite): string | undefined {
  return write.kind === 'lookup' ? write.tenant : write.kind === 'create' ? write.task.tenant : write.change.tenant;
}

/**
 * One tenant's retried-send lookups: a call of the function migration 0017
 * made, whose plan PostgreSQL keeps per connection (ADR 0032). Its rows
 * carry each lookup's `ord` beside the task's columns.
 */
function lookupStatement(tenant: string, lookups: readonly Extract<WriteFragments, { kind: 'lookup' }>[], buckets: ReadonlySet<number>): string {
  const array = (pick: (l: Extract<WriteFragments, { kind: 'lookup' }>) => string, type: string) => `ARRAY[${lookups.map(pick).join(', ')}]::${type}[]`;
  return `SELECT (r.task).*, r.ord FROM agentmesh_find_tasks_by_message(${textLiteral(tenant)}, ${array((l) => l.ord, 'int')}, ${array((l) => l.key, 'bigint')}, ${array((l) => l.agent, 'text')}, ${array((l) => l.messageId, 'text')}, ${array((l) => l.firstBucket, 'int')}, ${array((l) => l.lastBucket, 'int')}, ARRAY[${[...buckets].join(', ')}]::int[]) r`;
}

/**
 * Assembles the batch's query from writes whose fragments were built
 * (`fragments[i]` belongs to `writes[i]`, `ord` = i).
 */
export function planBatch(writes: readonly BatchWrite[], fragments: readonly WriteFragments[]): BatchPlan {
  const groups = new Map<string | undefined, Group>();
  // The unscoped group first: a tenant group's local marker would otherwise carry over to it.
  groups.set(undefined, emptyGroup());
  writes.forEach((write, i) => {
    const tenant = tenantOf(write);
    let group = groups.get(tenant);
    if (!group) groups.set(tenant, (group = emptyGroup()));
    const f = fragments[i]!;
    if (f.kind === 'lookup') {
      group.lookups.push(f);
      for (const b of f.buckets) group.buckets.add(b);
    } else if (f.kind === 'create') {
      group.tasks.push(f.task);
      if (f.claim) {
        group.claims.push(f.claim);
        group.claimedAt = Math.max(group.claimedAt, (write as CreateWrite).task.now);
      }
      if (f.events) group.events.push(f.events);
      if (f.outbox) group.outbox.push(f.outbox);
    } else {
      group.appends.push(f.row);
      if (f.events) group.appendEvents.push(f.events);
    }
  });
  // A batch of lookups alone is a read: its statements run in the one implicit transaction of the query text.
  const writing = writes.some((write) => write.kind !== 'lookup');
  const statements = writing ? ['BEGIN'] : [];
  const lookupResults: number[] = [];
  const appendResults: number[] = [];
  const apart: Array<(applied: ReadonlySet<number>) => string | undefined> = [];
  for (const [tenant, g] of groups) {
    if (g.lookups.length + g.tasks.length + g.appends.length === 0) continue;
    // The lookup function sets the marker itself; writes need it set for their statements.
    if (tenant !== undefined && g.tasks.length + g.appends.length > 0) statements.push(`SELECT set_config('agentmesh.scope', 'tenant', true), set_config('agentmesh.tenant', ${textLiteral(tenant)}, true)`);
    if (g.lookups.length > 0) {
      lookupResults.push(statements.length);
      statements.push(lookupStatement(tenant ?? '', g.lookups, g.buckets));
    }
    if (g.tasks.length > 0) {
      if (g.claims.length > 0) statements.push(claimStatement(tenant ?? '', g.claims, g.claimedAt));
      statements.push(`INSERT INTO tasks (${TASK_COLUMNS}) VALUES ${g.tasks.join(', ')}`);
      // A statement of its own, after the tasks: a child row's policy looks its parent up, and a CTE would not see it yet.
      if (g.events.length > 0) statements.push(`INSERT INTO task_events (${EVENT_COLUMNS}) VALUES ${g.events.join(', ')}`);
      if (g.outbox.length > 0) {
        const outbox = outboxFrom(`(VALUES ${g.outbox.join(', ')}) AS e(task_id, seq, last_seq, created_at)`);
        if (OUTBOX_APART) apart.push(() => inScope(tenant, outbox));
        else statements.push(outbox);
      }
    }
    if (g.appends.length > 0) {
      appendResults.push(statements.length);
      // The version check of a lone append, per row; only the appends it passed write their events and outbox rows.
      const withEvents =
        g.appendEvents.length === 0
          ? ''
          : `, e (ord, task_id, seq, last_seq, kind, payload, created_at) AS (VALUES ${g.appendEvents.join(', ')}),
          ev AS (INSERT INTO task_events (${EVENT_COLUMNS}) SELECT e.task_id, e.seq, e.last_seq, e.kind, e.payload, e.created_at FROM e WHERE e.ord IN (SELECT ord FROM upd)${ON_SEQ_TAKEN}
            RETURNING task_id, seq, last_seq, created_at)${OUTBOX_APART ? '' : `,
          ob AS (${outboxFrom('ev AS e')})`}`;
      if (OUTBOX_APART && g.appendEvents.length > 0) {
        const values = g.appendEvents.join(', ');
        apart.push((applied) =>
          applied.size === 0 ? undefined : inScope(tenant, outboxFrom(`(SELECT * FROM (VALUES ${values}) AS v (ord, task_id, seq, last_seq, kind, payload, created_at) WHERE v.ord IN (${[...applied].join(', ')})) AS e`)),
        );
      }
      statements.push(
        `WITH u (ord, id, expected, state, snapshot, terminal, last_seq, now, set_owner, owner) AS (VALUES ${g.appends.join(', ')}),
        upd AS (UPDATE tasks t SET state = u.state, snapshot = coalesce(u.snapshot, t.snapshot), terminal = u.terminal, last_seq = greatest(t.last_seq, u.last_seq),
            updated_at = u.now, version = t.version + 1, owner = CASE WHEN u.set_owner THEN u.owner ELSE t.owner END
          FROM u WHERE t.id = u.id${FENCED} RETURNING u.ord)${withEvents}
        SELECT ord FROM upd`,
      );
    }
  }
  if (writing) statements.push('COMMIT');
  const plan: BatchPlan = { text: statements.join(';\n'), lookupResults, appendResults };
  if (apart.length > 0) {
    plan.outboxAfterCommit = (applied) => {
      const texts = apart.map((statement) => statement(applied)).filter((text) => text !== undefined);
      return texts.length === 0 ? undefined : texts.join(';\n');
    };
  }
  return plan;
}

/** One statement in a transaction of its own, as `tenant` (row security) when it names one. */
function inScope(tenant: string | undefined, statement: string): string {
  const scope = tenant === undefined ? '' : `SELECT set_config('agentmesh.scope', 'tenant', true), set_config('agentmesh.tenant', ${textLiteral(tenant)}, true);\n`;
  return `BEGIN;\n${scope}${statement};\nCOMMIT`;
}
