import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, isAgentmeshError } from '../../../../src/protocol/errors.js';
import { WORKFLOW_SCHEMA } from '../../../../src/orchestrator/workflow/workflow-schema.js';
import { loadWorkflowFile, loadWorkflowFolder, parseWorkflow, parseWorkflowObject } from '../../../../src/orchestrator/workflow/load-workflow.js';
import type { CallStep, FallbackStep, MapStep, ParallelStep, SequenceStep } from '../../../../src/orchestrator/workflow/workflow-definition.js';
import type { WorkflowIssue } from '../../../../src/orchestrator/workflow/workflow-issues.js';

/** The example of docs/workflows.md: every step kind, every option. */
const CAMPAIGN = `name: lookalike-campaign
description: Enrich, score and launch a campaign
version: "1"
tags: [dealscale]
inputs:
  tenantId: { type: string, description: Tenant to act for }
  leadIds: { type: array, items: { type: string }, minItems: 1 }
  top: { type: integer, default: 10 }
steps:
  - id: enrich
    call: { agent: data-engineer, skill: enrich-leads }
    input: { leadIds: "{{ inputs.leadIds }}" }
    timeout: 30s
    retry: { attempts: 3, backoff: 1s, maxBackoff: 30s }
  - id: providers
    parallel:
      join: quorum
      quorum: 2
      steps:
        - { id: a, call: { agent: provider-a }, input: "{{ steps.enrich.output }}" }
        - { id: b, call: { skill: enrich, tags: [provider] }, input: null, timeout: 500 }
        - { id: c, call: { agent: provider-c }, input: {} }
  - id: score
    when: "{{ steps.enrich.output.count > 0 }}"
    map:
      over: "{{ steps.enrich.output.leadIds }}"
      batchSize: 500
      concurrency: 5
      onFailure: { maxFailures: 10 }
      step: { call: { agent: lead-scorer }, input: { leadIds: "{{ batch }}", batch: "{{ index }}" } }
  - id: pick
    fallback:
      - { id: p1, call: { agent: provider-a }, input: {} }
      - { id: p2, call: { agent: provider-b }, input: "{{ steps.enrich.output }}" }
  - id: launch
    sequence:
      - { id: prep, call: { agent: campaign }, input: { top: "{{ inputs.top }}", tenant: "{{ run.tenant }}" } }
      - { id: go, call: { agent: campaign }, input: "{{ steps.prep.output }}" }
outputs:
  campaign: "{{ steps.launch.output }}"
  count: "{{ length(steps.score.output) }}"
`;

/** Parses `text` expecting a refusal; returns its issues as `line:column path: message` strings. */
function issuesOf(text: string, source = 'flows/bad.yaml'): WorkflowIssue[] {
  try {
    parseWorkflow(text, { source });
  } catch (err) {
    assert.ok(isAgentmeshError(err), String(err));
    assert.equal(err.code, ErrorCodes.WORKFLOW_INVALID);
    return [...(err as unknown as { issues: WorkflowIssue[] }).issues];
  }
  assert.fail('expected the workflow to be refused');
}

const brief = (issues: WorkflowIssue[]): string[] => issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`);

/** `line:column` of the first `token` on line `line` (1-based) of `text`: expected positions are spelled by what sits there. */
function at(text: string, line: number, token: string): string {
  const column = (text.split('\n')[line - 1] ?? '').indexOf(token);
  assert.ok(column >= 0, `${token} is not on line ${line}`);
  return `${line}:${column + 1}`;
}

describe('parsing a valid workflow', () => {
  const def = parseWorkflow(CAMPAIGN, { source: 'flows/campaign.yaml' });

  test('keeps the header and the inputs, a default making an input optional', () => {
    assert.equal(def.name, 'lookalike-campaign');
    assert.equal(def.version, '1');
    assert.deepEqual(def.tags, ['dealscale']);
    assert.equal(def.source, 'flows/campaign.yaml');
    assert.deepEqual(def.inputs['tenantId'], { schema: { type: 'string' }, description: 'Tenant to act for', required: true });
    assert.deepEqual(def.inputs['top'], { schema: { type: 'integer' }, default: 10, required: false });
  });

  test('parses a call step with timeout and retry in milliseconds', () => {
    const enrich = def.steps[0] as CallStep;
    assert.equal(enrich.kind, 'call');
    assert.deepEqual(enrich.call, { agent: 'data-engineer', skill: 'enrich-leads' });
    assert.deepEqual(enrich.input, { leadIds: '{{ inputs.leadIds }}' });
    assert.equal(enrich.timeoutMs, 30_000);
    assert.deepEqual(enrich.retry, { attempts: 3, backoffMs: 1_000, maxBackoffMs: 30_000 });
    assert.deepEqual(enrich.source, { line: 10, column: 5 });
  });

  test('parses a parallel step with its join policy and branches', () => {
    const providers = def.steps[1] as ParallelStep;
    assert.equal(providers.kind, 'parallel');
    assert.equal(providers.join, 'quorum');
    assert.equal(providers.quorum, 2);
    assert.deepEqual(providers.steps.map((s) => s.id), ['a', 'b', 'c']);
    assert.equal((providers.steps[1] as CallStep).input, null);
    assert.equal(providers.steps[1]?.timeoutMs, 500);
    assert.deepEqual((providers.steps[1] as CallStep).call, { skill: 'enrich', tags: ['provider'] });
  });

  test('parses a map step: batch mode follows from batchSize, the inner step id defaults to each', () => {
    const score = def.steps[2] as MapStep;
    assert.equal(score.kind, 'map');
    assert.equal(score.when, '{{ steps.enrich.output.count > 0 }}');
    assert.equal(score.over, '{{ steps.enrich.output.leadIds }}');
    assert.equal(score.batchSize, 500);
    assert.equal(score.concurrency, 5);
    assert.equal(score.mode, 'batch');
    assert.deepEqual(score.onFailure, { mode: 'threshold', maxFailures: 10 });
    assert.equal(score.step.id, 'each');
    assert.equal(score.step.kind, 'call');
  });

  test('parses fallback and sequence steps and keeps outputs as written', () => {
    const pick = def.steps[3] as FallbackStep;
    assert.equal(pick.kind, 'fallback');
    assert.deepEqual(pick.steps.map((s) => s.id), ['p1', 'p2']);
    const launch = def.steps[4] as SequenceStep;
    assert.equal(launch.kind, 'sequence');
    assert.deepEqual(launch.steps.map((s) => s.id), ['prep', 'go']);
    assert.deepEqual(def.outputs, { campaign: '{{ steps.launch.output }}', count: '{{ length(steps.score.output) }}' });
  });

  test('fills defaults: join all, map batchSize 1 in item mode, concurrency 4, onFailure fail, retry backoff 1s to 30s', () => {
    const small = parseWorkflow(
      `name: defaults
steps:
  - id: p
    parallel: { steps: [{ id: x, call: { agent: echo }, input: 1, retry: { attempts: 2 } }] }
  - id: m
    map: { over: "{{ steps.p.output }}", step: { id: one, call: { agent: echo }, input: "{{ item }}" } }
`,
      { source: 'd.yaml' },
    );
    const p = small.steps[0] as ParallelStep;
    assert.equal(p.join, 'all');
    assert.equal(p.quorum, undefined);
    assert.deepEqual(p.steps[0]?.retry, { attempts: 2, backoffMs: 1_000, maxBackoffMs: 30_000 });
    const m = small.steps[1] as MapStep;
    assert.deepEqual([m.batchSize, m.concurrency, m.mode, m.onFailure, m.step.id], [1, 4, 'item', { mode: 'fail' }, 'one']);
    assert.equal(small.outputs, undefined);
    assert.deepEqual(small.inputs, {});
  });

  test('stores a bare when or over braced, so both render the same way', () => {
    const bare = parseWorkflow('name: bare\nsteps:\n  - id: m\n    when: length(run.id) > 0\n    map: { over: run.id, step: { call: { agent: echo }, input: "{{ item }}" } }\n', { source: 'b.yaml' });
    const m = bare.steps[0] as MapStep;
    assert.equal(m.when, '{{ length(run.id) > 0 }}');
    assert.equal(m.over, '{{ run.id }}');
  });

  test('returns a frozen definition', () => {
    assert.ok(Object.isFrozen(def));
    assert.ok(Object.isFrozen(def.steps[0]));
    assert.throws(() => {
      (def.steps as unknown[]).push({});
    }, TypeError);
  });

  test('reads JSON as well, indented with tabs', () => {
    const json = JSON.stringify({ name: 'as-json', steps: [{ id: 'a', call: { agent: 'echo' }, input: { text: '{{ run.id }}' } }] }, null, '\t');
    assert.equal(parseWorkflow(json, { source: 'a.json' }).steps[0]?.kind, 'call');
  });

  test('the complete example of docs/workflows.md parses', async () => {
    const doc = await readFile(new URL('../../../../docs/workflows.md', import.meta.url), 'utf8');
    const example = /## A complete example\n\n```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(example, 'docs/workflows.md has lost its complete example');
    const parsed = parseWorkflow(example, { source: 'docs/workflows.md' });
    assert.deepEqual(parsed.steps.map((s) => s.kind), ['call', 'parallel', 'map', 'fallback', 'sequence']);
  });

  test('the published schema is the one the loader validates against', () => {
    assert.equal(WORKFLOW_SCHEMA['$schema'], 'http://json-schema.org/draft-07/schema#');
    assert.deepEqual(WORKFLOW_SCHEMA['required'], ['name', 'steps']);
  });
});

describe('refusing a workflow', () => {
  test('reports every problem as file:line:column path: message, in file order', () => {
    const text = [
      'name: Bad Name', // 1
      'inputs:', // 2
      '  tenantId: { type: string }', // 3
      '  n: { type: integer, defualt: 1 }', // 4
      'steps:', // 5
      '  - id: a', // 6
      '    call: { agent: echo }', // 7
      '    input: { x: "{{ inputs.missing }}", y: "{{ steps.b.output }}" }', // 8
      '  - id: b', // 9
      '    parallel:', // 10
      '      join: quorum', // 11
      '      quorum: 3', // 12
      '      steps:', // 13
      '        - { id: c, call: { agent: echo }, input: "{{ steps.d.output }}" }', // 14
      '        - { id: d, call: { agent: echo }, input: "{{ 1 + }}", timout: 5s }', // 15
      '  - id: a', // 16
      '    sequence: []', // 17
      'outputs:', // 18
      '  x: "{{ steps.zz.output }}"', // 19
    ].join('\n');
    let error: unknown;
    try {
      parseWorkflow(text, { source: 'flows/bad.yaml' });
    } catch (err) {
      error = err;
    }
    assert.ok(isAgentmeshError(error));
    assert.equal(error.code, ErrorCodes.WORKFLOW_INVALID);
    const issues = (error as unknown as { issues: WorkflowIssue[] }).issues;
    assert.deepEqual(brief(issues), [
      `${at(text, 1, 'Bad')} name: must be 1-63 lowercase letters, digits, - or _, starting with a letter or digit`,
      `${at(text, 4, 'defualt')} inputs.n.defualt: is not a known field (did you mean default?)`,
      `${at(text, 8, '{{ inputs.missing')} steps[0].input.x: inputs.missing is not declared (inputs: tenantId, n)`,
      `${at(text, 8, '{{ steps.b')} steps[0].input.y: steps.b has not run yet at this point: a step reads only earlier siblings and earlier siblings of its enclosing steps (no step has finished at this point)`,
      `${at(text, 12, '3')} steps[1].parallel.quorum: is 3 but the parallel step has 2 branches`,
      `${at(text, 14, '{{ steps.d')} steps[1].parallel.steps[0].input: steps.d runs in parallel with this step, so its result is not available here (readable here: a)`,
      `${at(text, 15, '}}", timout')} steps[1].parallel.steps[1].input: invalid expression {{ 1 + }}: Expected expression after +`,
      `${at(text, 15, 'timout')} steps[1].parallel.steps[1].timout: is not a known field (did you mean timeout?)`,
      `${at(text, 16, 'a')} steps[2].id: duplicate step id a (also steps[0]); ids must be unique among siblings`,
      `${at(text, 17, '[]')} steps[2].sequence: must list at least 1 item`,
      `${at(text, 19, '{{ steps.zz')} outputs.x: there is no step zz (readable here: a, b)`,
    ]);
    assert.ok(issues.every((i) => i.file === 'flows/bad.yaml'));
    assert.match(error.message, /^Workflow flows\/bad\.yaml is invalid \(11 problems\):\n {2}flows\/bad\.yaml:1:7 name: must be/);
    assert.match(error.message, /\n {2}flows\/bad\.yaml:19:7 outputs\.x: there is no step zz/);
    assert.deepEqual(error.details, { source: 'flows/bad.yaml', issues: '11' });
    assert.deepEqual(error.violations?.[0], { field: 'name', description: 'must be 1-63 lowercase letters, digits, - or _, starting with a letter or digit (flows/bad.yaml:1:7)' });
  });

  test('reports a YAML syntax error at its line and column', () => {
    const unclosed = issuesOf('name: x\nsteps: [\n  { id: a\n');
    assert.ok(unclosed.length > 0);
    assert.ok(unclosed.every((i) => i.line === 4 && i.column === 1 && i.path === '(root)' && i.file === 'flows/bad.yaml'), JSON.stringify(unclosed));
    const [badIndent] = issuesOf('name: x\nsteps:\n  - id: a\n   call: {}\n');
    assert.equal(badIndent?.line, 4);
    assert.equal(badIndent?.path, '(root)');
  });

  test('refuses duplicate keys, unknown tags and several documents', () => {
    assert.deepEqual(brief(issuesOf('name: x\nname: y\nsteps: []\n')), ['2:1 (root): Map keys must be unique']);
    assert.deepEqual(brief(issuesOf('name: !secret x\nsteps: []\n')), ['1:7 (root): Unresolved tag: !secret']);
    assert.equal(issuesOf('name: x\n---\nname: y\n')[0]?.line, 2);
  });

  test('refuses an unquoted template, which YAML would read as a map inside a map', () => {
    const text = 'name: x\nsteps:\n  - id: a\n    call: { agent: echo }\n    input: {{ inputs.x }}\n';
    assert.deepEqual(brief(issuesOf(text)), [`${at(text, 5, '{ inputs.x')} (root): a key cannot be a map or a list; a template must be quoted: "{{ inputs.x }}"`]);
  });

  test('reports a missing field at its parent and an empty file at 1:1', () => {
    assert.deepEqual(brief(issuesOf('name: x\nsteps:\n  - call: { agent: echo }\n    input: 1\n')), ['3:5 steps[0].id: is required']);
    assert.deepEqual(brief(issuesOf('')), ['1:1 (root): must be an object (a map of keys)']);
  });

  test('reports step-kind problems: none, several, input on a non-call step, call without input', () => {
    const text = [
      'name: kinds', // 1
      'steps:', // 2
      '  - id: none', // 3
      '    timeout: 5s', // 4
      '  - id: two', // 5
      '    call: { agent: echo }', // 6
      '    input: 1', // 7
      '    sequence: [{ id: s, call: { agent: echo }, input: 1 }]', // 8
      '  - id: noinput', // 9
      '    call: { agent: echo }', // 10
      '  - id: seq', // 11
      '    input: 1', // 12
      '    sequence: [{ id: s, call: { agnt: echo }, input: 1 }]', // 13
    ].join('\n');
    assert.deepEqual(brief(issuesOf(text)), [
      `${at(text, 3, 'id: none')} steps[0]: must have exactly one of call, sequence, parallel, map, fallback`,
      `${at(text, 5, 'id: two')} steps[1]: must have exactly one of call, sequence, parallel, map, fallback`,
      `${at(text, 9, 'id: noinput')} steps[2].input: is required on a call step (null sends no data)`,
      `${at(text, 12, 'input')} steps[3].input: only call steps take input (this is a sequence step)`,
      `${at(text, 13, '{ agnt')} steps[3].sequence[0].call: must name an agent, a skill, or both`,
      `${at(text, 13, 'agnt')} steps[3].sequence[0].call.agnt: is not a known field (did you mean agent?)`,
    ]);
  });

  test('reports bad durations, retry and map options at their values', () => {
    const text = [
      'name: limits', // 1
      'steps:', // 2
      '  - id: a', // 3
      '    call: { agent: echo }', // 4
      '    input: 1', // 5
      '    timeout: 3 weeks', // 6
      '    retry: { attempts: 0, backoff: 10s, maxBackoff: 2s }', // 7
      '  - id: b', // 8
      '    call: { agent: echo }', // 9
      '    input: 1', // 10
      '    timeout: 0', // 11
      '  - id: c', // 12
      '    call: { agent: echo }', // 13
      '    input: 1', // 14
      '    timeout: 30d', // 15
      '  - id: d', // 16
      '    call: { agent: echo }', // 17
      '    input: 1', // 18
      '    timeout: 600h', // 19
      '  - id: m', // 20
      '    map:', // 21
      '      over: "{{ steps.a.output }}"', // 22
      '      batchSize: 10', // 23
      '      mode: item', // 24
      '      onFailure: sometimes', // 25
      '      step: { call: { agent: echo }, input: "{{ batch }}" }', // 26
    ].join('\n');
    assert.deepEqual(brief(issuesOf(text)), [
      `${at(text, 6, '3 weeks')} steps[0].timeout: must be a duration: milliseconds as a whole number, or a string such as 500ms, 30s, 5m, 1h or 1m30s`,
      `${at(text, 7, '0,')} steps[0].retry.attempts: must be at least 1`,
      `${at(text, 7, '2s')} steps[0].retry.maxBackoff: must not be shorter than backoff (10000 ms)`,
      `${at(text, 11, '0')} steps[1].timeout: must be greater than 0`,
      `${at(text, 15, '30d')} steps[2].timeout: must be a duration: milliseconds as a whole number, or a string such as 500ms, 30s, 5m, 1h or 1m30s`,
      `${at(text, 19, '600h')} steps[3].timeout: too long: the longest duration is 2147483647 ms (about 24 days)`,
      `${at(text, 24, 'item')} steps[4].map.mode: item mode runs one item at a time: batchSize must be 1 (it is 10); use mode: batch`,
      `${at(text, 25, 'sometimes')} steps[4].map.onFailure: must be fail, continue, or { maxFailures: <whole number> }`,
      `${at(text, 26, '{{ batch')} steps[4].map.step.input: batch is not defined in a map with mode: item; use item`,
    ]);
  });

  test('reports parallel join problems', () => {
    const text = [
      'name: joins', // 1
      'steps:', // 2
      '  - id: p', // 3
      '    parallel:', // 4
      '      join: quorum', // 5
      '      steps: [{ id: a, call: { agent: echo }, input: 1 }]', // 6
      '  - id: q', // 7
      '    parallel:', // 8
      '      join: first', // 9
      '      quorum: 1', // 10
      '      steps: [{ id: a, call: { agent: echo }, input: 1 }]', // 11
      '  - id: r', // 12
      '    parallel: { join: most, steps: [{ id: a, call: { agent: echo }, input: 1 }] }', // 13
    ].join('\n');
    assert.deepEqual(brief(issuesOf(text)), [
      `${at(text, 5, 'join')} steps[0].parallel.quorum: is required with join: quorum`,
      `${at(text, 9, 'join')} steps[1].parallel: quorum is only allowed with join: quorum`,
      `${at(text, 13, 'most')} steps[2].parallel.join: must be one of all, allSettled, first, quorum`,
    ]);
  });

  test('reports input declaration problems: bad names, bad schemas, defaults that do not fit', () => {
    const text = [
      'name: inputs', // 1
      'inputs:', // 2
      '  1st: { type: string }', // 3
      '  n: { type: integr }', // 4
      '  m: { type: integer, default: "ten" }', // 5
      '  deep: { type: array, items: { tpye: string } }', // 6
      'steps:', // 7
      '  - { id: a, call: { agent: echo }, input: "{{ inputs }}" }', // 8
    ].join('\n');
    const lines = brief(issuesOf(text));
    assert.deepEqual(lines.slice(0, 3), [
      `${at(text, 3, '1st')} inputs["1st"]: input names are identifiers: letters, digits and _, not starting with a digit`,
      `${at(text, 4, 'integr')} inputs.n.type: must be one of string, number, integer, boolean, array, object, null (or a list of them)`,
      `${at(text, 5, '"ten"')} inputs.m.default: does not fit the input's schema: must be integer`,
    ]);
    assert.equal(lines.length, 4);
    assert.match(lines[3] ?? '', /^6:9 inputs\.deep: is not a valid JSON Schema: unknown keyword: "tpye"/);
  });

  test('points at the expression inside a quoted or plain scalar, and at the scalar when escapes move it', () => {
    assert.deepEqual(brief(issuesOf('name: x\nsteps:\n  - id: a\n    call: { agent: echo }\n    input: say {{ inputs.nope }}\n')), ['5:16 steps[0].input: inputs.nope is not declared (the workflow declares no inputs)']);
    assert.deepEqual(brief(issuesOf('name: x\nsteps:\n  - id: a\n    call: { agent: echo }\n    input: "\\t{{ inputs.nope }}"\n')), ['5:12 steps[0].input: inputs.nope is not declared (the workflow declares no inputs)']);
  });

  test('reports a when that is not one expression, and accepts a bare one', () => {
    const text = 'name: x\nsteps:\n  - id: a\n    when: "yes {{ true }}"\n    call: { agent: echo }\n    input: 1\n';
    assert.deepEqual(brief(issuesOf(text)), [`${at(text, 4, 'yes')} steps[0].when: must be one expression: either {{ expr }} alone, or the expression without braces`]);
    const def = parseWorkflow('name: x\nsteps:\n  - id: a\n    when: run.tenant == "t1"\n    call: { agent: echo }\n    input: 1\n', { source: 'x.yaml' });
    assert.equal(def.steps[0]?.when, '{{ run.tenant == "t1" }}');
    assert.deepEqual(brief(issuesOf('name: x\nsteps:\n  - id: a\n    when: run.tenantt == 1\n    call: { agent: echo }\n    input: 1\n')), ['4:11 steps[0].when: run.tenantt does not exist (run has id, tenant, workflow)']);
  });
});

describe('definitions sent as objects', () => {
  test('parses an object and leaves the caller\'s object unfrozen', () => {
    const obj = { name: 'inline', steps: [{ id: 'a', call: { agent: 'echo' }, input: { x: 1 } }] };
    const def = parseWorkflowObject(obj, { source: '<inline>' });
    assert.equal(def.source, '<inline>');
    assert.equal(def.steps[0]?.kind, 'call');
    assert.ok(!Object.isFrozen(obj.steps[0]));
  });

  test('reports problems with paths and no positions', () => {
    try {
      parseWorkflowObject({ name: 'inline', steps: [{ id: 'a', call: { agent: 'echo' }, input: '{{ inputs.x }}', extra: 1 }] }, { source: '<inline>' });
      assert.fail('expected a refusal');
    } catch (err) {
      assert.ok(isAgentmeshError(err));
      const issues = (err as unknown as { issues: WorkflowIssue[] }).issues;
      assert.deepEqual(issues, [
        { file: '<inline>', path: 'steps[0].extra', message: 'is not a known field (expected one of id, when, timeout, retry, call, input, sequence, parallel, map, fallback)' },
        { file: '<inline>', path: 'steps[0].input', message: 'inputs.x is not declared (the workflow declares no inputs)' },
      ]);
      assert.match(err.message, /\n {2}<inline> steps\[0\]\.extra: is not a known field/);
    }
  });

  test('refuses values JSON cannot hold', () => {
    assert.throws(
      () => parseWorkflowObject({ name: 'x', steps: [{ id: 'a', call: { agent: 'echo' }, input: { f: () => 1 } }] }, { source: '<inline>' }),
      (err: unknown) => isAgentmeshError(err) && err.code === ErrorCodes.WORKFLOW_INVALID && /JSON values only/.test(err.message),
    );
  });
});

describe('files and folders', () => {
  test('loads a folder: valid files become definitions, bad ones and duplicate names are reported per file', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'am-workflows-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'a-campaign.yaml'), CAMPAIGN);
    await writeFile(join(dir, 'b-echo.json'), JSON.stringify({ name: 'echo', steps: [{ id: 'a', call: { agent: 'echo' }, input: 'hi' }] }));
    await writeFile(join(dir, 'c-broken.yml'), 'name: broken\nsteps: []\n');
    await writeFile(join(dir, 'd-again.yaml'), 'name: echo\nsteps: [{ id: a, call: { agent: echo }, input: 1 }]\n');
    await writeFile(join(dir, 'notes.txt'), 'not a workflow');
    const { workflows, errors } = await loadWorkflowFolder(dir);
    assert.deepEqual(workflows.map((w) => w.name), ['lookalike-campaign', 'echo']);
    assert.equal(workflows[0]?.source, join(dir, 'a-campaign.yaml'));
    assert.deepEqual(errors.map((e) => e.file), [join(dir, 'c-broken.yml'), join(dir, 'd-again.yaml')]);
    assert.match(errors[0]?.error.message ?? '', /c-broken\.yml:2:8 steps: must list at least 1 item/);
    assert.match(errors[1]?.error.message ?? '', /name: workflow echo is already defined in .*b-echo\.json/);
  });

  test('reports a file that cannot be read, and a folder that cannot be read', async () => {
    await assert.rejects(loadWorkflowFile(join(tmpdir(), 'am-no-such-workflow.yaml')), (err: unknown) => isAgentmeshError(err) && err.code === ErrorCodes.WORKFLOW_INVALID && /cannot be read: ENOENT/.test(err.message));
    await assert.rejects(loadWorkflowFolder(join(tmpdir(), 'am-no-such-folder')), (err: unknown) => isAgentmeshError(err) && err.code === ErrorCodes.CONFIG_INVALID);
  });
});
