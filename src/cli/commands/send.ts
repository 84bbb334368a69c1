/**
 * `agentmesh send <url> [text]`: SendMessage / SendStreamingMessage
 * (A2A §3.1.1, §3.1.2) against any A2A agent, v1.0 or v0.3.
 */
import { Command } from 'commander';
import type { SendMessageRequest } from '@a2a-js/sdk';
import type { CliContext } from '../io/cli-io.js';
import { addConnectionOptions, runAgentCommand, type ConnectionFlags } from '../client/connection-options.js';

interface SendFlags extends ConnectionFlags {
  stream?: boolean;
  data?: string;
  skill?: string;
  task?: string;
  context?: string;
  wait: boolean;
  resubscribe: boolean;
}

const EXAMPLES = `
Examples:
  $ agentmesh send http://localhost:4200/agents/sales "Score the leads from last week"
  $ agentmesh send http://localhost:4200/agents/sales --stream --skill score-leads --data leads.json
  $ cat leads.json | agentmesh send http://localhost:4200/agents/sales --data - --json
  $ agentmesh send http://localhost:4200/agents/sales --task 3f2c… "EMEA only"
  $ agentmesh send https://agent.example.com/.well-known/agent-card.json "hi" --protocol 0.3 --binding rest

A --stream that breaks before its task ends (the agent's replica died, a proxy cut it) is followed
again with SubscribeToTask, with backoff for about a minute, saying so on stderr (--no-resubscribe: don't).

Exit codes: 0 completed (or a direct reply), 1 failed/canceled/rejected or error,
2 bad usage, 3 input-required/auth-required (the answer command is printed).
`;

/** Builds the `send` command. */
export function sendCommand(ctx: CliContext): Command {
  const command = new Command('send')
    .description('send a message to an A2A agent and print the task or reply')
    .argument('<url>', 'agent base URL (card at <url>/.well-known/agent-card.json) or the agent card URL')
    .argument('[text]', 'message text')
    .option('--stream', 'stream progress events until the task finishes or needs input')
    .option('--data <file.json>', 'add a data part from a JSON file ("-" reads stdin)')
    .option('--skill <id>', 'address a skill (sent as message metadata.skillId)')
    .option('--task <id>', 'continue a task, e.g. to answer input-required')
    .option('--context <id>', 'continue a conversation context')
    .option('--no-wait', 'return as soon as the agent accepted the task (returnImmediately)')
    .option('--no-resubscribe', 'with --stream: do not follow the task again (SubscribeToTask) when its stream breaks before it ends');
  addConnectionOptions(command).addHelpText('after', EXAMPLES);

  command.action(async (url: string, text: string | undefined, flags: SendFlags) => {
    // Loaded here, not at the top: `send --help` and every other command need none of them (CONTRIBUTING.md, "Load what you use").
    const [{ Errors }, { buildUserMessage, readJsonInput }, { followStream, printSendResult }] = await Promise.all([
      import('../../protocol/index.js'),
      import('../client/outgoing-message.js'),
      import('../io/task-output.js'),
    ]);
    if (flags.stream && !flags.wait) throw Errors.cliNoWaitWithStream({});
    // Read and check everything local before any network call.
    const message = buildUserMessage({
      text,
      data: flags.data === undefined ? undefined : await readJsonInput(flags.data, ctx.io.stdin),
      skillId: flags.skill,
      taskId: flags.task,
      contextId: flags.context,
    });
    const request: SendMessageRequest = {
      tenant: '',
      message,
      configuration: flags.wait
        ? undefined
        : { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately: true },
      metadata: undefined,
    };
    await runAgentCommand(ctx, url, flags, async ({ client }, output) =>
      flags.stream
        ? followStream(ctx, client.sendMessageStream(request), { ...output, resuming: flags.task !== undefined, ...(flags.resubscribe && { resubscribe: (id: string) => client.resubscribeTask({ tenant: '', id }), readTask: (id: string) => client.getTask({ tenant: '', id, historyLength: 0 }) }) })
        : printSendResult(ctx, await client.sendMessage(request), output),
    );
  });
  return command;
}
