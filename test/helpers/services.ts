/**
 * Connection helpers for the services suite (real PostgreSQL and Redis).
 *
 * When a service is unreachable: with `REQUIRE_SERVICES=1` the helpers throw
 * (CI must not pass by skipping); otherwise they return an explicit skip
 * reason for the test's `skip` option, so a skip is always visible.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { WAIT_DEADLINE_MS } from './until.js';

/** PostgreSQL URL of the suite: `DATABASE_URL` or the local default. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Redis URL of the suite: `REDIS_URL` or the local default. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const required = (): boolean => process.env.REQUIRE_SERVICES === '1';

/** Lowercase random suffix, safe in a schema name or stream key. */
export function randomSuffix(): string {
  return randomBytes(6).toString('hex');
}

function unavailable(service: string, url: string, err: unknown): string {
  return skipOrThrow(`${service} not reachable at ${url}: ${err instanceof Error ? err.message : String(err)}`, err);
}

function skipOrThrow(reason: string, cause?: unknown): string {
  if (required()) throw new Error(`REQUIRE_SERVICES=1 but ${reason}`, { cause });
  return reason;
}

/**
 * Probes PostgreSQL. Resolves `false` when reachable, else a skip reason
 * (or throws under `REQUIRE_SERVICES=1`). Pass the result to `describe(name, { skip })`.
 */
export async function postgresSkipReason(): Promise<string | false> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return false;
  } catch (err) {
    return unavailable('PostgreSQL', DATABASE_URL, err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Probes Redis. Resolves `false` when reachable, else a skip reason
 * (or throws under `REQUIRE_SERVICES=1`).
 */
export async function redisSkipReason(): Promise<string | false> {
  const reason = await redisUnreachable(REDIS_URL);
  return reason === undefined ? false : skipOrThrow(reason);
}

/** Probes the Redis at `url`: undefined when it answers a PING, else why not (the suite's skip reason, a bench's). */
export async function redisUnreachable(url: string): Promise<string | undefined> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return undefined;
  } catch (err) {
    return `Redis not reachable at ${url}: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    redis.disconnect();
  }
}

/** A throwaway PostgreSQL schema and a URL whose connections use it as search_path. */
export interface TestSchema {
  name: string;
  /** `DATABASE_URL` with `options=-c search_path=<name>`: pg passes it as a startup parameter. */
  url: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** Runs `text` as the suite's superuser (`DATABASE_URL`) on a session of its own. */
export async function adminQuery(text: string): Promise<void> {
  await withPgClient(DATABASE_URL, async (client) => {
    await client.query(text);
  });
}

/**
 * Runs `use` on a session of its own to the database at `url` (a plain pg
 * client, outside any pool under test: what a test reads or breaks the
 * database with), and ends the session whatever `use` did.
 */
export async function withPgClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Creates schema `t_<random>` for one test file (or test) so runs never share tables. */
export async function createTestSchema(): Promise<TestSchema> {
  const name = `t_${randomSuffix()}`;
  await adminQuery(`CREATE SCHEMA ${name}`);
  const url = new URL(DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${name}`);
  return {
    name,
    url: url.toString(),
    drop: () => adminQuery(`DROP SCHEMA IF EXISTS ${name} CASCADE`),
  };
}

/** A unique Redis stream key for one test, `agentmesh:test:<random>`. */
export function uniqueStreamKey(): string {
  return `agentmesh:test:${randomSuffix()}`;
}

/** Deletes a Redis key (the test's stream). */
export async function deleteRedisKey(key: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.del(key);
  } finally {
    redis.disconnect();
  }
}

/**
 * Polls `probe` every `intervalMs` until it returns a value other than
 * undefined, or throws after `timeoutMs` (by default {@link WAIT_DEADLINE_MS},
 * long enough for a loaded CI machine, where a condition that holds returns
 * at once) naming `what`.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? WAIT_DEADLINE_MS);
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}
