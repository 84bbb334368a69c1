/**
 * What every `agentmesh audit …` command shares: `--data-dir`, opening the
 * database straight (no server involved), and writing JSON lines.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { sql } from 'kysely';
import { createAuditLog, type AuditLog } from '../../../audit/index.js';
import { createLogger, createMetrics } from '../../../observability/index.js';
import { AgentmeshError, ErrorCodes } from '../../../protocol/index.js';
import type { Database } from '../../../storage/index.js';
import { openDirectDatabase } from '../../config/direct-database.js';
import type { CliContext, TextSink } from '../../io/cli-io.js';
import type { ExitCode } from '../../io/exit-codes.js';

/** Parsed value of the shared option. */
export interface AuditDatabaseFlags {
  dataDir?: string;
}

/** Adds `--data-dir` to `command`. */
export function addAuditDatabaseOptions(command: Command): Command {
  return command.option('--data-dir <dir>', 'where the SQLite file mesh.db lives (env AGENTMESH_DATA_DIR; default ./.agentmesh); DATABASE_URL=postgres://… reads PostgreSQL instead');
}

/** Parses a non-negative integer option value (a seq). */
export function seqNumber(what: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError(`expected a non-negative integer (${what})`);
    return Number(value);
  };
}

/** Parses an integer option value from 1 to `max`. */
export function countNumber(what: string, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1 || n > max) {
      throw new InvalidArgumentError(max === Number.MAX_SAFE_INTEGER ? `expected a positive integer (${what})` : `expected an integer from 1 to ${max} (${what})`);
    }
    return n;
  };
}

/** Parses an ISO 8601 date or date-time and returns it unchanged. */
export function isoTime(value: string): string {
  if (Number.isNaN(Date.parse(value))) throw new InvalidArgumentError('expected an ISO 8601 date or date-time, such as 2026-08-01 or 2026-08-01T12:00:00Z');
  return value;
}

/**
 * Opens the database the gateway writes (PostgreSQL from `DATABASE_URL`, else
 * `<data-dir>/mesh.db`) without migrating it, runs `body` with an audit log
 * over it, and records the exit code. A missing file or table is an error
 * that names what was looked for, not an empty chain.
 */
export async function runAuditCommand(ctx: CliContext, flags: AuditDatabaseFlags, body: (audit: AuditLog) => Promise<ExitCode>): Promise<void> {
  const { database, where } = await openDatabase(ctx, flags);
  const audit = createAuditLog({ database, logger: createLogger({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }) });
  try {
    try {
      await sql`select 1 from audit_log where 0 = 1`.execute(database.db);
    } catch (err) {
      throw new AgentmeshError(ErrorCodes.STORAGE_UNAVAILABLE, `${where} has no audit_log table: has a gateway run against it?`, { cause: err });
    }
    ctx.setExitCode(await body(audit));
  } finally {
    await audit.close();
    await database.close();
  }
}

async function openDatabase(ctx: CliContext, flags: AuditDatabaseFlags): Promise<{ database: Database; where: string }> {
  // Opening a missing file would create an empty database and report an empty chain as sound: openDirectDatabase refuses it.
  return openDirectDatabase(ctx.io.env, flags.dataDir, "the gateway's");
}

/** Writes one line, waiting for the sink to drain when it asks to (a SIEM pipe reading slowly). */
export async function writeLine(sink: TextSink, line: string): Promise<void> {
  if (sink.write(`${line}\n`) !== false) return;
  const emitter = sink as TextSink & { once?: (event: string, listener: () => void) => unknown };
  if (typeof emitter.once === 'function') await new Promise<void>((resolve) => emitter.once!('drain', resolve));
}
