import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAgentmeshError } from '../../../../src/protocol/errors.js';
import { parseWorkflowObject } from '../../../../src/orchestrator/workflow/load-workflow.js';
import type { WorkflowIssue } from '../../../../src/orchestrator/workflow/workflow-issues.js';

/*
 * Which `steps.x`, `inputs.x` and map locals a template may read where it
 * sits. Definitions are objects here: the paths say where, positions are
 * covered in load-workflow.test.ts.
 */

const call = (id: string, input: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ id, call: { agent: 'echo' }, input, ...extra });

function problems(steps: unknown[], extra: Record<string, unknown> = {}): string[] {
  try {
    parseWorkflowObject({ name: 'refs', inputs: { tenantId: { type: 'string' } }, steps, ...extra }, { source: '<inline>' });
    return [];
  } catch (err) {
    assert.ok(isAgentmeshError(err), String(err));
    return (err as unknown as { issues: WorkflowIssue[] }).issues.map((i) => `${i.path}: ${i.message}`);
  }
}

describe('step references', () => {
  test('a step reads earlier siblings, not later ones (a forward reference is an error)', () => {
    assert.deepEqual(problems([call('a', '{{ inputs.tenantId }}'), call('b', '{{ steps.a.output }}')]), []);
    assert.deepEqual(problems([call('a', '{{ steps.b.output }}'), call('b', 1)]), [
      'steps[0].input: steps.b has not run yet at this point: a step reads only earlier siblings and earlier siblings of its enclosing steps (no step has finished at this point)',
    ]);
  });

  test('a step reads its own result nowhere: not in its input, not in its when', () => {
    assert.deepEqual(problems([call('a', '{{ steps.a.output }}', { when: 'steps.a.status == "completed"' })]), [
      'steps[0].when: steps.a has not run yet at this point: a step reads only earlier siblings and earlier siblings of its enclosing steps (no step has finished at this point)',
      'steps[0].input: steps.a has not run yet at this point: a step reads only earlier siblings and earlier siblings of its enclosing steps (no step has finished at this point)',
    ]);
  });

  test('a nested step reads earlier siblings of its enclosing steps, but not the enclosing step itself', () => {
    const steps = [call('first', 1), { id: 'group', sequence: [call('inner', '{{ steps.first.output }}'), call('next', '{{ steps.inner.output }}'), call('bad', '{{ steps.group.output }}')] }];
    assert.deepEqual(problems(steps), [
      'steps[1].sequence[2].input: steps.group has not run yet at this point: a step reads only earlier siblings and earlier siblings of its enclosing steps (readable here: first, inner, next)',
    ]);
  });

  test('a later step reads a container, not the steps inside it', () => {
    const steps = [{ id: 'group', sequence: [call('inner', 1)] }, call('after', '{{ steps.group.output }}'), call('peek', '{{ steps.inner.output }}')];
    assert.deepEqual(problems(steps), ['steps[2].input: steps.inner has not run yet at this point: a step reads only earlier siblings and earlier siblings of its enclosing steps (readable here: group, after)']);
  });

  test('parallel branches do not see each other', () => {
    const steps = [call('before', 1), { id: 'fan', parallel: { steps: [call('x', '{{ steps.before.output }}'), call('y', '{{ steps.x.output }}')] } }];
    assert.deepEqual(problems(steps), ['steps[1].parallel.steps[1].input: steps.x runs in parallel with this step, so its result is not available here (readable here: before)']);
  });

  test('fallback alternatives read what the fallback step reads, not each other (a failed one leaves no result)', () => {
    assert.deepEqual(problems([call('before', 1), { id: 'pick', fallback: [call('p1', '{{ steps.before.output }}'), call('p2', '{{ steps.p1.error }}')] }]), [
      "steps[1].fallback[1].input: steps.p1 is another alternative of the same fallback; alternatives do not see each other's results (readable here: before)",
    ]);
  });

  test('an unknown id is told apart from one that runs later', () => {
    assert.deepEqual(problems([call('a', '{{ steps.nope.output }}')]), ['steps[0].input: there is no step nope (no step has finished at this point)']);
  });

  test('a dynamic steps[...] access cannot be checked and is accepted', () => {
    assert.deepEqual(problems([call('a', 1), call('b', '{{ steps[inputs.tenantId].output }}')]), []);
  });

  test('outputs read the top-level steps only', () => {
    const steps = [{ id: 'group', sequence: [call('inner', 1)] }];
    assert.deepEqual(problems(steps, { outputs: { ok: '{{ steps.group.output }}', bad: '{{ steps.inner.output }}' } }), [
      'outputs.bad: steps.inner has not run yet at this point: a step reads only earlier siblings and earlier siblings of its enclosing steps (readable here: group)',
    ]);
  });

  test('checks when, over and deeply nested templates too', () => {
    const steps = [
      call('a', { deep: [{ deeper: 'x {{ steps.z.output }}' }] }),
      { id: 'm', when: '{{ steps.z.status }}', map: { over: 'steps.z.output', step: call('each', '{{ item }}') } },
      call('z', 1),
    ];
    assert.deepEqual(
      problems(steps).map((p) => p.split(':')[0]),
      ['steps[0].input.deep[0].deeper', 'steps[1].when', 'steps[1].map.over'],
    );
  });
});

describe('input references', () => {
  test('reading an undeclared input is an error; reading all inputs is not', () => {
    assert.deepEqual(problems([call('a', { all: '{{ inputs }}', one: '{{ inputs.tenantId }}', bad: '{{ inputs.tenant }}' })]), ['steps[0].input.bad: inputs.tenant is not declared (inputs: tenantId)']);
  });

  test('undeclared inputs are found in when, over and outputs', () => {
    const steps = [{ id: 'm', when: 'inputs.flag', map: { over: '{{ inputs.list }}', step: call('x', 1) } }];
    assert.deepEqual(problems(steps, { outputs: { o: '{{ inputs.other }}' } }), [
      'steps[0].when: inputs.flag is not declared (inputs: tenantId)',
      'steps[0].map.over: inputs.list is not declared (inputs: tenantId)',
      'outputs.o: inputs.other is not declared (inputs: tenantId)',
    ]);
  });
});

describe('map locals', () => {
  test('item in item mode, batch in batch mode, index in both', () => {
    assert.deepEqual(problems([{ id: 'm', map: { over: '{{ inputs.tenantId }}', step: call('x', { one: '{{ item }}', at: '{{ index }}' }) } }]), []);
    assert.deepEqual(problems([{ id: 'm', map: { over: '{{ inputs.tenantId }}', batchSize: 10, step: call('x', { all: '{{ batch }}', at: '{{ index }}' }) } }]), []);
    assert.deepEqual(problems([{ id: 'm', map: { over: '{{ inputs.tenantId }}', mode: 'batch', step: call('x', '{{ item }}') } }]), ['steps[0].map.step.input: item is not defined in a map with mode: batch; use batch']);
  });

  test('locals are not defined outside a map, nor in the map\'s own over and when', () => {
    assert.deepEqual(problems([call('a', '{{ index }}')]), ['steps[0].input: index is only defined inside a map step']);
    assert.deepEqual(problems([{ id: 'm', when: '{{ item }}', map: { over: '{{ batch }}', step: call('x', 1) } }]), [
      'steps[0].when: item is only defined inside a map step',
      'steps[0].map.over: batch is only defined inside a map step',
    ]);
  });

  test('a map inside a map sees the innermost mode, and reads earlier steps of the outer level', () => {
    const inner = { id: 'inner', map: { over: '{{ item }}', batchSize: 2, step: call('leaf', { b: '{{ batch }}', first: '{{ steps.first.output }}' }) } };
    assert.deepEqual(problems([call('first', 1), { id: 'outer', map: { over: '{{ steps.first.output }}', step: inner } }]), []);
  });
});
