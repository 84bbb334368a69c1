/**
 * An answer the child refuses because it is not asking any more (A2A
 * UnsupportedOperationError: it moved since its question was read, as a task
 * re-run on another replica after a fault works before it asks again) is not
 * the step's failure: the caller follows the child to its next question (put
 * to the user again) or to its end. Before, the refusal failed the step and
 * the run, and left the child asking for ever.
 *
 * Here the child moves because another answer reached it first: it works
 * until the test opens its latch (once the refused answer's call follows
 * the task), then asks its second question.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineAgent } from '../../../src/runtime/index.js';
import { createAgentCaller } from '../../../src/orchestrator/calls/index.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';
import { startHttpForwarder } from '../../helpers/http-forwarder.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

const text = (value: string) => [{ content: { $case: 'text' as const, value }, metadata: undefined, filename: '', mediaType: '' }];

test("an answer refused because the child moved follows the child to its next question", async (t) => {
  let release!: () => void;
  const latch = new Promise<void>((resolve) => (release = resolve));
  let working = false;
  const runtime = await startRuntime([
    defineAgent({
      card: { name: 'twice', description: 'Asks, works, asks again' },
      defaultSkill: 'ask',
      skills: {
        ask: {
          description: 'Asks two questions with work between them',
          handler: async (_: string, ctx) => {
            await ctx.requestInput('first question');
            working = true;
            await latch;
            const second = await ctx.requestInput('second question');
            return second.parts.length;
          },
        },
      },
    }),
  ]);
  // The caller reaches the agent through a forwarder that shows when it subscribes to the task: after the refusal.
  let subscribed = false;
  const forwarder = await startHttpForwarder(runtime.agents['twice']!, (r) => {
    if (r.body.includes('"SubscribeToTask"')) subscribed = true;
  });
  t.after(() => closeInTurn(forwarder, runtime));
  const caller = createAgentCaller({ directUrl: () => forwarder.url, retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 10 } });
  const onBehalfOf = { tenant: 'default' };
  const signal = AbortSignal.timeout(30_000);

  const asked = await caller.send({ agent: 'twice', input: 'go', messageId: crypto.randomUUID(), onBehalfOf, signal });
  assert.equal(asked.state, 'input-required', JSON.stringify(asked));
  if (asked.state !== 'input-required') return;
  assert.ok(asked.questionId, 'the question names the status message that asked it');
  const reply = (answer: string) => caller.reply({ agent: 'twice', taskId: asked.taskId, contextId: asked.contextId, parts: text(answer), messageId: crypto.randomUUID(), ...(asked.questionId !== undefined && { questionId: asked.questionId }), onBehalfOf, signal });

  // The first answer is taken; the child works (not asking) when the second arrives, which is refused.
  const first = reply('first answer');
  await until('the child to work on the first answer', () => working);
  let lateSettled = false;
  const late = reply('an answer to a question no longer asked').finally(() => (lateSettled = true));
  // The child asks again only once the late answer was refused (and is followed), or its call ended.
  await until('the refused answer to be followed', () => subscribed || lateSettled);
  release();
  const [afterFirst, afterLate] = await Promise.all([first, late]);
  assert.equal(afterFirst.state, 'input-required', JSON.stringify(afterFirst));
  assert.equal(afterLate.state, 'input-required', `the refused answer's call follows the child, not fails: ${JSON.stringify(afterLate)}`);
  if (afterLate.state === 'input-required') assert.equal(afterLate.question, 'second question');
});
