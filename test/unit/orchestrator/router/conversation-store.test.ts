import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from '../../../../src/protocol/index.js';
import { MemoryConversationStore, type Conversation } from '../../../../src/orchestrator/router/index.js';

const conversation = (agent: string): Conversation => ({ agent, skill: undefined, childContextId: `ctx-${agent}`, childTaskId: `task-${agent}` });

describe('MemoryConversationStore', () => {
  test('returns what was set, and a copy rather than the caller\'s object', async () => {
    const store = new MemoryConversationStore();
    const original = conversation('legal');
    await store.set('k', original);
    original.agent = 'changed';
    assert.deepEqual(await store.get('k'), conversation('legal'));
    assert.equal(await store.get('other'), undefined);
  });

  test('forgets a conversation idle longer than the TTL, and a read keeps it alive', async () => {
    let now = 0;
    const store = new MemoryConversationStore({ ttlMs: 1000, now: () => now });
    await store.set('kept', conversation('legal'));
    await store.set('idle', conversation('finance'));
    now = 900;
    assert.ok(await store.get('kept'));
    now = 1500;
    assert.equal((await store.get('kept'))?.agent, 'legal');
    assert.equal(await store.get('idle'), undefined);
  });

  test('evicts the least recently used conversation beyond maxEntries', async () => {
    const store = new MemoryConversationStore({ maxEntries: 2 });
    await store.set('a', conversation('a'));
    await store.set('b', conversation('b'));
    await store.get('a');
    await store.set('c', conversation('c'));
    assert.equal(store.size, 2);
    assert.equal(await store.get('b'), undefined);
    assert.equal((await store.get('a'))?.agent, 'a');
    assert.equal((await store.get('c'))?.agent, 'c');
  });

  test('refuses a non-positive size or TTL', () => {
    assert.throws(() => new MemoryConversationStore({ maxEntries: 0 }), { code: ErrorCodes.CONFIG_INVALID });
    assert.throws(() => new MemoryConversationStore({ ttlMs: -1 }), { code: ErrorCodes.CONFIG_INVALID });
  });
});
