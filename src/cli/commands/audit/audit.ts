/** `agentmesh audit …`: the audit trail straight from the database (docs/audit.md). */
import { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { withSubcommands } from '../command-group.js';
import { auditExportCommand } from './audit-export.js';
import { auditTailCommand } from './audit-tail.js';
import { auditVerifyCommand } from './audit-verify.js';

/** Builds the `audit` group: verify, tail, export. */
export function auditCommand(ctx: CliContext): Command {
  return withSubcommands(new Command('audit').description('verify, tail and export the hash-chained audit trail (reads the database directly)'), {
    commands: [auditVerifyCommand(ctx), auditTailCommand(ctx), auditExportCommand(ctx)],
    helpAfter: `
Examples:
  $ agentmesh audit verify
  $ agentmesh audit tail --follow
  $ agentmesh audit export --from 2026-08-01 --to 2026-08-02 > audit.ndjson

Database: DATABASE_URL=postgres://… if set, else <--data-dir or $AGENTMESH_DATA_DIR or ./.agentmesh>/mesh.db.
`,
  });
}
