import type { AgentmeshError } from '../../protocol/index.js';
import { Errors } from '../../protocol/index.js';
import type { AgentHealth, AgentRecord } from '../../contracts/registry/index.js';
import { deriveAgentHealth } from './health.js';
import { recordFromRow } from './rows.js';
import type { ChangeLog, Trx, WriteGroups } from './write-groups.js';

/*
 * What every kind of registry write needs of an agent's row inside its
 * transaction: that it exists, and its health as its instances now say.
 */

/** Refuses a write for an agent that is not registered. */
export async function requireAgent(trx: Trx, agent: string): Promise<void> {
  const row = await trx.selectFrom('registry_agents').select('name').where('name', '=', agent).executeTakeFirst();
  if (!row) throw agentNotFound(agent);
}

/**
 * Recomputes an agent's health from its instances; logs `health_changed` when it moved.
 * `written` is the record as this transaction just wrote it, when the caller has it.
 */
export async function refreshHealth(groups: WriteGroups, trx: Trx, agent: string, now: number, log: ChangeLog, written?: AgentRecord): Promise<AgentRecord | undefined> {
  let current = written;
  if (current === undefined) {
    const row = await trx.selectFrom('registry_agents').selectAll().where('name', '=', agent).executeTakeFirst();
    if (!row) return undefined;
    groups.rowCards.set(agent, row.card);
    current = recordFromRow(row);
  }
  const instances = await trx.selectFrom('registry_instances').select(['kind', 'probe_state', 'lease_expires_at']).where('agent', '=', agent).execute();
  const health: AgentHealth = deriveAgentHealth(instances, now);
  if (health === current.health) return current;
  const record: AgentRecord = { ...current, health, revision: current.revision + 1, updatedAt: new Date(now).toISOString() };
  await trx.updateTable('registry_agents').set({ health, revision: record.revision, updated_at: now }).where('name', '=', agent).execute();
  log({ kind: 'health_changed', agent, record, detail: { from: current.health, to: health } });
  return record;
}

export function agentNotFound(name: string): AgentmeshError {
  return Errors.registryAgentNotFound({ quotedName: JSON.stringify(name) }, { details: { agent: name } });
}
