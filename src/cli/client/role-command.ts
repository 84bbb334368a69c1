/**
 * What the commands against agentmesh's own roles share (`agents …`,
 * `clients …`, `keys …`, `credits …`, `route`): the `--timeout` flag with its
 * default, and the runner that gives the role's client one deadline for the
 * whole command and names the role when it fires.
 */
import type { Command } from 'commander';
import { Errors } from '../../protocol/index.js';
import type { CliContext } from '../io/cli-io.js';
import type { ExitCode } from '../io/exit-codes.js';
import { positiveInteger } from '../io/positive-integer.js';

/** Default deadline of one command against a role, ms. */
export const DEFAULT_ROLE_TIMEOUT_MS = 30_000;

/** The flags {@link runRoleCommand} reads. */
export interface RoleCommandFlags {
  json?: boolean;
  timeout?: number;
}

/** Adds `--timeout` to a role command. */
export function addRoleTimeoutOption(command: Command): Command {
  return command.option('--timeout <ms>', `give up after this many milliseconds (default ${DEFAULT_ROLE_TIMEOUT_MS})`, positiveInteger('milliseconds'));
}

/**
 * Opens the role's client under the `--timeout` deadline, runs `body`, and
 * records its exit code. The deadline covers every call of the command; a
 * command it cuts fails naming the role, its URL and the deadline.
 */
export async function runRoleCommand<Client extends { readonly url: string }>(
  ctx: CliContext,
  role: string,
  flags: RoleCommandFlags,
  open: (signal: AbortSignal) => Client,
  body: (client: Client, output: { json: boolean }) => Promise<ExitCode>,
): Promise<void> {
  const timeoutMs = flags.timeout ?? DEFAULT_ROLE_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  const client = open(signal);
  try {
    ctx.setExitCode(await body(client, { json: flags.json === true }));
  } catch (err) {
    if (signal.aborted) throw Errors.cliRoleTimedOut({ role, url: client.url, timeoutMs }, { cause: err });
    throw err;
  }
}
