/**
 * An ACP `sync` run lives as long as its client waits for it: a client that
 * goes away before the answer has its run cancelled (nobody is left to read
 * the result), on the runtime's ACP endpoint and through the gateway's ACP
 * door alike. An `async` run is the client's to cancel and goes on. Both roles are set to `halfClose: end`:
 * a client that closes its socket sends no more than a FIN, which under the default (`answer`, ADR 0069)
 * reads as a half-close whose answer is still wanted, so the run is then left to finish.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AcpTestClient, userText } from '../../helpers/acp-client.js';
import { startGatewayMeshFor } from '../../helpers/gateway-mesh.js';
import { until } from '../../helpers/until.js';
import { untilAborted } from '../../helpers/runtime-fixture.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

/** Runs started, by task id, each resolved when the run's signal aborts (it was cancelled). */
const started: string[] = [];
const aborted = new Set<string>();
const holder = oneSkillAgent({ name: 'holder', description: 'Works until cancelled', creditsPerCall: 1 }, 'hold', {
  description: 'Works until cancelled',
  handler: async (_: string, ctx) => {
    started.push(ctx.taskId);
    await untilAborted(ctx.signal);
    aborted.add(ctx.taskId);
  },
});

describe('an ACP sync run whose client goes away is cancelled', () => {
  const mesh = startedForSuite(() => startGatewayMeshFor({ name: 'acp', scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'], credits: 100 }, { agents: [holder], runtime: { requireGatewayAssertion: false, halfClose: 'end' }, gateway: { halfClose: 'end' } }));

  /** Starts a run in `mode`, waits until the agent works on it, then drops the client; returns the run's id. */
  async function startThenLeave(base: string, headers: Record<string, string>, mode: 'sync' | 'async'): Promise<string> {
    const before = started.length;
    const leave = new AbortController();
    const answer = fetch(`${base}/runs`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ agent_name: 'holder', input: [userText('hold')], mode }), signal: leave.signal });
    await until('the agent to start the run', async () => started.length > before);
    if (mode === 'sync') {
      leave.abort();
      await assert.rejects(answer);
    } else {
      assert.equal((await answer).status, 202);
    }
    return started[before]!;
  }

  for (const where of ['the runtime', 'the gateway'] as const) {
    test(`through ${where}: the run is cancelled and the agent's signal aborts`, async () => {
      const base = where === 'the runtime' ? `${mesh().host.url}/acp` : `${mesh().gw.url}/agents/holder/acp`;
      const headers: Record<string, string> = where === 'the runtime' ? {} : { authorization: `Bearer ${mesh().token}` };
      const runId = await startThenLeave(base, headers, 'sync');
      await until('the run to be cancelled', async () => aborted.has(runId));
      const client = new AcpTestClient(base, headers);
      const run = await client.call('GET', `/runs/${runId}`);
      assert.equal(run.body.status, 'cancelled');
    });
  }

  test('an async run goes on after its client leaves', async () => {
    const base = `${mesh().host.url}/acp`;
    const runId = await startThenLeave(base, {}, 'async');
    const client = new AcpTestClient(base);
    // Still working after a sync run would have been cancelled: cancel it ourselves and see that only that ends it.
    assert.equal((await client.call('GET', `/runs/${runId}`)).body.status, 'in-progress');
    assert.equal(aborted.has(runId), false);
    await client.call('POST', `/runs/${runId}/cancel`);
    await until('the run to be cancelled', async () => aborted.has(runId));
  });
});
