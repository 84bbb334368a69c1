/**
 * Counts, inside one bench process, the PostgreSQL statements and
 * transactions and the Redis commands it sends: the round trips a role
 * makes per task, attributed to that role. The servers' own counters
 * cannot say which role (or which other client on a shared server) sent
 * what; these can. Installed only in processes started on PostgreSQL and
 * Redis, before the role opens its pool, by wrapping the drivers' one
 * send method (pg's `Client#query`, ioredis's `Redis#sendCommand`, which
 * pipelines and MULTI go through as well).
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a process sent so far. */
export interface CallCounts {
  /** Statements sent to PostgreSQL: each is one round trip (pg does not pipeline). */
  pgStatements: number;
  /** Transactions opened (`begin` / `start transaction`). */
  pgTransactions: number;
  /** Commands sent to Redis. */
  redisCommands: number;
}

const counts: CallCounts = { pgStatements: 0, pgTransactions: 0, redisCommands: 0 };
let installed = false;

/**
 * `AGENTMESH_BENCH_STATEMENTS=<dir>`: each process also tallies what it sent
 * by statement (its first 100 characters, whitespace folded) and by Redis
 * command name; {@link writeTally} writes what was sent since its previous
 * call to `<dir>/sent-<role>-<pid>-<n>.txt`. The scale bench asks for its
 * counters before and after the measured load, so the second file of a
 * process is the measured load's: which statements a per-call figure is
 * made of.
 */
const tallyDir = process.env['AGENTMESH_BENCH_STATEMENTS'];
let tally = new Map<string, number>();
let tallies = 0;

function count(what: string): void {
  tally.set(what, (tally.get(what) ?? 0) + 1);
}

/** Writes (when asked to, `AGENTMESH_BENCH_STATEMENTS`) what was sent since the previous call, most sent first, and starts over. */
export function writeTally(role: string): void {
  if (tallyDir === undefined) return;
  const lines = [...tally.entries()].sort((a, b) => b[1] - a[1]).map(([what, n]) => `${n}\t${what}`);
  writeFileSync(join(tallyDir, `sent-${role}-${process.pid}-${++tallies}.txt`), `${lines.join('\n')}\n`);
  tally = new Map();
}

const BEGIN = /^\s*(begin|start\s+transaction)\b/i;

/** The statement's text, whichever of pg's call forms was used (`text, values` or a config object). */
export function statementText(first: unknown): string | undefined {
  if (typeof first === 'string') return first;
  if (typeof first === 'object' && first !== null && typeof (first as { text?: unknown }).text === 'string') return (first as { text: string }).text;
  return undefined;
}

/** True for a statement that opens a transaction. */
export function opensTransaction(text: string | undefined): boolean {
  return text !== undefined && BEGIN.test(text);
}

/** Wraps the drivers' send methods once; later calls are no-ops. */
export async function installCallCounters(): Promise<void> {
  if (installed) return;
  installed = true;
  const { default: pg } = await import('pg');
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (pg.Client.prototype as { query: (...args: unknown[]) => unknown }).query = function (this: unknown, ...args: unknown[]) {
    counts.pgStatements++;
    const text = statementText(args[0]);
    if (opensTransaction(text)) counts.pgTransactions++;
    if (tallyDir !== undefined) count(`pg ${(text ?? '?').replace(/\s+/g, ' ').trim().slice(0, 100)}`);
    return query.apply(this, args);
  };
  const { Redis } = await import('ioredis');
  const sendCommand = Redis.prototype.sendCommand as (...args: unknown[]) => unknown;
  (Redis.prototype as { sendCommand: (...args: unknown[]) => unknown }).sendCommand = function (this: unknown, ...args: unknown[]) {
    counts.redisCommands++;
    if (tallyDir !== undefined) count(`redis ${String((args[0] as { name?: unknown } | undefined)?.name ?? '?')}`);
    return sendCommand.apply(this, args);
  };
}

/** The counts so far (a copy). */
export function callCounts(): CallCounts {
  return { ...counts };
}
