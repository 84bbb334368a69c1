/** `agentmesh audit verify`: walks the hash chain in the database and names every broken row. */
import { Command, InvalidArgumentError } from 'commander';
import type { AuditAnchor, AuditLog, AuditVerifyResult } from '../../../audit/index.js';
import type { CliContext } from '../../io/cli-io.js';
import { ExitCodes, type ExitCode } from '../../io/exit-codes.js';
import { addAuditDatabaseOptions, countNumber, runAuditCommand, type AuditDatabaseFlags } from './audit-options.js';

interface VerifyFlags extends AuditDatabaseFlags {
  from?: number;
  to?: number;
  anchor?: AuditAnchor;
  json?: boolean;
}

/** A progress line on stderr every this many rows. */
const PROGRESS_EVERY = 10_000;

const EXAMPLES = `
Examples:
  $ agentmesh audit verify --data-dir ./.agentmesh
  $ DATABASE_URL=postgres://db/mesh agentmesh audit verify
  $ agentmesh audit verify --anchor 120000:9f86d081884c7d65…   (a tip recorded earlier)

Exit 0 when the chain is sound, 1 when a row was modified, deleted, moved or
the newest rows were cut (each is named by seq). The last line gives the tip:
keep it outside the database and pass it back with --anchor to detect a chain
rewritten together with its checkpoints.
`;

/** Builds `audit verify`. */
export function auditVerifyCommand(ctx: CliContext): Command {
  const command = new Command('verify')
    .description('check the audit hash chain; names every modified, deleted or reordered row')
    .option('--from <seq>', 'first row to check (default 1)', countNumber('seq', Number.MAX_SAFE_INTEGER))
    .option('--to <seq>', 'last row to check (default: the newest)', countNumber('seq', Number.MAX_SAFE_INTEGER))
    .option('--anchor <seq:hash>', 'a tip recorded earlier: the chain must still have this hash at this seq', parseAnchor)
    .option('--json', 'print the result as JSON');
  addAuditDatabaseOptions(command).addHelpText('after', EXAMPLES);
  command.action(async (flags: VerifyFlags) => {
    await runAuditCommand(ctx, flags, (audit) => verify(ctx, audit, flags));
  });
  return command;
}

async function verify(ctx: CliContext, audit: AuditLog, flags: VerifyFlags): Promise<ExitCode> {
  let reported = 0;
  const result = await audit.verify({
    ...(flags.from !== undefined && { from: flags.from }),
    ...(flags.to !== undefined && { to: flags.to }),
    ...(flags.anchor !== undefined && { anchor: flags.anchor }),
    onProgress: (checked) => {
      if (checked - reported < PROGRESS_EVERY) return;
      reported = checked - (checked % PROGRESS_EVERY);
      ctx.io.stderr.write(`verified ${checked} rows…\n`);
    },
  });
  if (flags.json === true) ctx.io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else ctx.io.stdout.write(formatResult(result));
  return result.ok ? ExitCodes.OK : ExitCodes.FAILURE;
}

function formatResult(result: AuditVerifyResult): string {
  const tip = result.tip === undefined ? 'the log is empty' : `tip seq ${result.tip.seq} hash ${result.tip.hash}`;
  if (result.ok) return `audit chain ok: ${result.checked} rows checked; ${tip}\n`;
  const width = Math.max(...result.problems.map((p) => String(p.seq).length));
  const lines = result.problems.map((p) => `  seq ${String(p.seq).padStart(width)}  ${p.kind.padEnd(11)}  ${p.detail}`);
  return `audit chain BROKEN: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} in ${result.checked} rows checked\n${lines.join('\n')}\n${tip}\n`;
}

function parseAnchor(value: string): AuditAnchor {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(value);
  if (!match) throw new InvalidArgumentError('expected <seq>:<hash>, the hash as 64 lowercase hex digits (as verify prints the tip)');
  return { seq: Number(match[1]), hash: match[2]! };
}
