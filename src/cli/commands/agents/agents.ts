/** `agentmesh agents …`: the registry from the command line (docs/cli.md). */
import { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { withSubcommands } from '../command-group.js';
import { agentsConfigCommand } from './agents-config.js';
import { agentsDeregisterCommand } from './agents-deregister.js';
import { agentsHealthCommand } from './agents-health.js';
import { agentsListCommand } from './agents-list.js';
import { agentsOwnershipCommand } from './agents-ownership.js';
import { agentsRegisterCommand } from './agents-register.js';
import { agentsReviewCommand } from './agents-review.js';
import { agentsSearchCommand } from './agents-search.js';
import { agentsShowCommand } from './agents-show.js';

/** Builds the `agents` group: list, show, register, deregister, search, health, config, review, ownership. */
export function agentsCommand(ctx: CliContext): Command {
  return withSubcommands(new Command('agents').description('find, inspect and manage agents in the registry'), {
    commands: [
      agentsListCommand(ctx),
      agentsShowCommand(ctx),
      agentsRegisterCommand(ctx),
      agentsDeregisterCommand(ctx),
      agentsSearchCommand(ctx),
      agentsHealthCommand(ctx),
      agentsConfigCommand(ctx),
      agentsReviewCommand(ctx),
      agentsOwnershipCommand(ctx),
    ],
    helpAfter: `
Examples:
  $ agentmesh agents list --department sales
  $ agentmesh agents search "score leads similar to my best customers"
  $ agentmesh agents show lead-scorer
  $ agentmesh agents register http://localhost:4000/agents/lead-scorer
  $ agentmesh agents config put lead-scorer --set threshold=0.8
  $ agentmesh agents review approve lead-scorer --reason "new skill checked"
  $ agentmesh agents ownership lead-scorer --verify

Registry: --registry <url>, else $AGENTMESH_REGISTRY, else where the agentmesh up of this folder listens
(.agentmesh/endpoints.json), else http://localhost:4100.
Writes send --token (else $REGISTRY_TOKEN) as a bearer token; review decisions
--token, else $REGISTRY_REVIEW_TOKEN.
`,
  });
}
