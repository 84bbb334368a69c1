/**
 * The console's live task list (`GET /v1/console/tasks`, Server-Sent Events),
 * as the gateway sends it (`gateway/console/console-task-stream.ts`) and the
 * web console reads it.
 */

/** What the console lists of a task: no messages, no artifacts. */
export interface ConsoleTaskRow {
  agent: string;
  id: string;
  contextId: string;
  state: string;
  timestamp?: string;
  /** The skill the task runs (`metadata.skillId`): a workflow's name for the orchestrator's runs. */
  skillId?: string;
  /** The first words of what was asked: the first user message's text (or the names of its data's fields). */
  request?: string;
  /** The credits the task reported using (`metadata['agentmesh.usage'].credits`, written with its final status). */
  credits?: number;
}

/** One `tasks` event of the stream: the rows that changed, the ones gone, the agents that could not be read. */
export interface ConsoleTaskFrame {
  upserts: ConsoleTaskRow[];
  /** `<agent>/<task id>` of the rows that left the list. */
  removed: string[];
  /** One line per agent whose tasks could not be read: `<agent>: <why>`. */
  failures: string[];
}
