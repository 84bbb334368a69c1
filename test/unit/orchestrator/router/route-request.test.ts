import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Message } from '@a2a-js/sdk';
import { ErrorCodes } from '../../../../src/protocol/errors.js';
import { parseRouteRequest } from '../../../../src/orchestrator/router/route-request.js';

function message(route: unknown): Message {
  return Message.fromJSON({ messageId: 'm1', role: 'ROLE_USER', parts: [{ text: 'hi' }], ...(route !== undefined && { metadata: { 'agentmesh.route': route } }) });
}

function violation(route: unknown): { code: string; field: string | undefined } {
  try {
    parseRouteRequest(message(route));
  } catch (err: any) {
    return { code: err.code, field: err.violations?.[0]?.field };
  }
  assert.fail('expected the route to be refused');
}

describe('parseRouteRequest', () => {
  test('returns undefined without route metadata, or with an empty route', () => {
    assert.equal(parseRouteRequest(message(undefined)), undefined);
    assert.equal(parseRouteRequest(message({})), undefined);
  });

  test('reads agent, skill and tags, dropping repeated tags', () => {
    assert.deepEqual(parseRouteRequest(message({ agent: 'legal', skill: 'review-contract', tags: ['nda', 'nda', 'contracts'] })), {
      agent: 'legal',
      skill: 'review-contract',
      tags: ['nda', 'contracts'],
    });
  });

  test('refuses a route that is not an object, naming the field', () => {
    assert.deepEqual(violation('legal'), { code: ErrorCodes.PROTOCOL_INVALID_PARAMS, field: 'message.metadata["agentmesh.route"]' });
    assert.deepEqual(violation(['legal']), { code: ErrorCodes.PROTOCOL_INVALID_PARAMS, field: 'message.metadata["agentmesh.route"]' });
  });

  test('refuses unknown keys, bad agent names, empty skills and bad tags', () => {
    assert.equal(violation({ agnet: 'legal' }).field, 'message.metadata["agentmesh.route"].agnet');
    assert.equal(violation({ agent: '../admin' }).field, 'message.metadata["agentmesh.route"].agent');
    assert.equal(violation({ skill: '  ' }).field, 'message.metadata["agentmesh.route"].skill');
    assert.equal(violation({ tags: [] }).field, 'message.metadata["agentmesh.route"].tags');
    assert.equal(violation({ tags: ['ok', 7] }).field, 'message.metadata["agentmesh.route"].tags[1]');
  });
});
