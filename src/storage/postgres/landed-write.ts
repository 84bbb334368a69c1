import type { Kysely } from 'kysely';
import { packEvents } from '../event-rows.js';
import type { Tables } from '../schema.js';
import type { CreateWrite, AppendWrite } from './write-batch.js';

/**
 * Whether a task write is in the store as this writer made it. A group
 * commit's batch whose COMMIT answer was lost may have committed; the write
 * retried alone then meets its own version (or its own row), and this tells
 * that from another writer's: its events are at their seqs byte for byte
 * (their payloads carry the events' own ids and times), and while the row is
 * still at the version the write made, it holds the write's snapshot too.
 */
export async function hasLanded(db: Kysely<Tables>, write: CreateWrite | AppendWrite): Promise<boolean> {
  const { taskId, events, now, snapshot, versionAfter } =
    write.kind === 'create'
      ? { taskId: write.task.id, events: write.task.events, now: write.task.now, snapshot: write.task.snapshot, versionAfter: write.task.events.length }
      : { taskId: write.change.taskId, events: write.change.events, now: write.change.now, snapshot: write.change.snapshot, versionAfter: write.change.expectedVersion + 1 };
  const row = await db.selectFrom('tasks').select(['version', 'snapshot']).where('id', '=', taskId).executeTakeFirst();
  if (row === undefined || row.version < versionAfter) return false;
  if (row.version === versionAfter && snapshot !== undefined && row.snapshot !== snapshot) return false;
  // A write of no event (a release, a lagging snapshot) is known by its snapshot alone, while the row is at it.
  if (events.length === 0) return row.version === versionAfter && snapshot !== undefined;
  const mine = packEvents(taskId, events, now);
  const stored = await db.selectFrom('task_events').select(['last_seq', 'kind', 'payload', 'created_at']).where('task_id', '=', taskId).where('seq', '=', mine.seq).executeTakeFirst();
  return stored !== undefined && stored.last_seq === mine.last_seq && stored.kind === mine.kind && stored.payload === mine.payload && Number(stored.created_at) === now;
}
