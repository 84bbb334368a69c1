/** `agentmesh approvals …`: the calls waiting for an approval, decisions, and the rules (docs/approvals.md). */
import { Command, InvalidArgumentError } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import type { ExitCode } from '../../io/exit-codes.js';
import { printAnswer } from '../agents/agents-options.js';
import { withSubcommands } from '../command-group.js';
import { addCreditsOptions, runGatewayCommand, type CreditsFlags } from '../credits/credits-options.js';
import { DEFAULT_GATEWAY_URL } from '../../role-apis/role-url-choice.js';
import { ApprovalsClient } from './approvals-client.js';
import { formatApproval, formatApprovalList, formatDecision, formatRules } from './approvals-render.js';

/**
 * Builds the `approvals` group: list, show, approve, deny, rules.
 *
 * @example
 * program.addCommand(approvalsCommand(ctx));
 */
export function approvalsCommand(ctx: CliContext): Command {
  return withSubcommands(new Command('approvals').description('list the calls waiting for an approval, approve or deny them, and manage the rules that park them'), {
    commands: [listCommand(ctx), showCommand(ctx), decideCommand(ctx, 'approve'), decideCommand(ctx, 'deny'), rulesCommand(ctx)],
    helpAfter: `
Examples:
  $ agentmesh approvals list
  $ agentmesh approvals show approval-01a2…
  $ agentmesh approvals approve approval-01a2… --reason "budget line 7"
  $ agentmesh approvals deny approval-01a2… --reason "unknown supplier"
  $ agentmesh approvals rules add big-payments --agent payments --condition "input.amount > 1000" --reason "Payments above 1000 need finance"

Gateway: --gateway <url>, else $AGENTMESH_GATEWAY, else where the agentmesh up of this folder listens
(.agentmesh/endpoints.json), else ${DEFAULT_GATEWAY_URL}.
Bearer: --token (a principal with the approver scope, gateway:approve by default, decides for its tenant),
or --admin-token (gateway:admin: every tenant, and the rules).
`,
  });
}

function run(ctx: CliContext, flags: CreditsFlags, body: (gateway: ApprovalsClient, output: { json: boolean }) => Promise<ExitCode>): Promise<void> {
  return runGatewayCommand(ctx, flags, ApprovalsClient, body);
}

const STATES = ['pending', 'forwarding', 'approved', 'denied', 'expired', 'canceled'];

function listCommand(ctx: CliContext): Command {
  const command = new Command('list')
    .description('list parked calls, newest first (default: the pending ones)')
    .option('--state <state>', `${STATES.join(', ')} or all (default pending)`, (v) => {
      if (v !== 'all' && !STATES.includes(v)) throw new InvalidArgumentError(`must be one of ${STATES.join(', ')}, all`);
      return v;
    })
    .option('--tenant <tenant>', 'one tenant (an admin sees every tenant otherwise)')
    .option('--agent <agent>', 'one agent')
    .option('--limit <n>', 'most listed, 1 to 500 (default 50)', (v) => {
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 500) throw new InvalidArgumentError('must be an integer from 1 to 500');
      return Number(v);
    });
  addCreditsOptions(command);
  command.action(async (flags: CreditsFlags & { state?: string; tenant?: string; agent?: string; limit?: number }) => {
    await run(ctx, flags, async (gateway, output) => {
      const state = flags.state ?? 'pending';
      const answer = await gateway.list({ state: state === 'all' ? undefined : state, tenant: flags.tenant, agent: flags.agent, limit: flags.limit });
      return printAnswer(ctx, output, answer, formatApprovalList);
    });
  });
  return command;
}

function showCommand(ctx: CliContext): Command {
  const command = new Command('show').description('show one parked call: who asks, why it waits, the message it sends').argument('<id>', 'the approval id (the id of the task its caller holds)');
  addCreditsOptions(command);
  command.action(async (id: string, flags: CreditsFlags) => {
    await run(ctx, flags, async (gateway, output) => {
      const a = await gateway.show(id);
      return printAnswer(ctx, output, a, formatApproval);
    });
  });
  return command;
}

function decideCommand(ctx: CliContext, decision: 'approve' | 'deny'): Command {
  const command = new Command(decision)
    .description(decision === 'approve' ? 'approve a parked call: the gateway sends it now, and charges it then' : 'deny a parked call: its task ends REJECTED with your reason, its hold released')
    .argument('<id>', 'the approval id')
    .option('--reason <text>', decision === 'approve' ? 'why, kept in the audit trail' : 'why (required): the caller reads it');
  addCreditsOptions(command);
  command.action(async (id: string, flags: CreditsFlags & { reason?: string }) => {
    if (decision === 'deny' && flags.reason === undefined) command.error('error: a denial needs --reason <text>: the caller reads it', { exitCode: 2 });
    await run(ctx, flags, async (gateway, output) => {
      const a = await gateway.decide(id, decision, flags.reason);
      return printAnswer(ctx, output, a, formatDecision);
    });
  });
  return command;
}

function rulesCommand(ctx: CliContext): Command {
  const list = new Command('list').description('list the rules in force (the configuration\'s, then those added here)');
  addCreditsOptions(list);
  list.action(async (flags: CreditsFlags) => {
    await run(ctx, flags, async (gateway, output) => {
      const { rules } = await gateway.rules();
      return printAnswer(ctx, output, { rules }, () => formatRules(rules));
    });
  });
  const add = new Command('add')
    .description('add or replace a rule (needs gateway:admin)')
    .argument('<id>', 'rule id: letters, digits, ".", "_", "-"')
    .option('--agent <agent>', 'only calls to this agent')
    .option('--skill <skill>', 'only calls of this skill')
    .option('--tenant <tenant>', 'only calls of this tenant')
    .option('--condition <expression>', 'only calls where this holds, over price (credits), input, agent, skill, tenant')
    .option('--reason <text>', 'what the caller and the approver read')
    .option('--approver-scope <scope>', 'the scope an approver holds (default gateway:approve)')
    .option('--expires-after <minutes>', 'minutes a call waits before it ends REJECTED (default 60)', (v) => {
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('must be a whole number of minutes, at least 1');
      return Number(v);
    });
  addCreditsOptions(add);
  add.action(async (id: string, flags: CreditsFlags & { agent?: string; skill?: string; tenant?: string; condition?: string; reason?: string; approverScope?: string; expiresAfter?: number }) => {
    await run(ctx, flags, async (gateway, output) => {
      const rule = await gateway.putRule(id, {
        ...(flags.agent !== undefined && { agent: flags.agent }),
        ...(flags.skill !== undefined && { skill: flags.skill }),
        ...(flags.tenant !== undefined && { tenant: flags.tenant }),
        ...(flags.condition !== undefined && { condition: flags.condition }),
        ...(flags.reason !== undefined && { reason: flags.reason }),
        ...(flags.approverScope !== undefined && { approverScope: flags.approverScope }),
        ...(flags.expiresAfter !== undefined && { expiresAfterMs: flags.expiresAfter * 60_000 }),
      });
      return printAnswer(ctx, output, rule, () => formatRules([rule]));
    });
  });
  const remove = new Command('delete').description('delete a rule added through the API or the CLI (needs gateway:admin)').argument('<id>', 'rule id');
  addCreditsOptions(remove);
  remove.action(async (id: string, flags: CreditsFlags) => {
    await run(ctx, flags, async (gateway, output) => {
      await gateway.deleteRule(id);
      return printAnswer(ctx, output, { deleted: id }, () => `deleted approval rule ${id}\n`);
    });
  });
  return withSubcommands(new Command('rules').description('list, add and delete the rules that park calls for approval'), { commands: [list, add, remove], helpAfter: '' });
}
