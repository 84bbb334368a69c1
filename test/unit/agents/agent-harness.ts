import { after, before } from 'node:test';
import type { AgentDefinition } from '../../../src/runtime/index.js';
import { rpc, startRuntime } from '../../helpers/runtime-fixture.js';

/** A task as the v1 JSON-RPC binding returns it, reduced to what agent tests assert on. */
export interface TaskResult {
  id: string;
  contextId: string;
  state: string;
  /** The status message text (the question when input-required, the reason when failed). */
  statusText: string;
  /** The data of the `result` artifact (the handler's return value). */
  result: any;
  /** Text of every artifact by name. */
  texts: Record<string, string>;
  usage: { credits: number; units?: Record<string, number> } | undefined;
}

function reduce(task: any): TaskResult {
  const artifacts: any[] = task.artifacts ?? [];
  const resultPart = artifacts.find((a) => a.name === 'result')?.parts?.[0];
  const texts: Record<string, string> = {};
  for (const a of artifacts) texts[a.name] = (a.parts ?? []).map((p: any) => p.text ?? '').join('');
  return {
    id: task.id,
    contextId: task.contextId,
    state: task.status?.state,
    statusText: (task.status?.message?.parts ?? []).map((p: any) => p.text ?? '').join(''),
    result: resultPart?.data ?? resultPart?.text,
    texts,
    usage: task.metadata?.['agentmesh.usage'],
  };
}

/**
 * Serves one example agent from a real runtime (port 0, temporary data
 * directory) for the tests of a file, and sends it messages over JSON-RPC
 * (A2A v1): the agent runs exactly as `agentmesh up` runs it.
 */
export function serveAgent(agent: AgentDefinition): {
  send: (content: { text: string } | { data: unknown }, options?: { skillId?: string; taskId?: string; contextId?: string }) => Promise<TaskResult>;
} {
  let url = '';
  let close: (() => Promise<void>) | undefined;
  before(async () => {
    const started = await startRuntime([agent]);
    url = started.agents[agent.name]!;
    close = started.close;
  });
  after(async () => close?.());
  return {
    send: async (content, options = {}) => {
      const message = {
        messageId: crypto.randomUUID(),
        role: 'ROLE_USER',
        parts: [content],
        ...(options.taskId !== undefined && { taskId: options.taskId }),
        ...(options.contextId !== undefined && { contextId: options.contextId }),
        ...(options.skillId !== undefined && { metadata: { skillId: options.skillId } }),
      };
      const { body } = await rpc(url, 'SendMessage', { message });
      if (body.error) throw Object.assign(new Error(body.error.message), { rpcError: body.error });
      return reduce(body.result.task);
    },
  };
}
