import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { MAX_OUTLINE_STEPS, workflowOutline } from '../../../../src/orchestrator/workflow/workflow-outline.js';
import { parseWorkflow } from '../../../../src/orchestrator/workflow/load-workflow.js';

describe('workflowOutline', () => {
  test('names each step with its kind and target, nesting parallel, fallback and map steps, and leaves inputs out', () => {
    const workflow = parseWorkflow(readFileSync('workflows/multi-provider-enrichment.yaml', 'utf8'), { source: 'multi-provider-enrichment.yaml' });
    const outline = workflowOutline(workflow)!;
    const text = JSON.stringify(outline);
    assert.doesNotMatch(text, /\{\{/, 'no template is sent');
    assert.doesNotMatch(text, /"input"/);
    const walk = (steps: NonNullable<typeof outline>['steps'], prefix = ''): string[] => steps.flatMap((s) => [`${prefix}${s.id}:${s.kind}${s.agent ? `>${s.agent}` : ''}`, ...walk(s.steps ?? [], `${prefix}${s.id}/`), ...(s.step ? walk([s.step], `${prefix}${s.id}/*/`) : [])]);
    const paths = walk(outline.steps);
    assert.ok(paths.some((p) => /^[^/]+\/[^/]+\/apollo:call>data-engineer$/.test(p)), paths.join('\n'));
  });

  test('draws a map once, its per-item step under it', () => {
    const workflow = parseWorkflow(readFileSync('workflows/lead-map-reduce.yaml', 'utf8'), { source: 'lead-map-reduce.yaml' });
    const [list, batches] = workflowOutline(workflow)!.steps;
    assert.deepEqual(list, { id: 'list', kind: 'call', agent: 'data-engineer', skill: 'list-leads', conditional: true });
    assert.equal(batches!.kind, 'map');
    assert.deepEqual(batches!.step!.steps!.map((s) => `${s.id}>${s.agent}`), ['enrich>data-engineer', 'score>lead-scorer']);
  });

  test('a workflow of more steps than the bound has no outline', () => {
    const steps = Array.from({ length: MAX_OUTLINE_STEPS + 1 }, (_, i) => `  - id: s${i}\n    call: { agent: echo }\n    input: hi\n`).join('');
    assert.equal(workflowOutline(parseWorkflow(`name: big\nsteps:\n${steps}`, { source: 'big.yaml' })), undefined);
  });
});
