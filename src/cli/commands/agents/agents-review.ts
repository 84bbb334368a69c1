/**
 * `agentmesh agents review list|show|approve|reject`: card changes held for
 * review (docs/registry.md#review-holds), by agent name (an agent has at
 * most one change pending).
 */
import { Command, Option } from 'commander';
import { Errors } from '../../../protocol/index.js';
import { REVIEW_STATES, type CardReview, type ReviewState } from '../../../contracts/registry/index.js';
import type { CliContext } from '../../io/cli-io.js';
import type { RegistryClient } from '../../role-apis/registry-client.js';
import { withSubcommands } from '../command-group.js';
import { addRegistryOptions, agentNameCommand, examplesFor, printAnswer, runRegistryCommand, type RegistryFlags } from './agents-options.js';

interface ListFlags extends RegistryFlags {
  state?: ReviewState;
}

interface DecisionFlags extends RegistryFlags {
  reason?: string;
}

const examples = examplesFor('agents review');

/** The change of `name` waiting for review. */
async function pendingOf(registry: RegistryClient, name: string): Promise<CardReview> {
  const [review] = await registry.reviews({ agent: name, state: 'pending', limit: 1 });
  if (review === undefined) throw Errors.registryNoPendingReview({ agent: name });
  return review;
}

/** A decision is sent with the reviewer's token: --token, else $REGISTRY_REVIEW_TOKEN (never the writer's REGISTRY_TOKEN). */
function reviewerFlags(ctx: CliContext, flags: DecisionFlags): DecisionFlags {
  const token = flags.token ?? ctx.io.env.REGISTRY_REVIEW_TOKEN;
  return { ...flags, ...(token !== undefined && token !== '' && { token }) };
}

function listCommand(ctx: CliContext): Command {
  const command = new Command('list')
    .description('list card changes waiting for review, oldest first')
    .addOption(new Option('--state <state>', 'list reviews in this state instead').choices(REVIEW_STATES));
  addRegistryOptions(command).addHelpText('after', examples('list --json | jq -r ".reviews[].agent"', 'list --state approved'));
  command.action(async (flags: ListFlags) => {
    await runRegistryCommand(ctx, flags, async (registry, output) => {
      const reviews = await registry.reviews({ state: flags.state ?? 'pending' });
      const { formatReviewTable } = await import('./agents-review-render.js');
      return printAnswer(ctx, output, { reviews }, () => formatReviewTable(reviews));
    });
  });
  return command;
}

function showCommand(ctx: CliContext): Command {
  return agentNameCommand(ctx, {
    name: 'show',
    description: "show an agent's change waiting for review: what differs from the approved card",
    help: examples('show support-bot', 'show support-bot --json | jq .changes'),
    answer: async (registry, name, output) => {
      const review = await pendingOf(registry, name);
      const { formatReview } = await import('./agents-review-render.js');
      return printAnswer(ctx, output, review, formatReview);
    },
  });
}

function decisionCommand(ctx: CliContext, decision: 'approve' | 'reject'): Command {
  const approve = decision === 'approve';
  const command = new Command(decision)
    .description(approve ? "approve an agent's held change: the registry serves it and the gateways route to it" : "reject an agent's held change: the registry keeps serving the approved card")
    .argument('<name>', 'agent name');
  command.addOption(approve ? new Option('--reason <text>', 'why (kept with the review and in the audit trail)') : new Option('--reason <text>', 'why (required; the submitter reads it)').makeOptionMandatory());
  addRegistryOptions(command).addHelpText(
    'after',
    examples(approve ? 'approve support-bot' : 'reject support-bot --reason "refunds are not in scope yet"', `${decision} support-bot --reason "checked with the owner" --token "$REGISTRY_REVIEW_TOKEN"`) +
      '\nNeeds a token with the registry:review scope: --token, else $REGISTRY_REVIEW_TOKEN.\n',
  );
  command.action(async (name: string, flags: DecisionFlags) => {
    await runRegistryCommand(ctx, reviewerFlags(ctx, flags), async (registry, output) => {
      const pending = await pendingOf(registry, name);
      const body = flags.reason === undefined ? {} : { reason: flags.reason };
      const review = approve ? await registry.approveReview(pending.id, body) : await registry.rejectReview(pending.id, { reason: flags.reason ?? '' });
      return printAnswer(ctx, output, review, () => `${name}: change ${review.id} ${review.state}${approve ? '; the registry serves it now' : ''}\n`);
    });
  });
  return command;
}

/** Builds the `agents review` group. */
export function agentsReviewCommand(ctx: CliContext): Command {
  return withSubcommands(new Command('review').description('card changes held for review: list, show, approve, reject'), {
    commands: [listCommand(ctx), showCommand(ctx), decisionCommand(ctx, 'approve'), decisionCommand(ctx, 'reject')],
    helpAfter: `
Examples:
  $ agentmesh agents review list
  $ agentmesh agents review show support-bot
  $ agentmesh agents review approve support-bot --reason "refund skill reviewed"
  $ agentmesh agents review reject support-bot --reason "price not agreed"

With review holds on (the registry's review setting), a changed card (skills,
URLs, prices, scopes) waits here; the registry and the gateways keep the
approved one until a reviewer decides (docs/registry.md#review-holds).
`,
  });
}
