/**
 * What `agentmesh clients …`, `agentmesh keys …` and `agentmesh token`
 * share: `--gateway`, `--admin-token`, `--json`, `--timeout`, the runner that
 * turns them into a gateway client, a deadline and an exit code, and the
 * parsers of scope lists and durations.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import type { ExitCode } from '../../io/exit-codes.js';
import { GatewayClient } from '../../role-apis/gateway-client.js';
import { chooseRoleUrl, explainUnreachable, roleUrlDefaultHelp } from '../../role-apis/role-url-choice.js';
import { addRoleTimeoutOption, runRoleCommand, type RoleCommandFlags } from '../../client/role-command.js';
import { localAdminToken } from '../../role-apis/local-admin-token.js';

/** Parsed values of the shared options. */
export interface GatewayFlags extends RoleCommandFlags {
  gateway?: string;
  adminToken?: string;
}

/** Adds `--gateway`, `--json`, `--timeout`, and (management commands) `--admin-token`. */
export function addGatewayOptions(command: Command, options: { admin: boolean }): Command {
  command.option('--gateway <url>', `gateway base URL (${roleUrlDefaultHelp('gateway')})`);
  if (options.admin) command.option('--admin-token <token>', 'bearer token with gateway:admin: the admin token, or an access token (default: $GATEWAY_ADMIN_TOKEN, else, for a gateway on this machine, .agentmesh/gateway-admin-token of agentmesh up)');
  return addRoleTimeoutOption(command.option('--json', "print the gateway's JSON instead of text"));
}

/** Builds the gateway client from the shared flags and runs `body` under the `--timeout` deadline ({@link runRoleCommand}). */
export function runGatewayCommand(ctx: CliContext, flags: GatewayFlags, body: (gateway: GatewayClient, output: { json: boolean }) => Promise<ExitCode>): Promise<void> {
  const where = chooseRoleUrl('gateway', flags.gateway, ctx.io.env);
  const { url } = where;
  return runRoleCommand(ctx, 'gateway', flags, (signal, onRetry) => new GatewayClient({ url, adminToken: flags.adminToken ?? (ctx.io.env.GATEWAY_ADMIN_TOKEN || localAdminToken(ctx.io.env, url)), fetchImpl: ctx.io.fetchImpl, signal, onRetry }), body).catch((err: unknown) => {
    throw explainUnreachable(err, where, ctx.io.env);
  });
}

/** Collects a repeatable `--scope`: each value may hold several scopes, separated by spaces or commas. */
export function collectScopes(value: string, previous: string[] | undefined): string[] {
  const scopes = value.split(/[\s,]+/).filter((s) => s !== '');
  if (scopes.length === 0) throw new InvalidArgumentError('expected at least one scope');
  return [...(previous ?? []), ...scopes];
}

/** Collects a repeatable option into a list. */
export function collectValues(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a duration like `90s`, `15m`, `12h`, `30d` into milliseconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+)([smhd])$/.exec(value.trim());
  if (match === null || Number(match[1]) === 0) throw new InvalidArgumentError('expected a duration like 90s, 15m, 12h or 30d');
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** Parses a non-negative number of seconds. */
export function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number of seconds (0 or more)');
  return n;
}
