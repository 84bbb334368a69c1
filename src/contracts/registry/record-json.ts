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

/**
 * A card as A2A JSON: a new object each call. What the registry writes out
 * many times (its row, its change, every answer and list page) goes through
 * {@link cardToJsonText}, which keeps the text of recent cards instead.
 */
export function cardToJson(card: AgentCard): unknown {
  return AgentCard.toJSON(card);
}

/**
 * The JSON text of the cards written most recently, by card object: a
 * registration writes its card three times (its row, its change-log row, its
 * answer) and converts it once. Bounded, not kept per card: at 100,000 agents
 * the text of every card was 1.1 KB an agent of heap for pages read only when
 * a gateway starts, which then convert their cards again (about 8 ms of
 * registry CPU per page of 1,000).
 */
const cardText = new Map<AgentCard, string>();
const RECENT_CARD_TEXTS = 4096;

/** A card as A2A JSON text, converted once while the card is among the last 4,096 written. */
export function cardToJsonText(card: AgentCard): string {
  let text = cardText.get(card);
  if (text === undefined) {
    text = JSON.stringify(AgentCard.toJSON(card));
    cardText.set(card, text);
    if (cardText.size > RECENT_CARD_TEXTS) cardText.delete(cardText.keys().next().value!);
  }
  return text;
}

/**
 * A record as JSON text, the same value as `JSON.stringify(recordToJson(record))`
 * with `card` written last: the card's text is written once per card object.
 */
export function recordToJsonText(record: AgentRecord): string {
  return `${recordJsonTextBeforeCard(record)}${cardToJsonText(record.card)}}`;
}

/**
 * The text {@link recordToJsonText} writes before the card's: the record
 * without its card, ending in `"card":`. That text, the card's text and `}`
 * make the record's (the registry's change log is written so, its card
 * taken from the agent's row in the database).
 */
export function recordJsonTextBeforeCard(record: AgentRecord): string {
  const { card: _card, ...rest } = record;
  const head = JSON.stringify(rest);
  return `${head.length > 2 ? `${head.slice(0, -1)},` : '{'}"card":`;
}

export function recordToJson(record: AgentRecord): AgentRecordJson {
  return { ...record, card: cardToJson(record.card) };
}

export function recordFromJson(json: AgentRecordJson | WireAgentRecord): AgentRecord {
  return { ...json, card: AgentCard.fromJSON(json.card) };
}

/** The card of each record {@link recordFromJsonLazily} made: as the wire sent it until first read, then the SDK's object. */
const lazyCards = new WeakMap<object, { wire: unknown; card: AgentCard | undefined }>();

/**
 * The `card` getter of every lazily converted record: one function for all.
 * V8 gives objects that add the same accessor (same getter) the same hidden
 * class, and turns an object whose getter differs from the one its shape was
 * first made with into a dictionary: a getter closed over each record made
 * every record after the first a dictionary, and a registry change (the
 * gateway's record replaced) deoptimized the calls' code that reads records.
 */
function lazyCard(this: object): AgentCard | undefined {
  const slot = lazyCards.get(this) ?? slotUnder(Object.getPrototypeOf(this) as object | null);
  if (slot === undefined) return undefined;
  if (slot.card === undefined) {
    slot.card = AgentCard.fromJSON(slot.wire);
    slot.wire = undefined;
  }
  return slot.card;
}

/** The slot of the lazy record `holder` is or has down its prototype chain (the getter read through an object made from it). */
function slotUnder(holder: object | null): { wire: unknown; card: AgentCard | undefined } | undefined {
  for (let o = holder; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    const slot = lazyCards.get(o);
    if (slot !== undefined) return slot;
  }
  return undefined;
}

/**
 * {@link recordFromJson} that converts the card when it is first read: a
 * gateway loading 100,000 records routes by name and instances, and reads a
 * card only when a call needs it (the conversion was most of its start-up).
 * Copying the record (`{ ...record }`) reads, and so converts, the card.
 */
export function recordFromJsonLazily(json: AgentRecordJson | WireAgentRecord): AgentRecord {
  const { card: wire, ...rest } = json;
  lazyCards.set(rest, { wire, card: undefined });
  return Object.defineProperty(rest, 'card', { enumerable: true, configurable: true, get: lazyCard }) as AgentRecord;
}

export function changeToJson(change: RegistryChange): Omit<RegistryChange, 'record'> & { record?: AgentRecordJson } {
  const { record, ...rest } = change;
  return record ? { ...rest, record: recordToJson(record) } : rest;
}

/** A change as JSON text, the same value as `JSON.stringify(changeToJson(change))` with `record` written last, its card from {@link cardToJsonText}. */
export function changeToJsonText(change: RegistryChange): string {
  const { record, ...rest } = change;
  if (record === undefined) return JSON.stringify(rest);
  const head = JSON.stringify(rest);
  return `${head.slice(0, -1)},"record":${recordToJsonText(record)}}`;
}
