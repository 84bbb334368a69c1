/** `agentmesh agents register`: adds an agent to the registry by card URL or card file, or the agents of an ACP server (`--acp`). */
import { Command, Option } from 'commander';
import { Errors } from '../../../protocol/index.js';
import type { CliContext } from '../../io/cli-io.js';
import type { AgentStatus } from '../../../contracts/registry/index.js';
import type { AcpRegistrationRequest, RegistrationRequest } from '../../role-apis/registry-client.js';
import { addRegistryOptions, printAnswer, readJsonObject, runRegistryCommand, type RegistryFlags } from './agents-options.js';
import { fields } from './agents-render.js';

interface RegisterFlags extends RegistryFlags {
  card?: string;
  acp?: string;
  name?: string;
  metadata?: string;
  /** One of commander's choices, the statuses the registry takes. */
  status?: AgentStatus;
}

const EXAMPLES = `
Examples:
  $ agentmesh agents register http://localhost:4000/agents/lead-scorer
  $ agentmesh agents register --card ./scorer-card.json --name lead-scorer --metadata ./scorer-meta.json
  $ agentmesh agents register --acp http://localhost:8000
  $ agentmesh agents register --acp http://localhost:8000 --name echo --metadata ./echo-meta.json

By URL, the registry fetches the card (a base URL gets /.well-known/agent-card.json),
validates it, verifies its signature when signed, and probes the agent there.
A refused card is reported with every problem, one per line.

With --acp, the registry reads the ACP server's /agents and registers each
agent it lists (or the one --name names) as a bridged agent: its A2A card is
derived from the ACP manifest, and the gateway calls it over ACP (docs/acp.md).
`;

/** Builds `agents register`. */
export function agentsRegisterCommand(ctx: CliContext): Command {
  const command = new Command('register')
    .description('register an agent by its card URL, by a card file (--card), or the agents of an ACP server (--acp)')
    .argument('[cardUrl]', "the agent's card URL or base URL")
    .option('--card <file.json>', 'register this card (A2A v1.0 or v0.3 JSON) instead of fetching one')
    .option('--acp <url>', "register the agents of the ACP server at this base URL (where /agents is) as bridged agents")
    .option('--name <name>', 'registry name (default: derived from the card name); with --acp, the one ACP agent to register')
    .option('--metadata <file.json>', 'enterprise metadata: department, owner, sla, skills pricing, configSchema…')
    .addOption(new Option('--status <status>', 'initial status (default active)').choices(['active', 'deprecated', 'disabled']));
  addRegistryOptions(command).addHelpText('after', EXAMPLES);

  command.action(async (cardUrl: string | undefined, flags: RegisterFlags) => {
    if ([cardUrl, flags.card, flags.acp].filter((v) => v !== undefined).length !== 1) {
      throw Errors.cliRegisterWhat({});
    }
    if (flags.acp !== undefined) return registerAcp(ctx, flags.acp, flags);
    const body: RegistrationRequest = { ...(cardUrl !== undefined ? { cardUrl } : { card: await readJsonObject(flags.card!, '--card') }), ...(await extrasOf(flags)) };
    await runRegistryCommand(ctx, flags, async (registry, output) => {
      const record = await registry.register(body);
      return printAnswer(ctx, output, record, () =>
        `registered ${record.name}\n` +
        fields([
          ['identifier', record.identifier],
          ['version', record.card.version],
          ['skills', record.card.skills.map((s) => s.id).join(', ')],
          ['card url', record.cardUrl],
          ['signed', record.signed ? 'yes' : 'no'],
          ['status', record.status],
        ]),
      );
    });
  });
  return command;
}

/** `--acp <url>`: every agent of that ACP server (or the one `--name`d), one line each. */
async function registerAcp(ctx: CliContext, url: string, flags: RegisterFlags): Promise<void> {
  const body: AcpRegistrationRequest = { url, ...(await extrasOf(flags)) };
  await runRegistryCommand(ctx, flags, async (registry, output) => {
    const records = await registry.registerAcp(body);
    return printAnswer(ctx, output, { agents: records }, () =>
      records
        .map(
          (record) =>
            `registered ${record.name} (bridged ACP agent)\n` +
            fields([
              ['identifier', record.identifier],
              ['skills', record.card.skills.map((s) => s.id).join(', ')],
              ['acp url', record.bridge?.url],
              ['status', record.status],
            ]),
        )
        .join(''),
    );
  });
}

/** What `--name`, `--metadata` and `--status` add to either registration. */
async function extrasOf(flags: RegisterFlags): Promise<Pick<RegistrationRequest, 'name' | 'metadata' | 'status'>> {
  return {
    ...(flags.name !== undefined && { name: flags.name }),
    ...(flags.metadata !== undefined && { metadata: await readJsonObject(flags.metadata, '--metadata') }),
    ...(flags.status !== undefined && { status: flags.status }),
  };
}
