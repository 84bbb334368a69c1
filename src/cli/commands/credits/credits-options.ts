/**
 * The options every `agentmesh credits …` command shares (`--gateway`,
 * `--token`, `--admin-token`, `--json`, `--timeout`) and the runner that turns
 * them into a gateway client, a deadline and an exit code.
 */
import type { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import type { ExitCode } from '../../io/exit-codes.js';
import { addRoleTimeoutOption, runRoleCommand, type RoleCommandFlags } from '../../client/role-command.js';
import { localAdminToken } from '../../role-apis/local-admin-token.js';
import { chooseRoleUrl, explainUnreachable, roleUrlDefaultHelp } from '../../role-apis/role-url-choice.js';
import type { GatewayClientOptions } from '../../role-apis/role-api.js';
import { CreditsClient } from './credits-client.js';

/** Parsed values of the shared options. */
export interface CreditsFlags extends RoleCommandFlags {
  gateway?: string;
  token?: string;
  adminToken?: string;
}

/** Adds the shared options to `command`. */
export function addCreditsOptions(command: Command): Command {
  return addRoleTimeoutOption(
    command
      .option('--gateway <url>', `gateway base URL (${roleUrlDefaultHelp('gateway')})`)
      .option('--token <bearer>', "bearer token of a principal: reads its own tenant's credits (default: $GATEWAY_ADMIN_TOKEN, else $AGENTMESH_TOKEN, else, for a gateway on this machine, the admin token agentmesh up keeps in .agentmesh/gateway-admin-token)")
      .option('--admin-token <bearer>', 'bearer token with gateway:admin (any tenant) or credits:admin (top-ups); same as --token, --token wins')
      .option('--json', "print the gateway's JSON instead of tables"),
  );
}

/** The bearer a command sends: the flags first, then the environment. */
export function bearerOf(flags: CreditsFlags, env: Record<string, string | undefined>): string | undefined {
  return flags.token ?? flags.adminToken ?? (env.GATEWAY_ADMIN_TOKEN || undefined) ?? (env.AGENTMESH_TOKEN || undefined);
}

/**
 * Builds a client of the gateway's management API (`Client`: credits, approvals, policies) from the
 * shared flags, the bearer of {@link bearerOf} or else a local `agentmesh up`'s admin token, and runs
 * `body` under the `--timeout` deadline ({@link runRoleCommand}); an unreachable gateway is explained.
 */
export function runGatewayCommand<C extends { readonly url: string }>(ctx: CliContext, flags: CreditsFlags, Client: new (options: GatewayClientOptions) => C, body: (gateway: C, output: { json: boolean }) => Promise<ExitCode>): Promise<void> {
  const where = chooseRoleUrl('gateway', flags.gateway, ctx.io.env);
  const { url } = where;
  return runRoleCommand(ctx, 'gateway', flags, (signal, onRetry) => new Client({ url, token: bearerOf(flags, ctx.io.env) ?? localAdminToken(ctx.io.env, url), fetchImpl: ctx.io.fetchImpl, signal, onRetry }), body).catch((err: unknown) => {
    throw explainUnreachable(err, where, ctx.io.env);
  });
}

/** {@link runGatewayCommand} with the credits client. */
export function runCreditsCommand(ctx: CliContext, flags: CreditsFlags, body: (gateway: CreditsClient, output: { json: boolean }) => Promise<ExitCode>): Promise<void> {
  return runGatewayCommand(ctx, flags, CreditsClient, body);
}
