/**
 * A call alone in the gateway has its settlement and audit row written to
 * the answer journal in its own turn (ADR 0057): no other answer could share
 * the turn's write, so its answer does not wait for the end of the turn.
 * Calls in flight together still share one write per turn (ADR 0047).
 * Counted, not timed: which of the journal's two ways each answer took.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AnswerJournal } from '../../../src/gateway/answer-journal.js';
import { createClient, fetchToken, topUp } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { holdingLeadScorer } from '../../helpers/priced-scorer.js';
import { userMessage } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';

/** Calls that asked to be held wait in `held` until the test lets them go. */
const { scorer, held } = holdingLeadScorer('lone-scorer');

describe('the answer journal behind a lone call', () => {
  let mesh: GatewayMesh;
  let token: string;
  const counts = { now: 0, turn: 0 };
  const original = { writeNow: AnswerJournal.prototype.writeNow, written: AnswerJournal.prototype.written };

  before(async () => {
    AnswerJournal.prototype.writeNow = function (this: AnswerJournal) {
      counts.now++;
      return original.writeNow.call(this);
    };
    AnswerJournal.prototype.written = function (this: AnswerJournal) {
      counts.turn++;
      return original.written.call(this);
    };
    mesh = await startGatewayMesh({ agents: [scorer] });
    token = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'lone', tenant: 'acme', scopes: ['a2a:message:send'] }));
    await topUp(mesh.gw.url, 'acme', 1_000);
  });
  after(async () => {
    AnswerJournal.prototype.writeNow = original.writeNow;
    AnswerJournal.prototype.written = original.written;
    await mesh?.close();
  });

  const send = (hold: boolean) =>
    fetch(`${mesh.gw.url}/agents/lone-scorer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: userMessage('', { parts: [{ data: { leadIds: ['l1'], hold } }], metadata: { skillId: 'score' } }) } }),
    });

  test('calls one at a time are each written in their own turn, none waits for the end of it', async () => {
    counts.now = 0;
    counts.turn = 0;
    for (let i = 0; i < 3; i++) {
      const answer = await send(false);
      assert.equal(answer.status, 200);
      assert.equal(((await answer.json()) as any).result.task.status.state, 'TASK_STATE_COMPLETED');
    }
    assert.deepEqual(counts, { now: 3, turn: 0 });
  });

  test('calls in flight together wait for the turn\'s shared write, all but a last one left alone', async () => {
    counts.now = 0;
    counts.turn = 0;
    held.length = 0;
    const answers = Array.from({ length: 4 }, () => send(true));
    await until('the four calls to reach the agent', () => held.length === 4);
    for (const release of held) release();
    for (const answer of await Promise.all(answers)) assert.equal(answer.status, 200);
    assert.equal(counts.now + counts.turn, 4, 'each answer journaled once');
    assert.ok(counts.turn >= 1, `at least the first answers share the turn's write (${JSON.stringify(counts)})`);
  });
});
