import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addPage, stepsPageOf } from '../../../console/src/run-steps-page.js';

const row = (path: string, status = 'completed') => ({ path, kind: 'call', status });
/** SendMessage's answer of the `run-steps` skill: a message with the page as its data part. */
const answer = (steps: unknown[], total: number, nextPageToken?: string) => ({ message: { messageId: 'm', role: 'ROLE_AGENT', parts: [{ data: { runId: 'r1', steps, total, ...(nextPageToken !== undefined && { nextPageToken }) } }] } });

test('a run-steps answer reads as its rows, the total and the next page; a task (a refusal) or no page reads as none', () => {
  assert.deepEqual(stepsPageOf(answer([row('a'), { path: 'broken' }, row('b')], 250, 'tok')), { rows: [row('a'), row('b')], total: 250, next: 'tok' });
  assert.deepEqual(stepsPageOf(answer([row('a')], 1)), { rows: [row('a')], total: 1 });
  assert.equal(stepsPageOf({ task: { id: 't', status: { state: 'TASK_STATE_FAILED' } } }), undefined);
  assert.equal(stepsPageOf({ message: { parts: [{ text: 'hello' }] } }), undefined);
  assert.equal(stepsPageOf(undefined), undefined);
});

test('"Load more" appends the next page after the rows shown, keeps the newer state of a row read twice, and stops at the last page', () => {
  const first = stepsPageOf(answer([row('s0'), row('s1', 'running')], 4, 'p2'))!;
  const second = stepsPageOf(answer([row('s1'), row('s2'), row('s3', 'failed')], 4))!;
  const both = addPage(first, second);
  assert.deepEqual(
    both.rows.map((r) => `${r.path}:${r.status}`),
    ['s0:completed', 's1:completed', 's2:completed', 's3:failed'],
  );
  assert.equal(both.total, 4);
  assert.equal(both.next, undefined, 'the last page names no next one: the button goes');
  assert.equal(addPage(undefined, first).next, 'p2');
});
