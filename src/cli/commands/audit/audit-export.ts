/** `agentmesh audit export`: audit rows of a time range as JSON lines, for a SIEM. */
import { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { ExitCodes } from '../../io/exit-codes.js';
import { addAuditDatabaseOptions, isoTime, runAuditCommand, writeLine, type AuditDatabaseFlags } from './audit-options.js';

interface ExportFlags extends AuditDatabaseFlags {
  from?: string;
  to?: string;
}

const EXAMPLES = `
Examples:
  $ agentmesh audit export --from 2026-08-01 --to 2026-08-02 > audit-2026-08-01.ndjson
  $ DATABASE_URL=postgres://db/mesh agentmesh audit export --from 2026-08-01T00:00:00Z | gzip > audit.ndjson.gz

One JSON object per line in chain order; --from is inclusive, --to exclusive.
Each row carries its hash and prevHash, so the SIEM can check the chain too.
`;

/** Builds `audit export`. */
export function auditExportCommand(ctx: CliContext): Command {
  const command = new Command('export')
    .description('print the audit rows of a time range as JSON lines (for a SIEM)')
    .option('--from <time>', 'first instant, ISO 8601, inclusive (default: the first row)', isoTime)
    .option('--to <time>', 'last instant, ISO 8601, exclusive (default: the newest row)', isoTime);
  addAuditDatabaseOptions(command).addHelpText('after', EXAMPLES);
  command.action(async (flags: ExportFlags) => {
    await runAuditCommand(ctx, flags, async (audit) => {
      for await (const row of audit.export({ ...(flags.from !== undefined && { from: flags.from }), ...(flags.to !== undefined && { to: flags.to }) })) {
        await writeLine(ctx.io.stdout, JSON.stringify(row));
      }
      return ExitCodes.OK;
    });
  });
  return command;
}
