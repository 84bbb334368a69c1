import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyA2aRequest } from '../../../src/gateway/policy/a2a-operation.js';

test('JSON-RPC v1 and v0.3 methods map to operations and scopes', () => {
  const send = classifyA2aRequest('POST', '/', { jsonrpc: '2.0', id: 7, method: 'SendMessage', params: { message: { messageId: 'm', parts: [] } } }, '1.0')!;
  assert.equal(send.operation, 'SendMessage');
  assert.equal(send.scope, 'a2a:message:send');
  assert.equal(send.jsonRpcId, 7);
  assert.equal(send.idempotent, false);
  assert.deepEqual(send.message, { messageId: 'm', parts: [] });
  const legacy = classifyA2aRequest('POST', '/', { jsonrpc: '2.0', id: 'a', method: 'tasks/cancel', params: { id: 't1' } }, undefined)!;
  assert.equal(legacy.operation, 'CancelTask');
  assert.equal(legacy.version, '0.3');
  assert.equal(legacy.taskId, 't1');
  assert.equal(legacy.scope, 'a2a:tasks:cancel');
  const get = classifyA2aRequest('POST', '/', { jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 't2' } }, '1.0')!;
  assert.equal(get.idempotent, true);
  assert.equal(classifyA2aRequest('POST', '/', { jsonrpc: '2.0', id: 1, method: 'Nope' }, '1.0'), undefined);
  assert.equal(classifyA2aRequest('POST', '/', 'not an object', '1.0'), undefined);
});

test('REST paths of both versions', () => {
  assert.equal(classifyA2aRequest('POST', '/message:send', { message: {} }, '1.0')!.operation, 'SendMessage');
  assert.equal(classifyA2aRequest('POST', '/v1/message:stream', { message: {} }, undefined)!.version, '0.3');
  assert.equal(classifyA2aRequest('GET', '/tasks/abc', undefined, '1.0')!.taskId, 'abc');
  assert.equal(classifyA2aRequest('POST', '/tasks/abc:cancel', undefined, '1.0')!.operation, 'CancelTask');
  assert.equal(classifyA2aRequest('POST', '/tasks/abc:subscribe', undefined, '1.0')!.streaming, true);
  assert.equal(classifyA2aRequest('DELETE', '/tasks/abc/pushNotificationConfigs/p1', undefined, '1.0')!.scope, 'a2a:push:write');
  assert.equal(classifyA2aRequest('GET', '/tasks', undefined, '1.0')!.operation, 'ListTasks');
  const card = classifyA2aRequest('GET', '/.well-known/agent-card.json', undefined, undefined)!;
  assert.equal(card.operation, 'GetAgentCard');
  assert.equal(card.scope, undefined);
  assert.equal(classifyA2aRequest('GET', '/admin', undefined, '1.0'), undefined);
});
