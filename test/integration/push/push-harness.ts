/**
 * Shared set-up of the push delivery integration tests: a real SQLite file
 * with the runtime stores, a real webhook server on 127.0.0.1 (port 0) that
 * also serves the agent's JWKS, the real SSRF guard with that server
 * allow-listed, and a worker on a fake clock that the tests drive with
 * `runOnce()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LookupAddress } from 'node:dns';
import { createSsrfGuard } from '../../../src/http/index.js';
import type { SsrfGuard } from '../../../src/http/index.js';
import { createLogger, createMetrics } from '../../../src/observability/index.js';
import type { Metrics } from '../../../src/observability/index.js';
import { createDatabase, createRuntimeStores } from '../../../src/storage/index.js';
import type { Database, RuntimeStores } from '../../../src/storage/index.js';
import { PushDeliveryWorker, createPushSigner, loadSigningKey } from '../../../src/runtime/push/index.js';
import type { PushDeliveryWorkerOptions, SigningKey } from '../../../src/runtime/push/index.js';

/** Start of the fake clock: 2025-06-01T12:00:00Z. */
export const T0 = Date.parse('2025-06-01T12:00:00Z');
export const ISSUER = 'https://agents.example.com/agents/sales';

/** One notification the webhook received. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  /** Raw body bytes, as the signature covers them. */
  raw: Buffer;
  json: Record<string, unknown>;
}

/** How the webhook answers the next request. */
export type Reply = { status: number; headers?: Record<string, string> } | 'hang';

export interface Harness {
  database: Database;
  stores: RuntimeStores;
  worker: PushDeliveryWorker;
  /** The options the worker was built with. */
  workerOptions: PushDeliveryWorkerOptions;
  metrics: Metrics;
  key: SigningKey;
  guard: SsrfGuard;
  /** The fake clock; advance it with `clock.now += ms`. */
  clock: { now: number };
  /** Base URL of the webhook server, e.g. `http://127.0.0.1:41234`. */
  origin: string;
  /** The agent's JWKS, served by the same local server. */
  jwksUrl: string;
  received: Received[];
  /** Decides each webhook answer; default 200. */
  reply: (req: Received) => Reply;
  /** Resolves the next time a notification arrives. */
  nextRequest(): Promise<Received>;
  /** Releases requests answered with `'hang'` with this status. */
  releaseHung(status: number): void;
  createTask(id: string): Promise<void>;
  putConfig(taskId: string, config: { id: string; url: string; token?: string; authentication?: { scheme: string; credentials: string } }, protocol?: '1.0' | '0.3'): Promise<void>;
  /** Appends StreamResponse v1 events (`kind` as the runtime would store it). */
  append(taskId: string, events: Array<{ kind: 'task' | 'status' | 'artifact' | 'history'; payload: object }>): Promise<void>;
  /** Runs cycles until one claims nothing; returns the rows claimed in all. */
  drain(): Promise<number>;
  outbox(): Promise<Array<{ task_id: string; config_id: string; seq: number; state: string; attempts: number; last_error: string | null }>>;
  counter(name: string, labels: Record<string, string>): Promise<number>;
}

export interface HarnessOptions {
  worker?: Partial<PushDeliveryWorkerOptions>;
  /** DNS answers the guard sees, by host name (others: ENOTFOUND). */
  dns?: Record<string, string>;
  /** Collects the worker's log lines (level debug) when given. */
  logLines?: string[];
}

export async function startHarness(t: { after(fn: () => Promise<void> | void): void }, options: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-push-'));
  const database = await createDatabase({ sqlitePath: join(dir, 'mesh.db') });
  const stores = createRuntimeStores(database);
  const logLines = options.logLines;
  const logger =
    logLines === undefined ? createLogger({ level: 'silent' }) : createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } as never });
  const metrics = createMetrics({ defaultMetrics: false });
  const key = await loadSigningKey({ file: join(dir, 'signing-key.json'), logger });
  const clock = { now: T0 };

  const received: Received[] = [];
  const waiters: Array<(r: Received) => void> = [];
  const hung: Array<(status: number) => void> = [];

  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/.well-known/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify(key.jwks()));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const r: Received = { path: req.url ?? '', headers: req.headers, raw, json: JSON.parse(raw.toString('utf8')) as Record<string, unknown> };
      received.push(r);
      const answer = harness.reply(r);
      waiters.splice(0).forEach((w) => w(r));
      if (answer === 'hang') {
        hung.push((status) => res.writeHead(status).end());
        return;
      }
      res.writeHead(answer.status, answer.headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  const answers = options.dns ?? {};
  const lookup = ((host: string, _opts: unknown, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => {
    const address = answers[host] ?? (host === '127.0.0.1' ? '127.0.0.1' : undefined);
    if (address === undefined) callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), []);
    else callback(null, [{ address, family: address.includes(':') ? 6 : 4 }]);
  }) as never;
  // Only loopback (this test's servers) is allow-listed; everything else gets the production rules.
  const guard = createSsrfGuard({ allowHosts: ['127.0.0.1'], lookup });

  const workerOptions: PushDeliveryWorkerOptions = {
    taskStore: stores.tasks,
    pushStore: stores.push,
    guard,
    signer: createPushSigner({ key }),
    logger,
    metrics,
    replicaId: 'replica-a',
    agentBaseUrl: ISSUER,
    now: () => clock.now,
    random: () => 1,
    statsIntervalMs: 0,
    ...options.worker,
  };
  const worker = new PushDeliveryWorker(workerOptions);

  const tasks = new Map<string, { version: number; seq: number }>();

  const harness: Harness = {
    database,
    stores,
    worker,
    workerOptions,
    metrics,
    key,
    guard,
    clock,
    origin,
    jwksUrl: `${origin}/.well-known/jwks.json`,
    received,
    reply: () => ({ status: 200 }),
    nextRequest: () => new Promise((resolve) => waiters.push(resolve)),
    releaseHung: (status) => hung.splice(0).forEach((release) => release(status)),
    async createTask(id) {
      const payload = { task: { id, contextId: `ctx-${id}`, status: { state: 'TASK_STATE_SUBMITTED' } } };
      await stores.tasks.create({
        id,
        agent: 'sales',
        tenant: 'default',
        contextId: `ctx-${id}`,
        state: 'TASK_STATE_SUBMITTED',
        skill: null,
        messageId: null,
        snapshot: JSON.stringify(payload.task),
        owner: 'replica-a',
        idempotent: false,
        terminal: false,
        events: [{ seq: 1, kind: 'task', payload: JSON.stringify(payload) }],
        now: clock.now,
      });
      tasks.set(id, { version: 1, seq: 1 });
    },
    async putConfig(taskId, config, protocol = '1.0') {
      await stores.push.putConfig({
        taskId,
        id: config.id,
        tenant: 'default',
        config: JSON.stringify({ tenant: 'default', taskId, ...config }),
        protocol,
        createdAt: clock.now,
      });
    },
    async append(taskId, events) {
      const task = tasks.get(taskId)!;
      const stored = events.map((e) => ({ seq: ++task.seq, kind: e.kind, payload: JSON.stringify(e.payload) }));
      await stores.tasks.append({
        taskId,
        expectedVersion: task.version,
        state: 'TASK_STATE_WORKING',
        snapshot: JSON.stringify({ id: taskId }),
        terminal: false,
        events: stored,
        now: clock.now,
      });
      task.version++;
    },
    async drain() {
      let total = 0;
      for (let n = await worker.runOnce(); n > 0; n = await worker.runOnce()) total += n;
      return total;
    },
    async outbox() {
      return database.db
        .selectFrom('push_outbox')
        .select(['task_id', 'config_id', 'seq', 'state', 'attempts', 'last_error'])
        .orderBy('id')
        .execute();
    },
    async counter(name, labels) {
      const metric = metrics.registry.getSingleMetric(name);
      if (metric === undefined) return 0;
      const { values } = await metric.get();
      const hit = values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
      return hit?.value ?? 0;
    },
  };

  t.after(async () => {
    await worker.stop();
    harness.releaseHung(200);
    await guard.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return harness;
}

/** v1 StreamResponse payloads of a task's life, as the runtime stores them. */
export const events = {
  status: (taskId: string, state: string) => ({
    kind: 'status' as const,
    payload: { statusUpdate: { taskId, contextId: `ctx-${taskId}`, status: { state } } },
  }),
  artifact: (taskId: string, text: string) => ({
    kind: 'artifact' as const,
    payload: { artifactUpdate: { taskId, contextId: `ctx-${taskId}`, artifact: { artifactId: 'a-1', parts: [{ text }] }, append: false, lastChunk: true } },
  }),
  userMessage: (taskId: string, text: string) => ({
    kind: 'history' as const,
    payload: { message: { messageId: `m-${text}`, taskId, contextId: `ctx-${taskId}`, role: 'ROLE_USER', parts: [{ text }] } },
  }),
};
