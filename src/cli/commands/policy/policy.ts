/** `agentmesh policy …`: the gateway's policies as code (docs/policies.md): list, show, put, test, explain, rollback, delete. */
import { Command, InvalidArgumentError } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import type { ExitCode } from '../../io/exit-codes.js';
import { printAnswer, readJsonObject } from '../agents/agents-options.js';
import { withSubcommands } from '../command-group.js';
import { addCreditsOptions, runGatewayCommand, type CreditsFlags } from '../credits/credits-options.js';
import { DEFAULT_GATEWAY_URL } from '../../role-apis/role-url-choice.js';
import { PolicyClient } from './policy-client.js';
import { formatExplain, formatPolicy, formatPolicyList, formatTest, formatVersions } from './policy-render.js';

/**
 * Builds the `policy` group.
 *
 * @example
 * program.addCommand(policyCommand(ctx));
 */
export function policyCommand(ctx: CliContext): Command {
  return withSubcommands(new Command('policy').description("manage the gateway's policies: who may call what, when, and how often"), {
    commands: [listCommand(ctx), showCommand(ctx), putCommand(ctx), testCommand(ctx), explainCommand(ctx), rollbackCommand(ctx), deleteCommand(ctx)],
    helpAfter: `
Examples:
  $ agentmesh policy put no-big-refunds --effect forbid --agent payments --skill refund --condition "context.input.amount > 1000" --reason "refunds above 1000 go through the back office"
  $ agentmesh policy put three-refunds-a-day --file policy.json --tenant acme
  $ agentmesh policy list
  $ agentmesh policy show no-big-refunds --history
  $ agentmesh policy test --request sample.json --policy draft.json
  $ agentmesh policy explain 1284
  $ agentmesh policy rollback no-big-refunds --to 1

Gateway: --gateway <url>, else $AGENTMESH_GATEWAY, else where the agentmesh up of this folder listens
(.agentmesh/endpoints.json), else ${DEFAULT_GATEWAY_URL}.
Bearer: --token (a principal holding gateway:policies: its own tenant's policies), or --admin-token
(gateway:admin: every tenant's, and the platform-wide ones).
`,
  });
}

function run(ctx: CliContext, flags: CreditsFlags, body: (gateway: PolicyClient, output: { json: boolean }) => Promise<ExitCode>): Promise<void> {
  return runGatewayCommand(ctx, flags, PolicyClient, body);
}

const positive = (v: string): number => {
  if (!/^[1-9]\d{0,8}$/.test(v)) throw new InvalidArgumentError('must be a positive integer');
  return Number(v);
};

interface TenantFlags extends CreditsFlags {
  tenant?: string;
}

function withTenant(command: Command, what: string): Command {
  return command.option('--tenant <tenant>', `${what} (an admin: absent means platform-wide; a tenant's administrator: always its own)`);
}

function listCommand(ctx: CliContext): Command {
  const command = withTenant(new Command('list').description('list the policies in force'), 'one tenant');
  addCreditsOptions(command);
  command.action(async (flags: TenantFlags) => {
    await run(ctx, flags, async (gateway, output) => {
      const answer = await gateway.list(flags.tenant);
      return printAnswer(ctx, output, answer, () => formatPolicyList(answer.policies));
    });
  });
  return command;
}

function showCommand(ctx: CliContext): Command {
  const command = withTenant(new Command('show').description('show a policy (its newest version), one version, or every version').argument('<id>', 'policy id'), 'the policy\'s tenant')
    .option('--at <version>', 'one version (not --version: that is the program\'s own)', positive)
    .option('--history', 'every version, newest first');
  addCreditsOptions(command);
  command.action(async (id: string, flags: TenantFlags & { at?: number; history?: boolean }) => {
    await run(ctx, flags, async (gateway, output) => {
      if (flags.history === true) {
        const answer = await gateway.versions(id, flags.tenant);
        return printAnswer(ctx, output, answer, () => formatVersions(answer.versions));
      }
      const policy = await gateway.show(id, flags.tenant, flags.at);
      return printAnswer(ctx, output, policy, formatPolicy);
    });
  });
  return command;
}

interface PutFlags extends TenantFlags {
  file?: string;
  effect?: string;
  agent?: string;
  operation?: string;
  skill?: string;
  condition?: string;
  reason?: string;
  approverScope?: string;
  expiresAfter?: number;
  comment?: string;
}

function putCommand(ctx: CliContext): Command {
  const command = withTenant(new Command('put').description('write a new version of a policy (checked by the gateway: a malformed condition is refused with its line and column)').argument('<id>', 'policy id: letters, digits, ".", "_", "-"'), 'the tenant it governs')
    .option('--file <path>', 'the policy as JSON (the flags below override its fields)')
    .option('--effect <effect>', 'permit, forbid or permit_when_approved')
    .option('--agent <agent>', 'only calls to this agent')
    .option('--operation <operation>', 'only this A2A operation (SendMessage names both sends)')
    .option('--skill <skill>', 'only calls of this skill')
    .option('--condition <cel>', 'a CEL expression over principal, action, resource, context')
    .option('--reason <text>', 'what a refused caller, or an approver, reads')
    .option('--approver-scope <scope>', 'permit_when_approved: the scope an approver holds (default gateway:approve)')
    .option('--expires-after <minutes>', 'permit_when_approved: minutes a parked call waits (default 60)', positive)
    .option('--comment <text>', 'why this version, kept with it');
  addCreditsOptions(command);
  command.action(async (id: string, flags: PutFlags) => {
    const base = flags.file === undefined ? {} : await readJsonObject(flags.file, '--file');
    const baseTarget = base['target'];
    const target = {
      ...(typeof baseTarget === 'object' && baseTarget !== null ? baseTarget : {}),
      ...(flags.agent !== undefined && { agent: flags.agent }),
      ...(flags.operation !== undefined && { operation: flags.operation }),
      ...(flags.skill !== undefined && { skill: flags.skill }),
    };
    const policy: Record<string, unknown> = {
      ...base,
      ...(flags.tenant !== undefined && { tenant: flags.tenant }),
      ...(flags.effect !== undefined && { effect: flags.effect }),
      ...(Object.keys(target).length > 0 && { target }),
      ...(flags.condition !== undefined && { condition: flags.condition }),
      ...(flags.reason !== undefined && { reason: flags.reason }),
      ...(flags.approverScope !== undefined && { approverScope: flags.approverScope }),
      ...(flags.expiresAfter !== undefined && { expiresAfterMs: flags.expiresAfter * 60_000 }),
      ...(flags.comment !== undefined && { comment: flags.comment }),
    };
    delete policy['id'];
    await run(ctx, flags, async (gateway, output) => {
      const written = await gateway.put(id, policy);
      return printAnswer(ctx, output, written, () => `wrote ${written.tenant === undefined ? '' : `${written.tenant}/`}${written.id} version ${written.version}\n`);
    });
  });
  return command;
}

function testCommand(ctx: CliContext): Command {
  const command = new Command('test')
    .description('decide a sample call against the policies in force (and drafts), without sending it')
    .requiredOption('--request <path>', 'the sample call as JSON: { principal, action, resource, context, counters }')
    .option('--policy <path>', 'a draft policy as JSON, decided in place of the stored one of its id (repeatable)', (v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
  addCreditsOptions(command);
  command.action(async (flags: CreditsFlags & { request: string; policy?: string[] }) => {
    const request = await readJsonObject(flags.request, '--request');
    const drafts = await Promise.all((flags.policy ?? []).map((p) => readJsonObject(p, '--policy')));
    await run(ctx, flags, async (gateway, output) => {
      const answer = await gateway.test(request, drafts);
      return printAnswer(ctx, output, answer, formatTest);
    });
  });
  return command;
}

function explainCommand(ctx: CliContext): Command {
  const command = new Command('explain').description('which policies permitted or forbade an audited call, and their versions').argument('<seq>', "the call's audit row (its seq, as agentmesh audit tail and the console show it)", positive);
  addCreditsOptions(command);
  command.action(async (seq: number, flags: CreditsFlags) => {
    await run(ctx, flags, async (gateway, output) => {
      const answer = await gateway.explain(seq);
      return printAnswer(ctx, output, answer, formatExplain);
    });
  });
  return command;
}

function rollbackCommand(ctx: CliContext): Command {
  const command = withTenant(new Command('rollback').description("write an earlier version's policy as the newest version").argument('<id>', 'policy id'), "the policy's tenant").requiredOption('--to <version>', 'the version to roll back to', positive);
  addCreditsOptions(command);
  command.action(async (id: string, flags: TenantFlags & { to: number }) => {
    await run(ctx, flags, async (gateway, output) => {
      const written = await gateway.rollback(id, flags.tenant, flags.to);
      return printAnswer(ctx, output, written, () => `rolled ${written.id} back to version ${flags.to}: now version ${written.version}${written.deleted === true ? ' (deleted)' : ''}\n`);
    });
  });
  return command;
}

function deleteCommand(ctx: CliContext): Command {
  const command = withTenant(new Command('delete').description('delete a policy (a version of its own: rollback brings it back)').argument('<id>', 'policy id'), "the policy's tenant");
  addCreditsOptions(command);
  command.action(async (id: string, flags: TenantFlags) => {
    await run(ctx, flags, async (gateway, output) => {
      const written = await gateway.remove(id, flags.tenant);
      return printAnswer(ctx, output, written, () => `deleted ${written.id} (version ${written.version}; agentmesh policy rollback ${written.id} --to ${written.version - 1} brings it back)\n`);
    });
  });
  return command;
}
