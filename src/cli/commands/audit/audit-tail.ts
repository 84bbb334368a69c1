/** `agentmesh audit tail`: the newest audit rows, a line each (JSON lines with --json), optionally followed. */
import { Command } from 'commander';
import type { AuditLog } from '../../../audit/index.js';
import type { CliContext } from '../../io/cli-io.js';
import { ExitCodes, type ExitCode } from '../../io/exit-codes.js';
import type { AuditRow } from '../../../contracts/audit/index.js';
import { addAuditDatabaseOptions, countNumber, runAuditCommand, seqNumber, writeLine, type AuditDatabaseFlags } from './audit-options.js';
import { auditRowLine } from './audit-row-line.js';

/** Parsed flags of `audit tail`. */
export interface TailFlags extends AuditDatabaseFlags {
  since?: number;
  limit?: number;
  follow?: boolean;
  pollMs?: number;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  $ agentmesh audit tail --limit 20
  $ agentmesh audit tail --since 41200 --limit 1000 --json > batch.ndjson
  $ agentmesh audit tail --follow --json | my-siem-forwarder

One line per row: seq, time, event, outcome, agent/skill, tenant, who acted
(and for whom), error code, credits, duration. --json prints each row whole
as one JSON object per line (seq, time, eventType, actor, …, prevHash, hash).
--follow keeps printing new rows until Ctrl-C; it polls the database, so it
also sees rows written by other gateway replicas.
`;

/** Builds `audit tail`. */
export function auditTailCommand(ctx: CliContext): Command {
  const command = new Command('tail')
    .description('print the newest audit rows, a line each (--json: JSON lines); --follow for new ones')
    .option('--since <seq>', 'rows after this seq, oldest first (default: the newest --limit rows)', seqNumber('seq'))
    .option('--limit <n>', 'rows to print before following (1-10000, default 100)', countNumber('rows', 10_000))
    .option('-f, --follow', 'keep printing rows as they are written, until interrupted')
    .option('--poll-ms <ms>', 'how often --follow looks for new rows (default 1000)', countNumber('milliseconds', 3_600_000))
    .option('--json', 'print each row whole, as one JSON object per line (for jq, a SIEM)');
  addAuditDatabaseOptions(command).addHelpText('after', EXAMPLES);
  command.action(async (flags: TailFlags) => {
    if (flags.follow !== true) {
      await runAuditCommand(ctx, flags, (audit) => printTail(ctx, audit, flags));
      return;
    }
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await runAuditCommand(ctx, flags, (audit) => printTail(ctx, audit, flags, stop.signal));
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  });
  return command;
}

/**
 * Prints the rows `flags` select, then, when `signal` is given (--follow),
 * every new row until it aborts.
 */
export async function printTail(ctx: CliContext, audit: AuditLog, flags: TailFlags, signal?: AbortSignal): Promise<ExitCode> {
  const rows = await audit.tail({ ...(flags.since !== undefined && { since: flags.since }), ...(flags.limit !== undefined && { limit: flags.limit }) });
  const line = flags.json === true ? (row: AuditRow) => JSON.stringify(row) : auditRowLine;
  for (const row of rows) await writeLine(ctx.io.stdout, line(row));
  if (signal === undefined) return ExitCodes.OK;
  const since = rows.at(-1)?.seq ?? flags.since;
  for await (const row of audit.follow({ ...(since !== undefined && { since }), ...(flags.pollMs !== undefined && { pollMs: flags.pollMs }), signal })) {
    await writeLine(ctx.io.stdout, line(row));
  }
  return ExitCodes.OK;
}
