import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readSse, rpc, startRuntime, userMessage } from '../../helpers/runtime-fixture.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';

const reporter = oneSkillAgent({ name: 'reporter', description: 'Reports progress, some of it kept in history' }, 'report', {
  description: 'Reports three kept and 200 transient progress updates',
  handler: async (_: string, ctx) => {
    ctx.progress('starting', { phase: 'start' });
    for (let i = 0; i < 200; i++) ctx.progress(`tick ${i}`, { tick: i }, { history: false });
    ctx.progress('halfway');
    ctx.progress('last tick', { tick: 200 }, { history: false });
    return 'done';
  },
});

describe('progress kept out of the history', () => {
  let host: Awaited<ReturnType<typeof startRuntime>>;
  before(async () => {
    host = await startRuntime([reporter]);
  });
  after(async () => host?.close());

  it('streams every update, keeps only the kept ones in the history, and the last one is still the status while working', async () => {
    const res = await fetch(host.agents['reporter']!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'A2A-Version': '1.0' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendStreamingMessage', params: { message: userMessage('go') } }),
    });
    const frames = (await readSse(res)).map((f) => f.data.result);
    const texts = frames.map((f) => f.statusUpdate?.status?.message?.parts?.[0]?.text).filter(Boolean);
    assert.equal(texts.filter((t: string) => t.startsWith('tick ')).length, 200, 'every transient update is streamed');
    assert.ok(texts.includes('last tick'));
    const transient = frames.find((f) => f.statusUpdate?.status?.message?.parts?.[0]?.text === 'tick 7').statusUpdate.status.message;
    assert.equal(transient.metadata['agentmesh.transient'], true, 'the message says it is not kept');

    const taskId = frames[0].task.id;
    const { body } = await rpc(host.agents['reporter']!, 'GetTask', { id: taskId });
    const history = body.result.history.map((m: any) => m.parts.map((p: any) => p.text ?? '').join(''));
    assert.deepEqual(history, ['go', 'starting', 'halfway']);
    assert.equal(body.result.status.state, 'TASK_STATE_COMPLETED');
  });
});
