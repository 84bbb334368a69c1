import { test } from 'node:test';
import assert from 'node:assert/strict';
import { A2AError } from '@a2a-js/sdk/errors';
import { describeError } from '../../../src/cli/io/error-report.js';

/** An SDK error as a client throws it for an HTTP+JSON refusal, carrying agentmesh's code in its ErrorInfo. */
function refused(message: string, code: string): A2AError {
  const err = new A2AError(message);
  return Object.assign(err, { statusCode: 401, details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: code, domain: 'agentmesh.dev', metadata: {} }] });
}

test("an agent called at its own address, behind a gateway, is told to call the gateway: no token helps there", () => {
  const direct = describeError(refused('This agent is reached through the agentmesh gateway only: the call carries no gateway assertion', 'AM_ERR_GATEWAY_ASSERTION_INVALID'));
  assert.match(direct.hint ?? '', /gateway's \/agents\/\{name\}/);
  assert.doesNotMatch(direct.hint ?? '', /AGENTMESH_TOKEN/);
  const noToken = describeError(refused('This agent needs a bearer token', 'AM_ERR_AUTH_UNAUTHENTICATED'));
  assert.match(noToken.hint ?? '', /AGENTMESH_TOKEN/);
});
