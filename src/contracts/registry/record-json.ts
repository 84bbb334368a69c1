import { AgentCard, type AgentSkill } from '@a2a-js/sdk';
import type { AgentRecord, RegistryChange } from './record.js';

/**
 * Records hold the card as the SDK's object (oneofs as `{ $case, value }`);
 * everything that leaves the process — the database, HTTP bodies, the watch
 * stream — carries it as A2A JSON. These are the only two crossings.
 */
export type AgentRecordJson = Omit<AgentRecord, 'card'> & { card: unknown };

/**
 * A card as A2A JSON, as a client reads it: the scalar fields a person is
 * shown read the same in both forms; the rest (oneofs, bytes) differ and
 * stay unknown until `recordFromJson` makes the SDK's object.
 */
export type AgentCardJson = Pick<AgentCard, 'name' | 'description' | 'version'> & {
  skills: Array<Pick<AgentSkill, 'id' | 'name' | 'description' | 'tags'>>;
  [field: string]: unknown;
};

/** A record as the registry's HTTP API serves it. */
export type WireAgentRecord = Omit<AgentRecord, 'card'> & { card: AgentCardJson };

export function recordToJson(record: AgentRecord): AgentRecordJson {
  return { ...record, card: AgentCard.toJSON(record.card) };
}

export function recordFromJson(json: AgentRecordJson | WireAgentRecord): AgentRecord {
  return { ...json, card: AgentCard.fromJSON(json.card) };
}

export function changeToJson(change: RegistryChange): Omit<RegistryChange, 'record'> & { record?: AgentRecordJson } {
  return change.record ? { ...change, record: recordToJson(change.record) } : (change as Omit<RegistryChange, 'record'>);
}
