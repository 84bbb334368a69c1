/**
 * A v0.3 stream that fails before any event has named its task (its first event not yet read, or a
 * message answer) still answers the error in v0.3's words: one that says to retry keeps its
 * ErrorInfo in `data`, as the same error after the first event does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerCallContext } from '@a2a-js/sdk/server';
import { SendMessageRequest } from '@a2a-js/sdk';
import { LegacyA2AError } from '@a2a-js/sdk/compat/v0_3/server';
import { AgentRequestHandler, CTX, type AgentRequestHandlerOptions } from '../../../src/runtime/agent-request-handler.js';
import type { CommittedEvent } from '../../../src/runtime/task-events.js';
import { Errors } from '../../../src/protocol/error-messages.js';

/** A handler whose committed events are `events`, then the shutting-down error. */
function failingAfter(events: CommittedEvent[]): AgentRequestHandler {
  const options = { agent: { name: 'a' } } as unknown as AgentRequestHandlerOptions;
  return new (class extends AgentRequestHandler {
    override async *stream(): AsyncGenerator<CommittedEvent, void, undefined> {
      yield* events;
      throw Errors.shuttingDown({});
    }
  })(options);
}

async function thrownBy(handler: AgentRequestHandler): Promise<unknown> {
  const context = new ServerCallContext({ requestedVersion: '0.3', state: new Map<string, unknown>([[CTX.requestId, 'r']]) });
  try {
    for await (const _ of handler.sendMessageStream(SendMessageRequest.fromJSON({}), context)) void _;
  } catch (err) {
    return err;
  }
  return assert.fail('the stream ended without its error');
}

/** The codes an error's v0.3 `data` carries (its ErrorInfo), or what it is when it is no v0.3 error. */
const reasons = (err: unknown): unknown => (err instanceof LegacyA2AError ? (err as unknown as { data: Array<{ metadata?: { code?: string } }> }).data.map((d) => d.metadata?.code) : String(err));

test('a v0.3 stream that says to retry before its first event keeps the retry signal, as after it', async () => {
  const status = { seq: 1, kind: 'status', state: undefined, payload: JSON.stringify({ statusUpdate: { taskId: 't', contextId: 'c', status: { state: 'TASK_STATE_WORKING' } } }) } as CommittedEvent;
  const after = await thrownBy(failingAfter([status]));
  assert.deepEqual(reasons(after), ['AM_ERR_HTTP_UNAVAILABLE']);
  assert.deepEqual(reasons(await thrownBy(failingAfter([]))), reasons(after), 'no event yet');
  const reply = { seq: 0, kind: 'reply', payload: JSON.stringify({ message: { messageId: 'm', role: 'ROLE_AGENT', parts: [{ text: 'hi' }] } }) } as CommittedEvent;
  assert.deepEqual(reasons(await thrownBy(failingAfter([reply]))), reasons(after), 'after a message answer, which names no task');
});
