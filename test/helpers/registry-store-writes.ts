/**
 * What the registry store's tests on a database share: a store over each backend, the decisions
 * that register an agent, and what pg sends while a write runs.
 */
import { after, before } from 'node:test';
import { AgentCard } from '@a2a-js/sdk';
import pg from 'pg';
import { RegistryStore, type AgentDecision } from '../../src/registry/store/registry-store.js';
import type { AgentRecord } from '../../src/contracts/registry/index.js';
import type { DatabaseBackend, OpenedDatabase } from './database-backends.js';
import { sampleCard } from './registry-fixture.js';

/** Opens `backend` before the suite's tests and disposes of it after; `store()` is a registry store over it. */
export function registryStoreOn(backend: DatabaseBackend): { store: () => RegistryStore; opened: () => OpenedDatabase } {
  let opened: OpenedDatabase;
  let store: RegistryStore;
  before(async () => {
    opened = await backend.open();
    store = new RegistryStore(opened.database);
  });
  after(async () => {
    await opened.dispose();
  });
  return { store: () => store, opened: () => opened };
}

/** A statement pg sent: its text and its parameter values. */
export interface SentStatement {
  text: string;
  values: unknown[];
}

/** The statements pg sends while `run` runs (pg does not pipeline: each is a round trip). */
export async function pgStatementsDuring<T>(run: () => Promise<T>): Promise<{ result: T; statements: SentStatement[] }> {
  const statements: SentStatement[] = [];
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (pg.Client.prototype as { query: (...args: unknown[]) => unknown }).query = function (this: unknown, ...args: unknown[]) {
    const [first, second] = args;
    const text = typeof first === 'string' ? first : String((first as { text?: unknown }).text);
    const values = (Array.isArray(second) ? second : ((first as { values?: unknown[] }).values ?? [])) as unknown[];
    statements.push({ text, values });
    return query.apply(this, args);
  };
  try {
    return { result: await run(), statements };
  } finally {
    (pg.Client.prototype as { query: unknown }).query = query;
  }
}

/** The record of a new agent `name` with `card`, written at `now`. */
export function recordOf(name: string, card: AgentCard, now: number, revision = 1): AgentRecord {
  const at = new Date(now).toISOString();
  return { name, identifier: `urn:air:test:agent:${name}`, card, sourceProtocol: '1.0', signed: false, metadata: {}, status: 'active', health: 'unknown', revision, createdAt: at, updatedAt: at };
}

/** A new agent's record, refused when one of that name exists (as `PUT` in create mode is). */
export function register(name: string, card: AgentCard = AgentCard.fromJSON(sampleCard(name))): AgentDecision {
  return (current, now) => {
    if (current) throw new Error(`${name} exists`);
    return { kind: 'registered', record: recordOf(name, card, now) };
  };
}
