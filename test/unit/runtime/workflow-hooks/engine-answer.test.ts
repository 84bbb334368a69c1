import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readEngineAnswer } from '../../../../src/runtime/workflow-hooks/engine-answer.js';

test("reads each engine's answer to a webhook trigger", () => {
  // n8n, the documented workflow's Respond to Webhook node.
  assert.deepEqual(readEngineAnswer('{"executionId":"4211","status":"running"}', 'application/json; charset=utf-8'), { executionId: '4211', status: 'running' });
  // n8n, a Webhook node that answers at once: no id.
  assert.deepEqual(readEngineAnswer('{"message":"Workflow was started"}', 'application/json'), {});
  // Kestra's webhook trigger answers with the execution it created.
  assert.deepEqual(readEngineAnswer('{"id":"4wjtkzwVGBM9yKnjyr1Z3u","namespace":"company.sales","flowId":"followups","state":{"current":"CREATED","histories":[]}}', 'application/json'), { executionId: '4wjtkzwVGBM9yKnjyr1Z3u', status: 'CREATED' });
  // Make's custom webhook.
  assert.deepEqual(readEngineAnswer('Accepted', 'text/plain; charset=utf-8'), { status: 'Accepted' });
  assert.deepEqual(readEngineAnswer('{"execution_id":17}', 'application/json'), { executionId: '17' });
  assert.deepEqual(readEngineAnswer('', null), {});
});

test('keeps nothing it cannot put in task metadata as is', () => {
  assert.deepEqual(readEngineAnswer('<html>proxy</html>', 'text/html'), {});
  assert.deepEqual(readEngineAnswer('{"executionId":"a\\u0000b","status":"x\\ud800"}', 'application/json'), {});
  assert.deepEqual(readEngineAnswer(`{"executionId":"${'x'.repeat(201)}"}`, 'application/json'), {});
  assert.deepEqual(readEngineAnswer('{"executionId":1.5,"status":{}}', 'application/json'), {});
  assert.deepEqual(readEngineAnswer('{not json', 'application/json'), {});
  assert.deepEqual(readEngineAnswer('[1,2]', 'application/json'), {});
});

test('never throws, and what it keeps is short well-formed text', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ executionId: v, status: v, state: v }))), fc.constantFrom('application/json', 'text/plain', null), (body, type) => {
      const answer = readEngineAnswer(body, type);
      for (const value of [answer.executionId, answer.status]) if (value !== undefined) assert.ok(value.length > 0 && value.length <= 200 && value.isWellFormed());
    }),
  );
});
