/**
 * The policies `node scripts/conformance.mjs run --through-gateway
 * --gateway-policy …` writes for the suite's tenant
 * (examples/conformance-agent/policies/, docs/conformance.md): valid as the
 * gateway checks them on write, a permit that holds for every call of the
 * suite's tenant, and a forbid that is evaluated on every send and holds for
 * none of the suite's, so the run measures the suite with policies deciding
 * each call and refusing nothing.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { compilePolicy, decide, PolicySet, validatePolicy, type PolicyDecision, type PolicyEntities } from '../../../../src/gateway/policies/index.js';

const DIR = join(import.meta.dirname, '../../../../examples/conformance-agent/policies');
const TENANT = 'tck';

function policiesInForce(): PolicySet {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 2, 'a permit and a forbid');
  return new PolicySet(files.map((f) => {
    const body = validatePolicy({ ...JSON.parse(readFileSync(join(DIR, f), 'utf8')), tenant: TENANT });
    return compilePolicy({ ...body, version: 1, createdAt: 0, createdBy: 'admin' });
  }));
}

function suiteCall(operation: string, over: { tenant?: string; contextId?: string } = {}): PolicyEntities {
  return {
    principal: { client: 'conformance-suite', tenant: over.tenant ?? TENANT, subject: 'conformance-suite', kind: 'client', scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel', 'a2a:push:write', 'a2a:card:read'], act: [], issuer: '' },
    action: { operation, skill: 'tck', streaming: operation === 'SendStreamingMessage' },
    resource: { agent: 'tck', department: '', owner: '', costCenter: '', classification: '', tags: [], price: 1 },
    context: {
      input: operation.startsWith('Send') ? 'tck-complete-task' : null,
      time: timestampFromDate(new Date(Date.UTC(2026, 10, 28, 17))),
      contextId: over.contextId ?? 'ctx-1',
      calls: { principal: { minute: 40n } },
      spend: { tenant: { day: 40 } },
    },
  };
}

function decisionOn(set: PolicySet, entities: PolicyEntities, operation: string): PolicyDecision {
  return decide(set.applicable({ tenant: String(entities.principal['tenant']), agent: 'tck', operation, skill: 'tck' }), entities);
}

describe('the policies of a conformance run through the gateway', () => {
  test('permit every operation the suite calls, with no evaluation error', () => {
    const set = policiesInForce();
    for (const operation of ['SendMessage', 'SendStreamingMessage', 'GetTask', 'ListTasks', 'CancelTask', 'SubscribeToTask', 'CreateTaskPushNotificationConfig', 'GetExtendedAgentCard']) {
      const decision = decisionOn(set, suiteCall(operation), operation);
      assert.equal(decision.outcome, 'permit', operation);
      assert.deepEqual(decision.errors, [], operation);
    }
  });

  test('hold a forbid in force on sends, which a call outside the suite meets', () => {
    const set = policiesInForce();
    const decision = decisionOn(set, suiteCall('SendMessage', { contextId: 'forbidden-1' }), 'SendMessage');
    assert.equal(decision.outcome, 'forbid');
    assert.deepEqual(decision.policies.map((p) => p.ref), [`${TENANT}/forbid-what-the-suite-never-sends@1`]);
  });

  test('leave another tenant of the same agent undecided', () => {
    const set = policiesInForce();
    assert.equal(decisionOn(set, suiteCall('GetTask', { tenant: 'other' }), 'GetTask').outcome, 'none');
  });
});
