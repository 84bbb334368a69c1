import { AgentCard } from '@a2a-js/sdk';
import type { AgentRecord, RegistryChange } from './record.js';

/**
 * Records hold the card as the SDK's object (oneofs as `{ $case, value }`);
 * everything that leaves the process — the database, HTTP bodies, the watch
 * stream — carries it as A2A JSON. These are the only two crossings.
 */
export type AgentRecordJson = Omit<AgentRecord, 'card'> & { card: unknown };

export function recordToJson(record: AgentRecord): AgentRecordJson {
  return { ...record, card: AgentCard.toJSON(record.card) };
}

export function recordFromJson(json: AgentRecordJson): AgentRecord {
  return { ...json, card: AgentCard.fromJSON(json.card) };
}

export function changeToJson(change: RegistryChange): Omit<RegistryChange, 'record'> & { record?: AgentRecordJson } {
  return change.record ? { ...change, record: recordToJson(change.record) } : (change as Omit<RegistryChange, 'record'>);
}
