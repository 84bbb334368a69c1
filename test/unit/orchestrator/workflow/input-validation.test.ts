import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, isAgentmeshError } from '../../../../src/protocol/errors.js';
import { parseWorkflow } from '../../../../src/orchestrator/workflow/load-workflow.js';
import { validateWorkflowInputs, workflowInputSchema } from '../../../../src/orchestrator/workflow/input-validation.js';

const def = parseWorkflow(
  `name: inputs-demo
inputs:
  tenantId: { type: string, description: Tenant to act for }
  leadIds: { type: array, items: { type: string }, minItems: 1 }
  top: { type: integer, minimum: 1, default: 10 }
  options: { type: object, properties: { fast: { type: boolean } }, additionalProperties: false, default: { fast: true } }
  email: { type: string, format: email, default: a@example.com }
steps:
  - { id: a, call: { agent: echo }, input: "{{ inputs }}" }
`,
  { source: 'inputs.yaml' },
);

function violationsOf(inputs: unknown): Array<{ field: string; description: string }> {
  try {
    validateWorkflowInputs(def, inputs);
  } catch (err) {
    assert.ok(isAgentmeshError(err), String(err));
    assert.equal(err.code, ErrorCodes.PROTOCOL_INVALID_PARAMS);
    return err.violations ?? [];
  }
  assert.fail('expected the inputs to be refused');
}

describe('workflowInputSchema', () => {
  test('is an object schema: each input with its description and default, required without a default, nothing else allowed', () => {
    assert.deepEqual(workflowInputSchema(def), {
      type: 'object',
      properties: {
        tenantId: { type: 'string', description: 'Tenant to act for' },
        leadIds: { type: 'array', items: { type: 'string' }, minItems: 1 },
        top: { type: 'integer', minimum: 1, default: 10 },
        options: { type: 'object', properties: { fast: { type: 'boolean' } }, additionalProperties: false, default: { fast: true } },
        email: { type: 'string', format: 'email', default: 'a@example.com' },
      },
      required: ['tenantId', 'leadIds'],
      additionalProperties: false,
    });
  });
});

describe('validateWorkflowInputs', () => {
  test('applies defaults and leaves the argument unchanged', () => {
    const given = { tenantId: 't-1', leadIds: ['l1'] };
    const inputs = validateWorkflowInputs(def, given);
    assert.deepEqual(inputs, { tenantId: 't-1', leadIds: ['l1'], top: 10, options: { fast: true }, email: 'a@example.com' });
    assert.deepEqual(given, { tenantId: 't-1', leadIds: ['l1'] });
    (inputs['options'] as Record<string, unknown>)['fast'] = false;
    assert.deepEqual(validateWorkflowInputs(def, given)['options'], { fast: true });
  });

  test('keeps given values over defaults', () => {
    assert.equal(validateWorkflowInputs(def, { tenantId: 't', leadIds: ['l'], top: 3 })['top'], 3);
  });

  test('lists every problem: missing, unknown, wrong type, nested, format', () => {
    assert.deepEqual(violationsOf({ leadIds: [1], top: 0, options: { fast: 'yes' }, email: 'nope', extra: true }), [
      { field: 'inputs.tenantId', description: 'is required' },
      { field: 'inputs.extra', description: 'is not an input of workflow inputs-demo (inputs: tenantId, leadIds, top, options, email)' },
      { field: 'inputs.leadIds[0]', description: 'must be string' },
      { field: 'inputs.top', description: 'must be >= 1' },
      { field: 'inputs.options.fast', description: 'must be boolean' },
      { field: 'inputs.email', description: 'must match format "email"' },
    ]);
  });

  test('says which inputs are missing when none are given', () => {
    assert.deepEqual(violationsOf(undefined), [
      { field: 'inputs.tenantId', description: 'is required' },
      { field: 'inputs.leadIds', description: 'is required' },
    ]);
  });

  test('refuses inputs that are not an object', () => {
    assert.deepEqual(violationsOf(['a']), [{ field: 'inputs', description: 'must be an object of named inputs' }]);
    assert.deepEqual(violationsOf('text'), [{ field: 'inputs', description: 'must be an object of named inputs' }]);
  });

  test('a workflow without inputs accepts none and refuses any', () => {
    const bare = parseWorkflow('name: bare\nsteps: [{ id: a, call: { agent: echo }, input: 1 }]\n', { source: 'bare.yaml' });
    assert.deepEqual(validateWorkflowInputs(bare, undefined), {});
    assert.throws(() => validateWorkflowInputs(bare, { x: 1 }), (err: unknown) => isAgentmeshError(err) && /inputs\.x is not an input of workflow bare \(it takes none\)/.test(err.message));
  });
});
