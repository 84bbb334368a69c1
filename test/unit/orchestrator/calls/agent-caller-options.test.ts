import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'undici';
import { resolveCallerOptions } from '../../../../src/orchestrator/calls/agent-caller-options.js';
import { createAgentCaller } from '../../../../src/orchestrator/calls/create-agent-caller.js';

const refused = (options: Parameters<typeof resolveCallerOptions>[0], message: RegExp) =>
  assert.throws(() => resolveCallerOptions(options), (err: any) => err.code === 'AM_ERR_CONFIG_INVALID' && message.test(err.message));

test('the caller needs exactly one way to reach agents', () => {
  refused({}, /^agentCaller\.gatewayUrl or directUrl must be given, not both/);
  refused({ gatewayUrl: 'http://gw', directUrl: () => 'http://a' }, /not both/);
  refused({ gatewayUrl: 'http://gw' }, /^agentCaller\.credentials must hold the clientId and clientSecret/);
});

test('URLs and numbers are checked once, naming the option', () => {
  const credentials = { clientId: 'amc_1', clientSecret: 's' };
  refused({ gatewayUrl: 'ftp://gw', credentials }, /^agentCaller\.gatewayUrl must be an http\(s\) URL/);
  refused({ gatewayUrl: 'http://user:pw@gw', credentials }, /must not carry credentials/);
  refused({ gatewayUrl: 'not a url', credentials }, /must be an absolute http\(s\) URL/);
  refused({ directUrl: () => 'http://a', requestTimeoutMs: 0 }, /^agentCaller\.requestTimeoutMs must be an integer from 1 to 600000/);
  refused({ directUrl: () => 'http://a', retry: { attempts: 0 } }, /^agentCaller\.retry\.attempts must be an integer from 1 to 20/);
  refused({ directUrl: () => 'http://a', retry: { initialDelayMs: 50, maxDelayMs: 10 } }, /retry\.maxDelayMs must not be below/);
  assert.throws(() => createAgentCaller({ gatewayUrl: 'http://gw/' } as any), { code: 'AM_ERR_CONFIG_INVALID' });
});

test('requests go through a fetch or a dispatcher, never both, and each must be one', () => {
  refused({ directUrl: () => 'http://a', fetch, dispatcher: new Agent() }, /^agentCaller\.fetch or dispatcher may be given, not both/);
  refused({ directUrl: () => 'http://a', fetch: 'fetch' as any }, /^agentCaller\.fetch must be a fetch function/);
  refused({ directUrl: () => 'http://a', dispatcher: {} as any }, /^agentCaller\.dispatcher must be an undici Dispatcher/);
});

test('defaults fill in; the gateway URL loses its trailing slash', () => {
  const resolved = resolveCallerOptions({ gatewayUrl: 'http://gw.local:4200/', credentials: { clientId: 'amc_1', clientSecret: 's' } });
  assert.equal(resolved.gateway?.url, 'http://gw.local:4200');
  assert.equal(resolved.requestTimeoutMs, 30_000);
  assert.deepEqual(resolved.retry, { attempts: 5, initialDelayMs: 250, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 });
  assert.ok(Object.isFrozen(resolved));
});
