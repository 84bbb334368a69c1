/** `agentmesh agents register`: adds an agent to the registry by card URL or card file. */
import { Command, Option } from 'commander';
import { AgentmeshError, ErrorCodes } from '../../../protocol/index.js';
import type { CliContext } from '../../cli-io.js';
import { ExitCodes } from '../../exit-codes.js';
import type { RegistrationRequest } from '../../registry-client.js';
import { addRegistryOptions, printJson, readJsonObject, runRegistryCommand, type RegistryFlags } from './agents-options.js';
import { fields } from './agents-render.js';

interface RegisterFlags extends RegistryFlags {
  card?: string;
  name?: string;
  metadata?: string;
  status?: string;
}

const EXAMPLES = `
Examples:
  $ agentmesh agents register http://localhost:4000/agents/lead-scorer
  $ agentmesh agents register --card ./scorer-card.json --name lead-scorer --metadata ./scorer-meta.json

By URL, the registry fetches the card (a base URL gets /.well-known/agent-card.json),
validates it, verifies its signature when signed, and probes the agent there.
A refused card is reported with every problem, one per line.
`;

/** Builds `agents register`. */
export function agentsRegisterCommand(ctx: CliContext): Command {
  const command = new Command('register')
    .description('register an agent by its card URL, or by a card file (--card)')
    .argument('[cardUrl]', "the agent's card URL or base URL")
    .option('--card <file.json>', 'register this card (A2A v1.0 or v0.3 JSON) instead of fetching one')
    .option('--name <name>', 'registry name (default: derived from the card name)')
    .option('--metadata <file.json>', 'enterprise metadata: department, owner, sla, skills pricing, configSchema…')
    .addOption(new Option('--status <status>', 'initial status (default active)').choices(['active', 'deprecated', 'disabled']));
  addRegistryOptions(command).addHelpText('after', EXAMPLES);

  command.action(async (cardUrl: string | undefined, flags: RegisterFlags) => {
    if ((cardUrl === undefined) === (flags.card === undefined)) {
      throw new AgentmeshError(ErrorCodes.CLI_USAGE, 'give either a card URL or --card <file.json> (exactly one)');
    }
    const body: RegistrationRequest = cardUrl !== undefined ? { cardUrl } : { card: await readJsonObject(flags.card!, '--card') };
    if (flags.name !== undefined) body.name = flags.name;
    if (flags.metadata !== undefined) body.metadata = await readJsonObject(flags.metadata, '--metadata');
    if (flags.status !== undefined) body.status = flags.status;
    await runRegistryCommand(ctx, flags, async (registry, output) => {
      const record = await registry.register(body);
      if (output.json) {
        printJson(ctx, record);
        return ExitCodes.OK;
      }
      ctx.io.stdout.write(
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
      return ExitCodes.OK;
    });
  });
  return command;
}
