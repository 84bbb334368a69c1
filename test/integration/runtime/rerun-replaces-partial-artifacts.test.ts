/**
 * An idempotent task re-run after its process stopped ends with the
 * artifacts of one run, not the killed run's partial artifact beside the new
 * one: artifact ids a skill does not choose are derived from the task and the
 * order of emission, the same in every run, so the re-run's first chunk
 * replaces the partial one.
 *
 * The decision this pins is in docs/conformance.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { untilAborted } from '../../helpers/runtime-fixture.js';
import { stoppedAndRerun } from '../../helpers/stopped-and-rerun.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';

let firstRun = true;
const redoer = oneSkillAgent({ name: 'redoer', description: 'Streams a two-chunk artifact; the first run is stopped midway' }, 'write', {
  description: 'Idempotent: writes the same artifact on every run',
  idempotent: true,
  handler: async (_: string, ctx) => {
    const id = ctx.artifact({ name: 'out', parts: [{ text: 'part-1 ' }] });
    if (firstRun) await untilAborted(ctx.signal);
    ctx.artifact({ artifactId: id, append: true, lastChunk: true, parts: [{ text: 'part-2' }] });
  },
});

test('a re-run replaces the stopped run\'s partial artifact instead of adding a second one', async (t) => {
  const { task } = await stoppedAndRerun(t, {
    agent: redoer,
    stopWhen: { what: 'the partial artifact to be stored', reached: (task) => task?.artifacts?.length === 1 },
    beforeRerun: () => (firstRun = false),
  });
  assert.equal(task.artifacts.length, 1, `one artifact, not the partial one beside the new: ${JSON.stringify(task.artifacts)}`);
  assert.deepEqual(task.artifacts[0].parts.map((p: { text: string }) => p.text), ['part-1 ', 'part-2']);
  assert.ok(task.history.some((m: { parts: Array<{ text?: string }> }) => /Re-running/.test(m.parts[0]?.text ?? '')), 'it was a re-run');
});
