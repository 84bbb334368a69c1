/**
 * The measuring side of the store part (forked by store-bench.ts, one fresh
 * process per target and round): writes `tasks` SendMessage-sized tasks in
 * group-commit batches and reports wall and CPU time per task over IPC.
 *
 * Targets, all on a fresh database opened by `createDatabase` (WAL,
 * synchronous=NORMAL, the off-loop checkpointer), so they differ only in what
 * a task write does:
 * - `bare`: the same bytes (task row with its snapshot, one event row) into
 *   two tables with no secondary index — the floor for writing them;
 * - `bare-random-index`: the same plus one index on a random 52-bit integer
 *   per task — what a dedupe index over client-chosen message ids costs;
 * - `store`: `SqliteTaskStore.create`, the runtime's real write (its five
 *   task indexes, the messageId key and its Bloom filter, the event row).
 */
import { join } from 'node:path';
import { createDatabase, SqliteTaskStore, uuidv7 } from '../../src/storage/index.js';
import { messageKey } from '../../src/storage/message-key.js';

export type StoreTarget = 'bare' | 'bare-random-index' | 'store';

/** What the harness sends. */
export interface StoreRunRequest {
  target: StoreTarget;
  dataDir: string;
  tasks: number;
  /** Writes committed together (the runtime's group commit under 50 connections). */
  batch: number;
}

/** What the process answers. */
export interface StoreRunResult {
  target: StoreTarget;
  tasks: number;
  wallUsPerTask: number;
  cpuUsPerTask: number;
}

/** A completed bench task as the runtime stores it: ~530 B snapshot, ~1,050 B of four events. */
function taskContent(id: string, contextId: string, messageId: string, at: string): { snapshot: string; events: string[] } {
  const user = `{"messageId":"${messageId}","contextId":"${contextId}","taskId":"${id}","role":"ROLE_USER","parts":[{"text":"score lead 42"}]}`;
  const artifact = `{"artifactId":"${uuidv7()}","name":"answer","parts":[{"text":"lead 42 scored 87"}]}`;
  const snapshot = `{"id":"${id}","contextId":"${contextId}","status":{"state":"TASK_STATE_COMPLETED","timestamp":"${at}"},"artifacts":[${artifact}],"history":[${user}],"metadata":{"skillId":"echo"}}`;
  const events = [
    `{"task":{"id":"${id}","contextId":"${contextId}","status":{"state":"TASK_STATE_SUBMITTED","timestamp":"${at}"},"history":[${user}],"metadata":{"skillId":"echo"}}}`,
    `{"statusUpdate":{"taskId":"${id}","contextId":"${contextId}","status":{"state":"TASK_STATE_WORKING","timestamp":"${at}"}}}`,
    `{"artifactUpdate":{"taskId":"${id}","contextId":"${contextId}","artifact":${artifact}}}`,
    `{"statusUpdate":{"taskId":"${id}","contextId":"${contextId}","status":{"state":"TASK_STATE_COMPLETED","timestamp":"${at}"}}}`,
  ];
  return { snapshot, events };
}

const EVENT_KINDS = ['task', 'status', 'artifact', 'status'] as const;

async function run(request: StoreRunRequest): Promise<StoreRunResult> {
  const database = await createDatabase({ sqlitePath: join(request.dataDir, 'store.db') });
  const raw = database.sqlite!;
  let write: (n: number) => Promise<void>;
  if (request.target === 'store') {
    const store = new SqliteTaskStore({ sqlite: raw });
    write = (n) => {
      const id = uuidv7();
      const contextId = uuidv7();
      const messageId = `bench-${n}-${Math.random().toString(36).slice(2)}`;
      const now = Date.now();
      const { snapshot, events } = taskContent(id, contextId, messageId, new Date(now).toISOString());
      return store.create({
        id,
        agent: 'bench',
        tenant: '',
        contextId,
        state: 'TASK_STATE_COMPLETED',
        skill: 'echo',
        messageId,
        snapshot,
        owner: null,
        idempotent: false,
        terminal: true,
        events: events.map((payload, i) => ({ seq: i + 1, kind: EVENT_KINDS[i]!, payload })),
        now,
      });
    };
  } else {
    const indexed = request.target === 'bare-random-index';
    raw.exec(`CREATE TABLE bench_tasks (id TEXT PRIMARY KEY, message_key INTEGER, snapshot TEXT NOT NULL, created_at INTEGER NOT NULL);
              CREATE TABLE bench_events (task_id TEXT NOT NULL, seq INTEGER NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (task_id, seq));
              ${indexed ? 'CREATE INDEX bench_tasks_message ON bench_tasks (message_key);' : ''}`);
    const insertTask = raw.prepare('INSERT INTO bench_tasks (id, message_key, snapshot, created_at) VALUES (?, ?, ?, ?)');
    const insertEvent = raw.prepare('INSERT INTO bench_events (task_id, seq, payload) VALUES (?, 1, ?)');
    let queue: Array<{ row: () => void; done: () => void }> = [];
    const commit = raw.transaction((writes: Array<{ row: () => void }>) => {
      for (const w of writes) w.row();
    });
    write = (n) =>
      new Promise<void>((done) => {
        const id = uuidv7();
        const messageId = `bench-${n}-${Math.random().toString(36).slice(2)}`;
        const now = Date.now();
        const { snapshot, events } = taskContent(id, uuidv7(), messageId, new Date(now).toISOString());
        const row = (): void => {
          insertTask.run(id, indexed ? messageKey('bench', '', messageId) : null, snapshot, now);
          // One row for the write's events, as the store packs them.
          insertEvent.run(id, events.join('\n'));
        };
        // Group commit as the store does it: everything queued this turn, one transaction, then every promise.
        if (queue.push({ row, done }) === 1) {
          setImmediate(() => {
            const writes = queue;
            queue = [];
            commit(writes);
            for (const w of writes) w.done();
          });
        }
      });
  }
  // Warm-up: JIT and the first pages, not measured.
  for (let n = 0; n < 5_000; n += request.batch) await Promise.all(Array.from({ length: request.batch }, (_, i) => write(n + i)));
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let n = 0; n < request.tasks; n += request.batch) await Promise.all(Array.from({ length: request.batch }, (_, i) => write(5_000 + n + i)));
  const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await database.close();
  return { target: request.target, tasks: request.tasks, wallUsPerTask: wallUs / request.tasks, cpuUsPerTask: (cpu.user + cpu.system) / request.tasks };
}

process.once('message', (request: StoreRunRequest) => {
  run(request).then(
    (result) => process.send!({ type: 'result', result }, () => process.exit(0)),
    (err: unknown) => process.send!({ type: 'error', message: err instanceof Error ? err.message : String(err) }, () => process.exit(1)),
  );
});
