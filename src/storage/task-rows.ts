/** The rows of the task and push stores and their records: one mapping for both dialects. */
import { z } from 'zod';
import type { PushConfigsTable, TasksTable } from './schema.js';
import type { OutboxRecord, PushConfigRecord } from './push-store.js';
import type { TaskRecord } from './task-store.js';

/** One stored row of `tasks` (schema.ts), as both stores read it. */
export type TaskRow = TasksTable;

/**
 * A `tasks` row read outside Kysely (the PostgreSQL group commit's raw
 * lookup results), checked column by column: what a query builder's row type
 * promises, a raw driver result does not. Other columns (`ord`) are dropped.
 * BIGINT columns are numbers already (storage/database.ts parses them).
 */
const taskRowSchema = z.object({
  id: z.string(),
  agent: z.string(),
  tenant: z.string(),
  context_id: z.string(),
  state: z.string(),
  skill: z.string().nullable(),
  message_id: z.string().nullable(),
  message_key: z.number().nullable(),
  message_bucket: z.number().nullable(),
  version: z.number(),
  last_seq: z.number(),
  snapshot: z.string(),
  owner: z.string().nullable(),
  idempotent: z.number(),
  terminal: z.number(),
  created_at: z.number(),
  updated_at: z.number(),
});

/** A raw `tasks` row as a {@link TaskRow}; throws when a column is missing or of another type. */
export function parseTaskRow(row: Record<string, unknown>): TaskRow {
  return taskRowSchema.parse(row);
}

/** One stored row of `push_configs` (schema.ts), as both stores read it. */
export type PushConfigRow = PushConfigsTable;

/**
 * The record of a `tasks` row, for both dialects. PostgreSQL hands BIGINT
 * columns (the timestamps) over as strings, so they go through `Number()`,
 * which leaves SQLite's numbers as they are.
 */
export const toTask = (r: TaskRow): TaskRecord => ({
  id: r.id,
  agent: r.agent,
  tenant: r.tenant,
  contextId: r.context_id,
  state: r.state,
  skill: r.skill,
  messageId: r.message_id,
  version: r.version,
  lastSeq: r.last_seq,
  snapshot: r.snapshot,
  owner: r.owner,
  idempotent: r.idempotent === 1,
  terminal: r.terminal === 1,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

/** The record of a `push_configs` row, for both dialects; `originKey` only when the row has one (migration 0015). */
export const toPushConfig = (r: PushConfigRow): PushConfigRecord => ({
  taskId: r.task_id,
  id: r.id,
  tenant: r.tenant,
  config: r.config,
  protocol: r.protocol,
  createdAt: Number(r.created_at),
  ...(r.origin_key !== null && { originKey: r.origin_key }),
});

/** A `push_outbox` row as the claims return it, with its config's origin. */
export interface ClaimedRow {
  id: number | string;
  task_id: string;
  config_id: string;
  seq: number;
  attempts: number;
  created_at: number | string;
  origin_key: string | null;
}

/** The record of a claimed outbox row; `probe`: claimed as its failing origin's one probe. */
export const toOutboxRecord = (r: ClaimedRow, probe: boolean): OutboxRecord => ({
  id: Number(r.id),
  taskId: r.task_id,
  configId: r.config_id,
  seq: r.seq,
  attempts: r.attempts,
  createdAt: Number(r.created_at),
  originKey: r.origin_key,
  probe,
});
