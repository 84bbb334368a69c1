import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { classifyA2aRequest, readA2aRequest, taskIdOf, type ClassifiedRequest } from '../../../src/gateway/policy/a2a-operation.js';
import { MAX_JSON_DEPTH } from '../../../src/protocol/json-depth.js';

const ok = (reading: ReturnType<typeof classifyA2aRequest>): ClassifiedRequest => {
  assert.equal(reading.refusal, undefined, reading.refusal?.message);
  return reading as ClassifiedRequest;
};
const pick = (c: ClassifiedRequest) => [c.operation, c.taskId, c.forwardPath];
const refusalOf = (reading: ReturnType<typeof classifyA2aRequest>) => reading.refusal?.code;

test('JSON-RPC v1 and v0.3 methods map to operations and scopes', () => {
  const send = ok(classifyA2aRequest('POST', '/', { jsonrpc: '2.0', id: 7, method: 'SendMessage', params: { message: { messageId: 'm', parts: [] } } }, '1.0'));
  assert.equal(send.operation, 'SendMessage');
  assert.equal(send.scope, 'a2a:message:send');
  assert.equal(send.jsonRpcId, 7);
  assert.equal(send.idempotent, false);
  assert.deepEqual(send.message, { messageId: 'm', parts: [] });
  const legacy = ok(classifyA2aRequest('POST', '/', { jsonrpc: '2.0', id: 'a', method: 'tasks/cancel', params: { id: 't1' } }, undefined));
  assert.equal(legacy.operation, 'CancelTask');
  assert.equal(legacy.version, '0.3');
  assert.equal(legacy.taskId, 't1');
  assert.equal(legacy.scope, 'a2a:tasks:cancel');
  const get = ok(classifyA2aRequest('POST', '/', { jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 't2' } }, '1.0'));
  assert.equal(get.idempotent, true);
  // Without a version header, a v1 name is served as v1 (as the runtime does).
  assert.equal(ok(classifyA2aRequest('POST', '/', { jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 't2' } }, undefined)).version, '1.0');
});

test('a JSON-RPC request that is no A2A operation is refused with its JSON-RPC error and id', () => {
  const unknown = classifyA2aRequest('POST', '/', { jsonrpc: '2.0', id: 9, method: 'Nope' }, '1.0');
  assert.equal(refusalOf(unknown), 'AM_ERR_PROTOCOL_METHOD_NOT_FOUND');
  assert.equal(unknown.jsonRpcId, 9);
  assert.equal(unknown.binding, 'JSONRPC');
  assert.equal(refusalOf(classifyA2aRequest('POST', '/', 'not an object', '1.0')), 'AM_ERR_PROTOCOL_INVALID_REQUEST');
  assert.equal(refusalOf(classifyA2aRequest('POST', '/', [], '1.0')), 'AM_ERR_PROTOCOL_INVALID_REQUEST');
  assert.equal(refusalOf(classifyA2aRequest('POST', '/', { jsonrpc: '2.0', id: 1, method: 'GetTask', params: 'x' }, '1.0')), 'AM_ERR_PROTOCOL_INVALID_PARAMS');
  assert.equal(refusalOf(classifyA2aRequest('POST', '/', { jsonrpc: '2.0', id: 1, method: 'GetTask' }, '9.9')), 'AM_ERR_PROTOCOL_VERSION_NOT_SUPPORTED');
  // Names of Object.prototype's members are method names like any other.
  for (const method of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
    const reading = classifyA2aRequest('POST', '/', { jsonrpc: '2.0', id: 1, method }, undefined);
    assert.equal(refusalOf(reading), 'AM_ERR_PROTOCOL_METHOD_NOT_FOUND', method);
    assert.equal(reading.operation, undefined);
  }
  const parse = readA2aRequest('POST', '/', Buffer.from('{"jsonrpc":'), '1.0').reading;
  assert.equal(refusalOf(parse), 'AM_ERR_PROTOCOL_PARSE');
  assert.equal(parse.refusal !== undefined && parse.beforeAuth, true);
});

test('REST paths of both versions', () => {
  assert.equal(ok(classifyA2aRequest('POST', '/message:send', { message: {} }, '1.0')).operation, 'SendMessage');
  assert.equal(ok(classifyA2aRequest('POST', '/v1/message:stream', { message: {} }, undefined)).version, '0.3');
  assert.equal(ok(classifyA2aRequest('GET', '/tasks/abc', undefined, '1.0')).taskId, 'abc');
  assert.equal(ok(classifyA2aRequest('POST', '/tasks/abc:cancel', undefined, '1.0')).operation, 'CancelTask');
  assert.equal(ok(classifyA2aRequest('POST', '/tasks/abc:subscribe', undefined, '1.0')).streaming, true);
  // The proto's HTTP rule subscribes with GET; the SDK's routers serve both.
  const subscribe = ok(classifyA2aRequest('GET', '/tasks/abc:subscribe', undefined, '1.0'));
  assert.deepEqual([subscribe.operation, subscribe.taskId, subscribe.streaming, subscribe.forwardPath], ['SubscribeToTask', 'abc', true, '/tasks/abc:subscribe']);
  // An encoded colon is the id's, never an action's, on every `:verb` route and method: nothing is cancelled or subscribed.
  // On v1 the agent answers TASK_NOT_FOUND for the id with the colon, and so does the gateway, naming it.
  for (const verb of ['cancel', 'subscribe']) {
    const v1 = classifyA2aRequest('POST', `/tasks/abc%3A${verb}`, undefined, '1.0');
    assert.deepEqual([refusalOf(v1), v1.refusal?.details?.['taskId'], v1.binding], ['AM_ERR_TASK_NOT_FOUND', `abc:${verb}`, 'HTTP+JSON']);
    assert.equal(refusalOf(classifyA2aRequest('POST', `/tasks/%FF%3A${verb}`, undefined, '1.0')), 'AM_ERR_PROTOCOL_INVALID_REQUEST');
    assert.equal(refusalOf(classifyA2aRequest('POST', `/v1/tasks/abc%3A${verb}`, undefined, '0.3')), 'AM_ERR_HTTP_NOT_FOUND');
  }
  assert.deepEqual(pick(ok(classifyA2aRequest('GET', '/tasks/abc%3Asubscribe', undefined, '1.0'))), ['GetTask', 'abc:subscribe', '/tasks/abc%3Asubscribe']);
  assert.deepEqual(pick(ok(classifyA2aRequest('POST', '/tasks/abc%3Ax:cancel', undefined, '1.0'))), ['CancelTask', 'abc:x', '/tasks/abc%3Ax:cancel']);
  for (const path of ['/message%3Asend', '/message%3Astream']) assert.equal(refusalOf(classifyA2aRequest('POST', path, {}, '1.0')), 'AM_ERR_HTTP_NOT_FOUND');
  // A /v1/… path no v0.3 operation has is refused as the runtime's v0.3 binding refuses it: in v0.3, or, asked as 1.0, for the version.
  assert.deepEqual([refusalOf(classifyA2aRequest('POST', '/v1/message%3Asend', {}, '0.3')), classifyA2aRequest('POST', '/v1/message%3Asend', {}, '0.3').version], ['AM_ERR_HTTP_NOT_FOUND', '0.3']);
  assert.equal(refusalOf(classifyA2aRequest('POST', '/v1/message%3Asend', {}, '1.0')), 'AM_ERR_PROTOCOL_VERSION_NOT_SUPPORTED');
  // A POST on a task naming no operation is the task route's refusal, whose message names the action.
  assert.match(classifyA2aRequest('POST', '/tasks/abc', undefined, '1.0').refusal?.message ?? '', /^No operation on tasks/);
  assert.match(classifyA2aRequest('POST', '/tasks/abc:archive', undefined, '1.0').refusal?.message ?? '', /^No operation 'archive' on tasks/);
  assert.equal(ok(classifyA2aRequest('DELETE', '/tasks/abc/pushNotificationConfigs/p1', undefined, '1.0')).scope, 'a2a:push:write');
  assert.equal(ok(classifyA2aRequest('GET', '/tasks', undefined, '1.0')).operation, 'ListTasks');
  const card = ok(classifyA2aRequest('GET', '/.well-known/agent-card.json', undefined, undefined));
  assert.equal(card.operation, 'GetAgentCard');
  assert.equal(card.scope, undefined);
  // The card's own rule (ADR 0033): no version named is the v1.0 card, except at the v0.2-era agent.json.
  assert.equal(card.version, '1.0');
  assert.equal(ok(classifyA2aRequest('GET', '/.well-known/agent.json', undefined, undefined)).version, '0.3');
  assert.equal(ok(classifyA2aRequest('GET', '/.well-known/agent-card.json', undefined, '0.3')).version, '0.3');
  assert.equal(refusalOf(classifyA2aRequest('GET', '/admin', undefined, '1.0')), 'AM_ERR_HTTP_NOT_FOUND');
});

test('a path with a slash after it is no operation: read as the agent\'s router reads it, never as the path without the slash', () => {
  // v1: no route (404), or a route whose last parameter is left empty, refused by its parameter check (-32602 / 400).
  for (const [method, path] of [['POST', '/message:send/'], ['POST', '/message:stream/'], ['GET', '/tasks/abc/'], ['GET', '/tasks//'], ['POST', '/tasks/abc:cancel/'], ['GET', '/tasks/abc:subscribe/'], ['POST', '/tasks/abc/pushNotificationConfigs/'], ['GET', '/extendedAgentCard/'], ['GET', '/.well-known/agent-card.json/'], ['POST', '//']] as const) {
    const reading = classifyA2aRequest(method, path, {}, '1.0');
    assert.deepEqual([reading.operation, refusalOf(reading), reading.refusal?.message], [undefined, 'AM_ERR_HTTP_NOT_FOUND', `Route ${method} ${path} not found`], path);
  }
  for (const [method, path] of [['GET', '/tasks/'], ['GET', '/tasks/abc/pushNotificationConfigs/'], ['DELETE', '/tasks/abc/pushNotificationConfigs/']] as const) {
    assert.deepEqual([classifyA2aRequest(method, path, undefined, '1.0').operation, refusalOf(classifyA2aRequest(method, path, undefined, '1.0'))], [undefined, 'AM_ERR_PROTOCOL_INVALID_PARAMS'], path);
  }
  assert.match(classifyA2aRequest('POST', '/tasks/', undefined, '1.0').refusal?.message ?? '', /^No operation on tasks/);
  // v0.3: no path with a slash after it is the binding's, refused in its words; a 1.0 client is told where v1.0 is first.
  for (const path of ['/v1/message:send/', '/v1/tasks/abc/', '/v1/tasks/abc:cancel/', '/v1/tasks/', '/v1/card/', '/v1/']) {
    const reading = classifyA2aRequest(path.includes('message') || path.includes('cancel') ? 'POST' : 'GET', path, {}, '0.3');
    assert.deepEqual([reading.operation, refusalOf(reading), reading.version], [undefined, 'AM_ERR_HTTP_NOT_FOUND', '0.3'], path);
    assert.equal(refusalOf(classifyA2aRequest('GET', path, {}, '1.0')), 'AM_ERR_PROTOCOL_VERSION_NOT_SUPPORTED', path);
  }
  // The JSON-RPC root is the agent's base, with or without its slash; `readA2aRequest` is given `/` for both.
  assert.equal(readA2aRequest('POST', '/', Buffer.from('{}'), '1.0').reading.binding, 'JSONRPC');
  assert.equal(readA2aRequest('POST', '//', Buffer.from('{}'), '1.0').reading.binding, 'HTTP+JSON');
});

test('task ids are decoded once; an id that cannot name a task is TASK_NOT_FOUND, bad encoding an invalid request, never an exception', () => {
  for (const raw of ['%00', '%0D%0Ax', 'a'.repeat(5000)]) {
    assert.equal(refusalOf(classifyA2aRequest('GET', `/tasks/${raw}`, undefined, '1.0')), 'AM_ERR_TASK_NOT_FOUND', raw);
    assert.equal(refusalOf(classifyA2aRequest('POST', `/tasks/${raw}:cancel`, undefined, '1.0')), 'AM_ERR_TASK_NOT_FOUND', raw);
  }
  // As the runtime's router answers: percent-encoding that is not UTF-8 is no URL at all.
  for (const raw of ['%25%', '%FF', '%ED%A0%80']) {
    assert.equal(refusalOf(classifyA2aRequest('GET', `/tasks/${raw}`, undefined, '1.0')), 'AM_ERR_PROTOCOL_INVALID_REQUEST', raw);
    assert.equal(refusalOf(classifyA2aRequest('POST', `/tasks/${raw}:cancel`, undefined, '1.0')), 'AM_ERR_PROTOCOL_INVALID_REQUEST', raw);
    assert.equal(refusalOf(classifyA2aRequest('GET', `/tasks/t1/pushNotificationConfigs/${raw}`, undefined, '1.0')), 'AM_ERR_PROTOCOL_INVALID_REQUEST', raw);
  }
  // Encoded traversal and markup are ids like any other, forwarded encoded once.
  const traversal = ok(classifyA2aRequest('GET', '/tasks/..%2F..%2Fetc', undefined, '1.0'));
  assert.equal(traversal.taskId, '../../etc');
  assert.equal(traversal.forwardPath, '/tasks/..%2F..%2Fetc');
  assert.equal(ok(classifyA2aRequest('GET', '/tasks/%F0%9F%98%80', undefined, '1.0')).forwardPath, '/tasks/%F0%9F%98%80');
  assert.equal(ok(classifyA2aRequest('GET', '/v1/tasks/x%20', undefined, undefined)).forwardPath, '/v1/tasks/x%20');
});

test('property: any raw path and body is read without throwing, and what is forwarded is printable ASCII', () => {
  fc.assert(
    fc.property(fc.constantFrom('GET', 'POST', 'DELETE'), fc.string({ unit: 'binary' }), fc.option(fc.string({ unit: 'binary' }), { nil: undefined }), (method, path, body) => {
      const { reading } = readA2aRequest(method, `/tasks/${path}`, body === undefined ? undefined : Buffer.from(body, 'utf8'), '1.0');
      if (reading.refusal === undefined) assert.match(reading.forwardPath, /^[\x21-\x7e]*$/);
      assert.equal(taskIdOf(encodeURIComponent('ok-id')), 'ok-id');
    }),
    { numRuns: 2_000 },
  );
});

test(`JSON nested deeper than ${MAX_JSON_DEPTH} levels is refused as invalid params before any walk`, () => {
  const deep = `{"jsonrpc":"2.0","id":3,"method":"SendMessage","params":{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"text":"x"}],"metadata":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}}}`;
  const { reading } = readA2aRequest('POST', '/', Buffer.from(deep), '1.0');
  assert.equal(refusalOf(reading), 'AM_ERR_PROTOCOL_INVALID_PARAMS');
  assert.equal(reading.jsonRpcId, 3);
  const shallow = `{"jsonrpc":"2.0","id":3,"method":"SendMessage","params":{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"text":"x"}],"metadata":${'{"a":'.repeat(50)}1${'}'.repeat(50)}}}}`;
  assert.equal(readA2aRequest('POST', '/', Buffer.from(shallow), '1.0').reading.refusal, undefined);
});

test('ACP paths (a native agent\'s runtime ACP endpoint) map to the A2A operation the run is', () => {
  const run = ok(classifyA2aRequest('POST', '/acp/runs', { agent_name: 'echo', input: [{ role: 'user', parts: [{ content_type: 'text/plain', content: 'hi' }] }] }, undefined));
  assert.equal(run.binding, 'ACP');
  assert.equal(run.operation, 'SendMessage');
  assert.equal(run.scope, 'a2a:message:send');
  assert.equal(run.acpAgentName, 'echo');
  assert.equal(run.forwardPath, '/acp/runs');
  // The input as the A2A message the runtime makes of it: for pricing, PII and the hold's key.
  assert.deepEqual((run.message?.['parts'] as unknown[])[0], { text: 'hi', mediaType: 'text/plain' });
  assert.equal(typeof run.message?.['messageId'], 'string');
  assert.equal(ok(classifyA2aRequest('POST', '/acp/runs', { agent_name: 'echo', input: [], mode: 'stream' }, undefined)).operation, 'SendStreamingMessage');
  const id = '0190f0f0-0000-7000-8000-000000000001';
  const resume = ok(classifyA2aRequest('POST', `/acp/runs/${id}`, { run_id: id, await_resume: {}, mode: 'sync' }, undefined));
  assert.deepEqual([resume.operation, resume.taskId], ['SendMessage', id]);
  assert.deepEqual([ok(classifyA2aRequest('GET', `/acp/runs/${id}`, undefined, undefined)).operation, ok(classifyA2aRequest('GET', `/acp/runs/${id}/events`, undefined, undefined)).operation], ['GetTask', 'GetTask']);
  assert.equal(ok(classifyA2aRequest('POST', `/acp/runs/${id}/cancel`, undefined, undefined)).operation, 'CancelTask');
  assert.equal(ok(classifyA2aRequest('GET', `/acp/session/${id}`, undefined, undefined)).operation, 'ListTasks');
  for (const path of ['/acp/ping', '/acp/agents', '/acp/agents/echo']) assert.equal(ok(classifyA2aRequest('GET', path, undefined, undefined)).operation, 'GetAgentCard');
  // Hostile or unknown: refused in the ACP binding, never thrown.
  assert.equal(refusalOf(classifyA2aRequest('DELETE', '/acp/runs', undefined, undefined)), 'AM_ERR_HTTP_NOT_FOUND');
  assert.equal(classifyA2aRequest('GET', '/acp/runs/%E0%A4%A', undefined, undefined).binding, 'ACP');
  assert.equal(refusalOf(classifyA2aRequest('GET', '/acp/runs/%E0%A4%A', undefined, undefined)), 'AM_ERR_TASK_NOT_FOUND');
  for (const input of ['x', [1], [{ parts: 'no' }], [{ parts: [null] }]]) {
    assert.equal(ok(classifyA2aRequest('POST', '/acp/runs', { agent_name: 'echo', input }, undefined)).message, undefined);
  }
});
