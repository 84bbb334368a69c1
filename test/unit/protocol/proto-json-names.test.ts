import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { SendMessageRequest, ListTasksRequest, TaskPushNotificationConfig } from '@a2a-js/sdk';
import { AgentmeshError, ErrorCodes } from '../../../src/protocol/errors.js';
import { protoJsonName } from '../../../src/protocol/proto-json-names.js';
import { validateParams } from '../../../src/protocol/params-validation.js';
import { PARAM_SCHEMAS } from '../../../src/protocol/params-validation.js';

/** Proto messages (name → fields) of a2a.proto, read with a regex: enough for this file's flat layout. */
function protoMessages(): Map<string, Array<{ type: string; name: string }>> {
  const text = readFileSync(new URL('../../fixtures/a2a-v1.0.1.proto', import.meta.url), 'utf8');
  const messages = new Map<string, Array<{ type: string; name: string }>>();
  for (const m of text.matchAll(/^message (\w+) \{([\s\S]*?)^\}/gm)) {
    const fields = [...m[2]!.matchAll(/^\s+(?:repeated |optional )?([\w.<>, ]+?) (\w+) = \d+/gm)].map((f) => ({ type: f[1]!, name: f[2]! }));
    messages.set(m[1]!, fields);
  }
  return messages;
}

const REQUEST_MESSAGE: Record<string, string> = {
  SendMessage: 'SendMessageRequest',
  SendStreamingMessage: 'SendMessageRequest',
  GetTask: 'GetTaskRequest',
  ListTasks: 'ListTasksRequest',
  CancelTask: 'CancelTaskRequest',
  SubscribeToTask: 'SubscribeToTaskRequest',
  CreateTaskPushNotificationConfig: 'TaskPushNotificationConfig',
  GetTaskPushNotificationConfig: 'GetTaskPushNotificationConfigRequest',
  ListTaskPushNotificationConfigs: 'ListTaskPushNotificationConfigsRequest',
  DeleteTaskPushNotificationConfig: 'DeleteTaskPushNotificationConfigRequest',
  GetExtendedAgentCard: 'GetExtendedAgentCardRequest',
};

interface Schema { properties?: Record<string, Schema>; items?: Schema }

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Rewrites the declared fields of `value` to their proto names wherever `pick()` says so. */
function respell(value: unknown, schema: Schema, pick: () => boolean): unknown {
  if (Array.isArray(value)) return schema.items ? value.map((v) => respell(v, schema.items!, pick)) : value;
  if (!schema.properties || typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const field = schema.properties[k];
    out[field && pick() ? snake(k) : k] = field ? respell(v, field, pick) : v;
  }
  return out;
}

describe('ProtoJSON field names (A2A §5.5)', () => {
  test('every field of every request message in a2a.proto is declared in its params schema', () => {
    const messages = protoMessages();
    const missing: string[] = [];
    const walk = (message: string, schema: Schema, path: string) => {
      for (const { type, name } of messages.get(message) ?? []) {
        const field = schema.properties?.[protoJsonName(name)];
        if (!field) {
          missing.push(`${path}.${protoJsonName(name)}`);
          continue;
        }
        if (messages.has(type)) walk(type, field.items ?? field, `${path}.${protoJsonName(name)}`);
      }
    };
    for (const [method, message] of Object.entries(REQUEST_MESSAGE)) {
      assert.ok(messages.has(message), `${message} is in the proto`);
      walk(message, PARAM_SCHEMAS[method] as Schema, method);
    }
    assert.deepEqual(missing, []);
  });

  test('a request with any mix of proto names and JSON names is read identically', () => {
    const part = fc.oneof(
      fc.record({ text: fc.string(), mediaType: fc.constantFrom('text/plain', 'text/markdown') }, { requiredKeys: ['text'] }),
      fc.record({ data: fc.dictionary(fc.constantFrom('message_id', 'task_id', 'a_b', 'x'), fc.string()), metadata: fc.dictionary(fc.constantFrom('context_id', 'y'), fc.integer()) }, { requiredKeys: ['data'] }),
      fc.record({ url: fc.webUrl(), filename: fc.string({ minLength: 1 }) }, { requiredKeys: ['url'] }),
    );
    const sendMessage = fc.record(
      {
        tenant: fc.string(),
        message: fc.record(
          {
            messageId: fc.uuid(),
            contextId: fc.uuid(),
            taskId: fc.uuid(),
            role: fc.constant('ROLE_USER'),
            parts: fc.array(part, { minLength: 1, maxLength: 3 }),
            referenceTaskIds: fc.array(fc.uuid(), { maxLength: 2 }),
            metadata: fc.dictionary(fc.constantFrom('reference_task_ids', 'z'), fc.string()),
          },
          { requiredKeys: ['messageId', 'role', 'parts'] },
        ),
        configuration: fc.record({
          acceptedOutputModes: fc.array(fc.constantFrom('text/plain', 'application/json'), { maxLength: 2 }),
          historyLength: fc.nat(1000),
          returnImmediately: fc.boolean(),
          taskPushNotificationConfig: fc.record({ url: fc.webUrl(), token: fc.string(), authentication: fc.record({ scheme: fc.constant('Bearer'), credentials: fc.string() }) }, { requiredKeys: ['url'] }),
        }, { requiredKeys: [] }),
      },
      { requiredKeys: ['message'] },
    );
    fc.assert(
      fc.property(sendMessage, fc.array(fc.boolean(), { minLength: 1, maxLength: 64 }), (generated, choices) => {
        const request = JSON.parse(JSON.stringify(generated)) as unknown; // plain objects, as parsed from the wire
        let i = 0;
        const mixed = respell(request, PARAM_SCHEMAS['SendMessage'] as Schema, () => choices[i++ % choices.length]!);
        const read = validateParams('SendMessage', mixed);
        assert.deepEqual(read, validateParams('SendMessage', request));
        assert.deepEqual(SendMessageRequest.fromJSON(read), SendMessageRequest.fromJSON(request as Record<string, unknown>));
      }),
    );
  });

  test('query-shaped requests and push configs are read under either name', () => {
    assert.deepEqual(
      ListTasksRequest.fromJSON(validateParams('ListTasks', { context_id: 'c', page_size: 5, history_length: 0, include_artifacts: true, status_timestamp_after: '2026-01-02T03:04:05Z' })),
      ListTasksRequest.fromJSON({ contextId: 'c', pageSize: 5, historyLength: 0, includeArtifacts: true, statusTimestampAfter: '2026-01-02T03:04:05Z' }),
    );
    assert.deepEqual(
      TaskPushNotificationConfig.fromJSON(validateParams('CreateTaskPushNotificationConfig', { task_id: 't', url: 'https://example.com/hook' })),
      TaskPushNotificationConfig.fromJSON({ taskId: 't', url: 'https://example.com/hook' }),
    );
  });

  test('user content under Struct fields keeps its keys', () => {
    const read = validateParams('SendMessage', { message: { message_id: 'm', role: 'ROLE_USER', parts: [{ data: { task_id: 1 } }], metadata: { context_id: 'x' } }, metadata: { history_length: 2 } });
    assert.deepEqual(read, { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ data: { task_id: 1 } }], metadata: { context_id: 'x' } }, metadata: { history_length: 2 } });
  });

  test('a field sent under both names is refused as invalid params naming it', () => {
    assert.throws(
      () => validateParams('SendMessage', { message: { messageId: 'a', message_id: 'b', role: 'ROLE_USER', parts: [{ text: 'x' }] } }),
      (err: unknown) => err instanceof AgentmeshError && err.code === ErrorCodes.PROTOCOL_INVALID_PARAMS && /message\.messageId is sent both as message_id and as messageId/.test(err.message),
    );
  });
});
