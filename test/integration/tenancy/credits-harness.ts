/**
 * What the credits tests share: a bearer-token authenticator over a fixed table, a gateway app serving
 * the credit routes, and `agentmesh credits` run in-process.
 */
import type { AddressInfo } from 'node:net';
import { Command, CommanderError } from 'commander';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { buildHttpServer } from '../../../src/http/index.js';
import { createLogger, createMetrics, type Logger } from '../../../src/observability/index.js';
import { createDatabase, type Database } from '../../../src/storage/index.js';
import { createCreditLedger, type CreditLedger } from '../../../src/tenancy/index.js';
import { creditsCommand } from '../../../src/cli/commands/credits/credits.js';
import { describeError } from '../../../src/cli/io/error-report.js';
import { resolveCliIO, type CliContext, type CliIO } from '../../../src/cli/index.js';
import { AgentmeshError, ErrorCodes } from '../../../src/protocol/index.js';
import { registerCreditRoutes, type CreditsCaller } from '../../../src/gateway/credit-routes/index.js';
import { Capture } from '../cli/cli-harness.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

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
 * A gateway app serving only the credit routes, over a ledger on SQLite (`sqlitePath`, in memory
 * unless told), its callers told by `authenticate`. With `listen` it is on a local port (`url`, as
 * AGENTMESH_GATEWAY for the CLI); else it is only ready, for `app.inject`. `close()` closes the app
 * and the database.
 */
export async function startCreditRoutes(
  authenticate: (request: FastifyRequest) => Promise<CreditsCaller | undefined>,
  options: { listen: boolean; sqlitePath?: string; logger?: Logger },
): Promise<{ app: FastifyInstance; database: Database; ledger: CreditLedger; url: string; close: () => Promise<void> }> {
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const metrics = createMetrics({ defaultMetrics: false });
  const database = await createDatabase({ sqlitePath: options.sqlitePath ?? ':memory:' });
  const ledger = createCreditLedger({ database, logger, metrics });
  const app = buildHttpServer({ name: 'gateway', version: '0.0.0-test', logger, metrics });
  await registerCreditRoutes(app, { ledger, authenticate });
  let url = '';
  if (options.listen) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  } else {
    await app.ready();
  }
  return {
    app,
    database,
    ledger,
    url,
    close: () => closeInTurn(app, database),
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
