import { Command } from 'commander';

/**
 * A `tasks` subcommand against one agent: its `<url>` (the agent's base URL or card URL), then,
 * for the commands on one task, its `<taskId>`.
 */
export function agentTaskCommand(name: string, description: string, on: 'agent' | 'task'): Command {
  const command = new Command(name).description(description).argument('<url>', 'agent base URL or agent card URL');
  return on === 'task' ? command.argument('<taskId>', 'task id') : command;
}
