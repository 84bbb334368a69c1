import { CommanderError, type Command } from 'commander';
import { resolveCliIO, type CliContext } from '../../../src/cli/index.js';
import { auditCommand } from '../../../src/cli/commands/audit/audit.js';
import { reportError } from '../../../src/cli/io/error-report.js';
import { Capture } from '../cli/cli-harness.js';

/**
 * `agentmesh audit <argv>` in-process, with `env` as its environment: its exit code (2 for a usage
 * error Commander reports, else as the error report says) and what it printed.
 */
export async function auditCli(argv: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  let code = 0;
  const ctx: CliContext = { io: resolveCliIO({ stdout, stderr, env }), setExitCode: (c) => (code = c) };
  const command = auditCommand(ctx);
  const settle = (c: Command): void => {
    c.exitOverride().configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) });
    for (const sub of c.commands) settle(sub);
  };
  settle(command);
  try {
    await command.parseAsync(argv, { from: 'user' });
  } catch (err) {
    code = err instanceof CommanderError ? 2 : reportError(ctx.io, err);
  }
  return { code, stdout: stdout.text, stderr: stderr.text };
}
