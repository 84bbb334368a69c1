import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentmeshError, ErrorCodes } from '../../../src/protocol/errors.js';
import { failureFromError, failureFromResponse } from '../../../src/runtime/push/delivery-failure.js';

describe('failureFromResponse', () => {
  const now = 1_700_000_000_000;

  test('treats 408, 429 and 5xx as the receiver being unavailable', () => {
    for (const status of [408, 429, 500, 502, 503, 504]) {
      const f = failureFromResponse(status, null, now);
      assert.equal(f.reason, 'server_error', String(status));
      assert.equal(f.retryable, true);
      assert.equal(f.status, status);
    }
  });

  test('counts other 4xx and 3xx as client errors, still retryable', () => {
    for (const status of [301, 400, 401, 403, 404, 410, 422]) {
      const f = failureFromResponse(status, null, now);
      assert.equal(f.reason, 'client_error', String(status));
      assert.equal(f.retryable, true);
    }
  });

  test('takes Retry-After from 429 and 503 only', () => {
    assert.equal(failureFromResponse(429, '12', now).retryAfterMs, 12_000);
    assert.equal(failureFromResponse(503, '3', now).retryAfterMs, 3_000);
    assert.equal(failureFromResponse(500, '3', now).retryAfterMs, undefined);
    assert.equal(failureFromResponse(503, 'later', now).retryAfterMs, undefined);
  });
});

describe('failureFromError', () => {
  test('dead-letters what the SSRF guard blocks', () => {
    const f = failureFromError(new AgentmeshError(ErrorCodes.SSRF_BLOCKED, '169.254.169.254 is a link-local address'));
    assert.equal(f.reason, 'ssrf_blocked');
    assert.equal(f.retryable, false);
    assert.match(f.message, /link-local/);
  });

  test('recognises timeouts from the guard and from AbortSignal.timeout', () => {
    assert.equal(failureFromError(new AgentmeshError(ErrorCodes.HTTP_TIMEOUT, 'slow')).reason, 'timeout');
    assert.equal(failureFromError(new DOMException('The operation timed out.', 'TimeoutError')).reason, 'timeout');
  });

  test('reports the socket error code hidden in a fetch failure', () => {
    const err = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
    const f = failureFromError(err);
    assert.equal(f.reason, 'network');
    assert.equal(f.retryable, true);
    assert.equal(f.message, 'network error: ECONNREFUSED');
  });

  test('finds the socket error under the guard\'s wrapper', () => {
    const socket = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const wrapped = new AgentmeshError(ErrorCodes.HTTP_UPSTREAM_FAILED, 'Request to http://127.0.0.1:9 failed', { cause: socket });
    assert.equal(failureFromError(wrapped).message, 'network error: ECONNREFUSED');
  });

  test('treats an oversized acknowledgement as the receiver\'s fault, retryable', () => {
    const f = failureFromError(new AgentmeshError(ErrorCodes.HTTP_UPSTREAM_TOO_LARGE, 'too large'));
    assert.equal(f.reason, 'client_error');
    assert.equal(f.retryable, true);
  });
});
