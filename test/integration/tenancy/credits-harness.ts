/** What the credits tests share: a bearer-token authenticator over a fixed table, and `agentmesh credits` run in-process. */
import { Command, CommanderError } from 'commander';
import type { FastifyRequest } from 'fastify';
import { creditsCommand } from '../../../src/cli/commands/credits/credits.js';
import { describeError } from '../../../src/cli/io/error-report.js';
import { resolveCliIO, type CliContext, type CliIO } from '../../../src/cli/index.js';
import { AgentmeshError, ErrorCodes } from '../../../src/protocol/index.js';
import type { CreditsCaller } from '../../../src/gateway/credit-routes/index.js';
import { Capture } from '../cli/cli-harness.js';

/** The routes' `authenticate`: no header is anonymous, a token of `principals` is its caller, any other is refused. */
export function bearerAuthenticator(principals: Readonly<Record<string, CreditsCaller>>): (request: FastifyRequest) => Promise<CreditsCaller | undefined> {
  return async (request) => {
    const header = request.headers.authorization;
    if (header === undefined) return undefined;
    const principal = principals[header.replace(/^Bearer\s+/i, '')];
    if (!principal) throw new AgentmeshError(ErrorCodes.AUTH_UNAUTHENTICATED, 'The bearer token is not valid');
    return principal;
  };
}

/**
 * Runs `agentmesh credits <argv>` in-process the way runCli does (program.ts
 * registers the command; this builds the group alone).
 */
export async function credits(argv: string[], env: Record<string, string | undefined>): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const io: CliIO = resolveCliIO({ stdout, stderr, env });
  let code = 0;
  const ctx: CliContext = { io, setExitCode: (c) => (code = c) };
  const program = new Command('agentmesh').addCommand(creditsCommand(ctx));
  const settle = (command: Command) => {
    command.exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
    for (const sub of command.commands) settle(sub);
  };
  settle(program);
  try {
    await program.parseAsync(['credits', ...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) code = err.exitCode === 0 ? 0 : 2;
    else {
      const described = describeError(err);
      stderr.write(`error: ${described.message}\n`);
      code = described.exitCode;
    }
  }
  return { code, stdout: stdout.text, stderr: stderr.text };
}
