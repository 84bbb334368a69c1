import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from '../../../../src/protocol/errors.js';
import { MemoryConversationStore, type Conversation, type ConversationKey } from '../../../../src/orchestrator/router/conversation-store.js';

const key = (contextId: string, tenant = 'acme', caller = 'alice'): ConversationKey => ({ tenant, caller, contextId });
const conversation = (agent: string): Conversation => ({ agent, skill: undefined, childContextId: `ctx-${agent}`, childTaskId: `task-${agent}` });

describe('MemoryConversationStore', () => {
  test('returns what was set, and a copy rather than the caller\'s object', async () => {
    const store = new MemoryConversationStore();
    const original = conversation('legal');
    await store.set(key('k'), original);
    original.agent = 'changed';
    assert.deepEqual(await store.get(key('k')), conversation('legal'));
    assert.equal(await store.get(key('other')), undefined);
  });

  test('forgets a conversation idle longer than the TTL, and a read keeps it alive', async () => {
    let now = 0;
    const store = new MemoryConversationStore({ ttlMs: 1000, now: () => now });
    await store.set(key('kept'), conversation('legal'));
    await store.set(key('idle'), conversation('finance'));
    now = 900;
    assert.ok(await store.get(key('kept')));
    now = 1500;
    assert.equal((await store.get(key('kept')))?.agent, 'legal');
    assert.equal(await store.get(key('idle')), undefined);
  });

  test('evicts the least recently used conversation beyond maxEntries', async () => {
    const store = new MemoryConversationStore({ maxEntries: 2 });
    await store.set(key('a'), conversation('a'));
    await store.set(key('b'), conversation('b'));
    await store.get(key('a'));
    await store.set(key('c'), conversation('c'));
    assert.equal(store.size, 2);
    assert.equal(await store.get(key('b')), undefined);
    assert.equal((await store.get(key('a')))?.agent, 'a');
    assert.equal((await store.get(key('c')))?.agent, 'c');
  });

  test('keeps the conversations of other tenants and callers apart, even with the same contextId', async () => {
    const store = new MemoryConversationStore();
    await store.set(key('ctx', 'acme', 'alice'), conversation('legal'));
    assert.equal(await store.get(key('ctx', 'globex', 'alice')), undefined);
    assert.equal(await store.get(key('ctx', 'acme', 'bob')), undefined);
    // A separator inside a part cannot make two keys one.
    await store.set(key('c', 'a","b'), conversation('finance'));
    assert.equal(await store.get(key('c', 'a', 'b","')), undefined);
  });

  test('refuses a non-positive size or TTL', () => {
    assert.throws(() => new MemoryConversationStore({ maxEntries: 0 }), { code: ErrorCodes.CONFIG_INVALID });
    assert.throws(() => new MemoryConversationStore({ ttlMs: -1 }), { code: ErrorCodes.CONFIG_INVALID });
  });
});
