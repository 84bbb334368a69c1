import { test } from 'node:test';
import assert from 'node:assert/strict';
import { A2ACallError, testAgent } from 'agentmesh/testing';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';

// A value outside a skill's enum is refused naming the values the skill takes.
test('an input outside an enum is refused with the allowed values listed', async () => {
  const agent = oneSkillAgent({ name: 'channels', description: 'Picks a channel' }, 'pick', {
    description: 'Takes a channel',
    input: { type: 'object', required: ['channel'], properties: { channel: { enum: ['email', 'sms', 'push'] } } },
    handler: ({ channel }) => channel,
  });
  await using tested = await testAgent(agent);
  const refused = await tested.send({ data: { channel: 'fax' } }).then(
    () => assert.fail('a channel outside the enum was accepted'),
    (err: unknown) => err,
  );
  assert.ok(refused instanceof A2ACallError, String(refused));
  assert.equal(refused.code, -32602);
  assert.match(refused.message, /message\.parts\[0\]\.data\.channel must be one of email, sms, push/);
  assert.equal((await tested.send({ data: { channel: 'sms' } })).state, 'TASK_STATE_COMPLETED');
});
