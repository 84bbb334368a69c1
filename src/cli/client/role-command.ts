/**
 * What the commands against agentmesh's own roles share (`agents …`,
 * `clients …`, `keys …`, `credits …`, `route`): the `--timeout` flag with its
 * default, and the runner that gives the role's client one deadline for the
 * whole command and names the role when it fires.
 */
import type { Command } from 'commander';
import { Errors } from '../../protocol/index.js';
import type { RoleRetryNotice } from '../role-apis/role-api.js';
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
 * records its exit code. A call the client sends again after a 503 is told
 * on stderr, so a slow command says why it is slow. The deadline covers every call of the command; a
 * command it cuts fails naming the role, its URL and the deadline.
 */
export async function runRoleCommand<Client extends { readonly url: string }>(
  ctx: CliContext,
  role: string,
  flags: RoleCommandFlags,
  open: (signal: AbortSignal, onRetry: (notice: RoleRetryNotice) => void) => Client,
  body: (client: Client, output: { json: boolean }) => Promise<ExitCode>,
): Promise<void> {
  const timeoutMs = flags.timeout ?? DEFAULT_ROLE_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  const client = open(signal, (notice) => ctx.io.stderr.write(`${retryLine(notice)}\n`));
  try {
    ctx.setExitCode(await body(client, { json: flags.json === true }));
  } catch (err) {
    if (signal.aborted) throw Errors.cliRoleTimedOut({ role, url: client.url, timeoutMs }, { cause: err });
    throw err;
  }
}

/** The line a command prints before it sends a call again: who said what, and how long it waits. */
export function retryLine(notice: RoleRetryNotice): string {
  const said = notice.message === undefined ? '' : `: ${notice.message}`;
  return `${notice.role} answered 503 to ${notice.method} ${notice.path}${said}; retrying in ${(notice.delayMs / 1000).toFixed(1)} s (${notice.retry} of ${notice.retries})`;
}
