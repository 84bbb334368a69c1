import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseForm } from '../../../src/gateway/identity/oauth/form-body.js';
import { BASIC_TRIED, renderOAuthError } from '../../../src/gateway/identity/oauth/oauth-error.js';
import { AgentmeshError, ErrorCodes } from '../../../src/protocol/errors.js';
import { Errors } from '../../../src/protocol/error-messages.js';

describe('OAuth form bodies', () => {
  test('parse form encoding, + as space included', () => {
    assert.deepEqual({ ...parseForm('grant_type=client_credentials&scope=a%3Ab+c') }, { grant_type: 'client_credentials', scope: 'a:b c' });
  });

  test('refuse a parameter sent twice (RFC 6749 §3.2) and a nameless one', () => {
    assert.throws(() => parseForm('scope=a&scope=b'), (err: AgentmeshError) => err.details?.oauthError === 'invalid_request' && /scope parameter is sent more than once/.test(err.message));
    assert.throws(() => parseForm('=x'), (err: AgentmeshError) => err.details?.oauthError === 'invalid_request');
  });
});

describe('OAuth error rendering (RFC 6749 §5.2)', () => {
  test('invalid_client is 401, with a Basic challenge when Basic was tried', () => {
    const basic = renderOAuthError(Errors.oauthClientAuthFailed({}, BASIC_TRIED));
    assert.equal(basic.status, 401);
    assert.deepEqual(basic.body, { error: 'invalid_client', error_description: 'client authentication failed' });
    assert.match(basic.headers['www-authenticate']!, /^Basic realm="agentmesh"/);
    assert.equal(basic.headers['cache-control'], 'no-store');
    assert.equal(renderOAuthError(Errors.oauthClientAuthFailed({})).headers['www-authenticate'], undefined);
  });

  test('other refusals are 400 with their code', () => {
    const refusals = {
      invalid_request: Errors.oauthGrantTypeMissing({}),
      invalid_scope: Errors.oauthScopeEmpty({}),
      invalid_target: Errors.oauthTargetsDiffer({}),
      unsupported_grant_type: Errors.oauthGrantTypeUnsupported({ grantType: 'password' }),
      unauthorized_client: Errors.oauthTokenOfOtherClient({}),
    };
    for (const [code, refusal] of Object.entries(refusals)) {
      const rendered = renderOAuthError(refusal);
      assert.equal(rendered.status, 400);
      assert.equal(rendered.body.error, code);
    }
  });

  test('unknown failures become server_error without their message; retryable ones temporarily_unavailable', () => {
    const internal = renderOAuthError(new Error('database password is hunter2'));
    assert.equal(internal.status, 500);
    assert.equal(internal.body.error, 'server_error');
    assert.ok(!internal.body.error_description.includes('hunter2'));
    assert.equal(internal.internal, true);
    const busy = renderOAuthError(new AgentmeshError(ErrorCodes.HTTP_UNAVAILABLE, 'no signing key is loaded yet', { retryable: true }));
    assert.equal(busy.status, 503);
    assert.equal(busy.body.error, 'temporarily_unavailable');
  });
});
