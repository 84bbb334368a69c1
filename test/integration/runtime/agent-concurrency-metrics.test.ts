import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rpc, startRuntime, userMessage } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';

function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('per-agent running and queued tasks on /metrics', () => {
  const releases: Array<() => void> = [];
  const slow = oneSkillAgent({ name: 'slow', description: 'Holds each task until the test lets it go', maxConcurrentTasks: 1 }, 'hold', {
    description: 'Waits',
    handler: async () => {
      await new Promise<void>((resolve) => releases.push(resolve));
      return 'done';
    },
  });
  let env: Awaited<ReturnType<typeof startRuntime>>;
  before(async () => {
    env = await startRuntime([slow]);
  });
  after(async () => {
    for (const release of releases) release();
    await env?.close();
  });

  test('one task holds the only slot, the next waits in the queue; both read at scrape time', async () => {
    const scrape = async () => (await fetch(`${env.url}/metrics`)).text();
    const idle = await scrape();
    assert.equal(sample(idle, 'agentmesh_runtime_agent_tasks{agent="slow",state="running"}'), 0);
    assert.equal(sample(idle, 'agentmesh_runtime_agent_max_concurrent_tasks{agent="slow"}'), 1);

    for (let i = 0; i < 2; i++) {
      const sent = await rpc(env.agents['slow']!, 'SendMessage', { message: userMessage(`t${i}`), configuration: { returnImmediately: true } });
      assert.ok(sent.body.result?.task?.id, JSON.stringify(sent.body));
    }
    await until('the first task to hold the slot and the second to queue', async () => {
      const body = await scrape();
      return sample(body, 'agentmesh_runtime_agent_tasks{agent="slow",state="running"}') === 1 && sample(body, 'agentmesh_runtime_agent_tasks{agent="slow",state="queued"}') === 1;
    }, 10_000);

    releases.shift()!();
    await until('the queued task to take the slot', async () => {
      const body = await scrape();
      return sample(body, 'agentmesh_runtime_agent_tasks{agent="slow",state="running"}') === 1 && sample(body, 'agentmesh_runtime_agent_tasks{agent="slow",state="queued"}') === 0 && releases.length === 1;
    }, 10_000);
  });
});
