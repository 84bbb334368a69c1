/** `agentmesh credits …`: tenants' credit balances, usage and top-ups through the gateway (docs/credits.md). */
import { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { withSubcommands } from '../command-group.js';
import { creditsBalanceCommand } from './credits-balance.js';
import { creditsHoldsCommand } from './credits-holds.js';
import { creditsReleaseCommand } from './credits-release.js';
import { creditsTopUpCommand } from './credits-topup.js';
import { creditsUsageCommand } from './credits-usage.js';

/**
 * Builds the `credits` group: balance, topup, usage, holds, release.
 *
 * @example
 * program.addCommand(creditsCommand(ctx));
 */
export function creditsCommand(ctx: CliContext): Command {
  return withSubcommands(new Command('credits').description("read tenants' credit balances, usage and holds, add credits, release holds"), {
    commands: [creditsBalanceCommand(ctx), creditsTopUpCommand(ctx), creditsUsageCommand(ctx), creditsHoldsCommand(ctx), creditsReleaseCommand(ctx)],
    helpAfter: `
Examples:
  $ agentmesh credits balance acme
  $ agentmesh credits usage acme --by agent,day --from 2026-08-01
  $ agentmesh credits topup acme 500 --reference invoice-2026-08
  $ agentmesh credits holds acme
  $ agentmesh credits release acme "lead-scorer:01a2…" --reason "abandoned task"

Gateway: --gateway <url>, else $AGENTMESH_GATEWAY, else where the agentmesh up of this folder listens
(.agentmesh/endpoints.json), else http://localhost:4200.
Bearer: --token or --admin-token, else $GATEWAY_ADMIN_TOKEN, else $AGENTMESH_TOKEN.
Amounts are credits with 3 decimals (1 credit = 1000 milli-credits).
`,
  });
}
