import assert from 'node:assert/strict';
import type { AgentUnderTest, MessageContent, TaskResult } from 'agentmesh/testing';

/**
 * Sends `request`, which the agent must answer by asking for input with a question matching
 * `question`; replies `answer`, and returns the task once that reply completed it.
 */
export async function askThenAnswer(agent: AgentUnderTest, request: MessageContent, question: RegExp, answer: MessageContent): Promise<TaskResult> {
  const asked = await agent.send(request);
  assert.equal(asked.state, 'TASK_STATE_INPUT_REQUIRED', asked.statusText);
  assert.match(asked.statusText, question);
  const done = await agent.reply(asked, answer);
  assert.equal(done.state, 'TASK_STATE_COMPLETED', done.statusText);
  return done;
}
