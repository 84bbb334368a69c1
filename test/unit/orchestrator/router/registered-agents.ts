import type { AgentDefinition } from '../../../../src/contracts/agent/define-agent.js';
import { call, startRegistry } from '../../../helpers/registry-fixture.js';
import { startRuntime } from '../../../helpers/runtime-fixture.js';
import { until } from '../../../helpers/until.js';
import { oneSkillAgent } from '../../../helpers/one-skill-agent.js';
import { closeInTurn } from '../../../helpers/close-in-turn.js';

/** A registry, and a runtime hosting `agents` that registered their cards there (as `agentmesh up` does). */
export interface RegisteredAgents {
  registry: Awaited<ReturnType<typeof startRegistry>>;
  host: Awaited<ReturnType<typeof startRuntime>>;
  close: () => Promise<void>;
}

/**
 * Starts a registry probing every 100 ms and a runtime registering `agents`
 * with it; resolves once every agent is registered and healthy, so health
 * ordering starts from a known state.
 */
export async function startRegisteredAgents(agents: readonly AgentDefinition[]): Promise<RegisteredAgents> {
  const registry = await startRegistry({ probeIntervalMs: 100 });
  const host = await startRuntime([...agents], { registryUrl: registry.url, shutdownDeadlineMs: 1000 });
  await until(
    `${agents.length} agents registered and healthy`,
    async () => (await call(registry.url, 'GET', '/v1/agents?health=healthy&pageSize=100')).body.totalSize === agents.length,
    15_000,
  );
  return {
    registry,
    host,
    close: () => closeInTurn(host, registry),
  };
}

/** Waits until the registry reports `health` for `agent`. */
export async function untilHealth(registryUrl: string, agent: string, health: string): Promise<void> {
  await until(`${agent} ${health}`, async () => (await call(registryUrl, 'GET', `/v1/agents/${agent}`)).body?.health === health);
}

/**
 * An agent that keeps the notes of each conversation (context) it is called
 * in and answers with all of them, so a reply shows which specialist context
 * a message landed in. `notes`: the notes per context id.
 */
export function notebookAgent(): { agent: AgentDefinition; notes: Map<string, string[]> } {
  const notes = new Map<string, string[]>();
  const agent = oneSkillAgent({ name: 'notebook', description: 'Keeps the notes of a conversation' }, 'note', {
    description: 'Adds a note to the conversation and reads them all back',
    handler: (text: string, ctx) => {
      const list = [...(notes.get(ctx.contextId) ?? []), text];
      notes.set(ctx.contextId, list);
      return `${list.length} notes: ${list.join(' | ')}`;
    },
  });
  return { agent, notes };
}
