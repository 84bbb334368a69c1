import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Role, TaskState, type Message, type Part, type StreamResponse, type Task } from '@a2a-js/sdk';
import { formatStreamEvent, formatTask } from '../../../src/cli/io/render-human.js';

const text = (value: string): Part => ({ content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: '' });
const data = (value: unknown): Part => ({ content: { $case: 'data', value }, metadata: undefined, filename: '', mediaType: 'application/json' });

function agentMessage(parts: Part[]): Message {
  return { messageId: 'm-1', contextId: 'c-1', taskId: 't-1', role: Role.ROLE_AGENT, parts, metadata: undefined, extensions: [], referenceTaskIds: [] };
}

/** What the orchestrator's router reports as it routes (route-skill.ts): a line of words, and its decision as data for programs. */
const routed = agentMessage([
  text("Routing to legal (review-contract): matched 'review', 'clause'; cues contract"),
  data({
    'agentmesh.route': { agent: 'legal', skill: 'review-contract', via: 'text', matched: ['review', 'clause', 'agreement', 'renews'] },
    'agentmesh.route.explain': { text: 'Review this clause: …', decision: 'route', chosen: 'legal', candidates: Array.from({ length: 12 }, (_, i) => ({ id: `agent-${i}`, score: 90 - i, matched: ['review', 'clause'] })) },
  }),
]);

function statusUpdate(message: Message): StreamResponse {
  return { payload: { $case: 'statusUpdate', value: { taskId: 't-1', contextId: 'c-1', status: { state: TaskState.TASK_STATE_WORKING, message, timestamp: undefined }, metadata: undefined } } };
}

describe('human output of send and tasks', () => {
  test('a progress update with words and data prints its words only: one short line, the data is for --json', () => {
    const out = formatStreamEvent(statusUpdate(routed));
    assert.equal(out, "[working] Routing to legal (review-contract): matched 'review', 'clause'; cues contract\n");
  });

  test('a status message of data alone is still printed, as JSON', () => {
    assert.equal(formatStreamEvent(statusUpdate(agentMessage([data({ scored: 3 })]))), '[working] {"scored":3}\n');
  });

  test("a task's status message reads the same way", () => {
    const task: Task = { id: 't-1', contextId: 'c-1', status: { state: TaskState.TASK_STATE_WORKING, message: routed, timestamp: undefined }, artifacts: [], history: [], metadata: undefined };
    assert.match(formatTask(task), /^message {3}Routing to legal \(review-contract\): matched 'review', 'clause'; cues contract$/m);
    assert.doesNotMatch(formatTask(task), /agentmesh\.route/);
  });
});
