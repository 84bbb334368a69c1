import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonRpcTaskNotFoundError, fromJsonRpcErrorResponse } from '@a2a-js/sdk/errors';
import { CallFailure, classifyFailure, isNotCancelable, parseRetryAfter } from '../../../../src/orchestrator/calls/call-failure.js';

const rpcError = (code: number, message: string, amCode?: string) =>
  fromJsonRpcErrorResponse({ jsonrpc: '2.0', id: 1, error: { code, message, ...(amCode ? { data: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'X', domain: 'agentmesh.dev', metadata: { code: amCode } }] } : {}) } } as any);

test('HTTP statuses decide first: 429 and 5xx are transient, other 4xx the caller\'s fault, 401 asks for a new token', () => {
  const quota = classifyFailure(rpcError(-32011, 'quota spent', 'AM_ERR_GATEWAY_QUOTA_EXCEEDED'), { status: 429, retryAfterMs: 3000 });
  assert.equal(quota.transient, true);
  assert.equal(quota.retryAfterMs, 3000);
  assert.equal(quota.message, 'quota spent');
  const forbidden = classifyFailure(rpcError(-32600, 'SendMessage on x needs the scope a2a:message:send', 'AM_ERR_AUTH_FORBIDDEN'), { status: 403, retryAfterMs: undefined });
  assert.equal(forbidden.transient, false);
  assert.equal(forbidden.message, 'SendMessage on x needs the scope a2a:message:send');
  assert.equal(forbidden.code, 'AM_ERR_AUTH_FORBIDDEN');
  assert.equal(classifyFailure(new Error('HTTP error establishing stream'), { status: 502, retryAfterMs: undefined }).transient, true);
  assert.equal(classifyFailure(new Error('nope'), { status: 404, retryAfterMs: undefined }).transient, false);
  const unauthorized = classifyFailure(rpcError(-32600, 'token expired', 'AM_ERR_AUTH_UNAUTHENTICATED'), { status: 401, retryAfterMs: undefined });
  assert.equal(unauthorized.unauthorized, true);
  assert.equal(unauthorized.transient, false);
});

test('errors answered with HTTP 200 (agents) are classified by their agentmesh code, then by their JSON-RPC code', () => {
  const ok = { status: 200, retryAfterMs: undefined };
  assert.equal(classifyFailure(rpcError(-32603, 'queue full', 'AM_ERR_TASK_QUEUE_FULL'), ok).transient, true);
  assert.equal(classifyFailure(rpcError(-32602, 'bad input', 'AM_ERR_PROTOCOL_INVALID_PARAMS'), ok).transient, false);
  assert.equal(classifyFailure(new JsonRpcTaskNotFoundError({ message: 'Task t was not found' }), ok).transient, false);
  assert.equal(classifyFailure(rpcError(-32603, 'internal'), ok).transient, true);
  assert.equal(classifyFailure(rpcError(-32004, 'unsupported'), ok).transient, false);
  // An error event inside an SSE stream: the SDK nests the JSON-RPC error in `cause`.
  const nested = new Error('SSE event contained an error', { cause: rpcError(-32602, 'bad input', 'AM_ERR_PROTOCOL_INVALID_PARAMS') });
  assert.equal(classifyFailure(nested, undefined).transient, false);
});

test('connection failures are transient and keep undici\'s reason', () => {
  const refused = classifyFailure(new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) }), undefined);
  assert.equal(refused.transient, true);
  assert.match(refused.message, /fetch failed \(ECONNREFUSED\)/);
  const failure = new CallFailure('kept', { transient: false });
  assert.equal(classifyFailure(failure, undefined), failure);
});

test('Retry-After reads seconds and HTTP dates', () => {
  assert.equal(parseRetryAfter('7'), 7000);
  assert.equal(parseRetryAfter(new Date(10_000 + 4_000).toUTCString(), 10_000), 4000);
  assert.equal(parseRetryAfter(null), undefined);
  assert.equal(parseRetryAfter('soon'), undefined);
});

test('a task that can no longer be canceled is told apart from other failures', () => {
  assert.equal(isNotCancelable(classifyFailure(rpcError(-32002, 'Task t is completed and can no longer be canceled', 'AM_ERR_TASK_NOT_CANCELABLE'), undefined)), true);
  assert.equal(isNotCancelable(classifyFailure(rpcError(-32002, 'Task is not cancelable'), undefined)), true);
  assert.equal(isNotCancelable(classifyFailure(rpcError(-32001, 'Task t was not found', 'AM_ERR_TASK_NOT_FOUND'), undefined)), false);
});

test('a redirect is final: A2A calls do not follow one', () => {
  const redirected = classifyFailure(new TypeError('fetch failed', { cause: new Error('unexpected redirect') }), undefined);
  assert.equal(redirected.transient, false);
  assert.match(redirected.message, /redirect/);
});
