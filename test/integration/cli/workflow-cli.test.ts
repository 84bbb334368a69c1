import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { batchWorker, CallLog, ENRICH_THEN_SCORE_STEPS, LAUNCH_CAMPAIGN_STEP, specialists, startOrchestrator, workflow } from '../../helpers/orchestrator-fixture.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';
import { Capture, cli } from './cli-harness.js';
import { TS_CHILD_ARGV } from '../../helpers/typescript-child.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';
import { closeInTurn, directoryRemoval } from '../../helpers/close-in-turn.js';
import { isolatedChildEnv } from '../../helpers/isolated-cli-env.js';

/** `agentmesh <args>` as a real process: what a user's shell runs. */
function spawnCli(args: string[]): { stderr: Capture; done: Promise<{ code: number | null; stdout: string; stderr: string }>; interrupt: () => void } {
  const child = spawn(process.execPath, [...TS_CHILD_ARGV, 'src/cli/bin.ts', ...args], {
    env: isolatedChildEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout = new Capture();
  const stderr = new Capture();
  child.stdout.setEncoding('utf8').on('data', (s: string) => stdout.write(s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => stderr.write(s));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stdout: stdout.text, stderr: stderr.text })));
  return { stderr, done, interrupt: () => child.kill('SIGINT') };
}

/** The run id from the first progress line (`run <id>: running workflow …`). */
function runIdOf(stderr: string): string {
  const match = /^run (\S+): (?:running|resuming) workflow/m.exec(stderr);
  assert.ok(match, `no run line in:\n${stderr}`);
  return match[1]!;
}

const CHAIN = `
name: lookalike-campaign
inputs:
  leadIds: { type: array, items: { type: string } }
  campaign: { type: string, default: spring }
  numbers: { type: array, items: { type: number } }
steps:
${ENRICH_THEN_SCORE_STEPS}
  - id: sums
    map:
      over: "{{ inputs.numbers }}"
      batchSize: 2
      concurrency: 2
      step:
        id: sum
        call: { agent: batch-worker }
        input: { items: "{{ batch }}" }
${LAUNCH_CAMPAIGN_STEP}
outputs:
  campaignId: "{{ steps.launch.output.campaignId }}"
  audienceSize: "{{ steps.launch.output.audienceSize }}"
  batches: "{{ steps.sums.output }}"
`;

const ASK = `
name: pick-segment
steps:
  - id: segment
    call: { agent: asker }
    input: {}
outputs:
  segment: "{{ steps.segment.output.segment }}"
`;

const GATED = `
name: gated
inputs:
  key: { type: string }
steps:
  - id: enrich
    call: { agent: enricher }
    input: { leadIds: ["{{ inputs.key }}"] }
  - id: pass
    call: { agent: gate }
    input: { key: "{{ inputs.key }}" }
outputs:
  passed: "{{ steps.pass.output.passed }}"
`;

/** Seven top-level steps: more than a page of three. */
const SEVEN = `
name: seven
steps:
${Array.from({ length: 7 }, (_, i) => `  - id: e${i}\n    call: { agent: enricher }\n    input: { leadIds: ["seven-${i}"] }`).join('\n')}
`;

const SLOW = `
name: slow-lookup
inputs:
  company: { type: string }
steps:
  - id: lookup
    call: { agent: provider-slow }
    input: { company: "{{ inputs.company }}" }
`;

describe('agentmesh workflow, against an orchestrator and live agents', () => {
  const log = new CallLog();
  let gateOpen = false;
  const gate = oneSkillAgent({ name: 'gate', description: 'Fails until the test opens it' }, 'pass', {
    description: 'Passes when open',
    handler: async (input: { key: string }) => {
      log.add('gate', input.key);
      if (!gateOpen) throw new Error('the gate is closed');
      return { passed: true };
    },
  });
  let agents: Awaited<ReturnType<typeof startRuntime>>;
  let orch: Awaited<ReturnType<typeof startOrchestrator>>;
  let dir: string;
  let url: string;
  const file = (name: string) => join(dir, name);
  const inProcess = (args: string[], options: Parameters<typeof cli>[1] = {}) => cli([...args, '--agent-url', url], options);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentmesh-workflow-cli-'));
    for (const [name, text] of Object.entries({ 'chain.yaml': CHAIN, 'ask.yaml': ASK, 'gated.yaml': GATED, 'slow.yaml': SLOW, 'seven.yaml': SEVEN })) writeFileSync(file(name), text);
    writeFileSync(file('leads.json'), JSON.stringify(['a-1', 'b-2', 'c-3-dup', 'd-4']));
    writeFileSync(file('broken.yaml'), 'name: broken\nsteps:\n  - id: a\n    call: { agent: enricher }\n    input: {}\n    retry: { attempts: "many" }\n');
    agents = await startRuntime([...specialists(log), batchWorker(log), gate]);
    orch = await startOrchestrator(agents.agents, { workflows: [workflow(ASK)] });
    url = orch.url;
  });
  after(() => closeInTurn(orch, agents, directoryRemoval(dir)));

  test('runs a workflow file as a process: one progress line per event, then the outputs as JSON', async () => {
    const run = spawnCli(['workflow', 'run', file('chain.yaml'), '--input', `leadIds=@${file('leads.json')}`, '--input', 'numbers=[1,2,3,4,5,6]', '--agent-url', url]);
    const { code, stdout, stderr } = await run.done;
    assert.equal(code, 0, stderr);
    const id = runIdOf(stderr);
    const lines = stderr.split('\n');
    assert.equal(lines[0], `run ${id}: running workflow lookalike-campaign (4 steps)`);
    // Call steps name the agent they call; the map does not.
    for (const [step, agent] of [['enrich', 'enricher'], ['score', 'scorer'], ['sums', undefined], ['launch', 'campaigner']] as const) {
      assert.ok(lines.includes(`${step}: started${agent ? ` (${agent})` : ''}`), `${step} started:\n${stderr}`);
      assert.ok(lines.some((l) => new RegExp(`^${step}: completed in \\d`).test(l)), `${step} completed:\n${stderr}`);
    }
    assert.ok(lines.some((l) => /^sums: batches 3\/3, 6 items, [\d,]+ items\/s$/.test(l)), `the map's progress:\n${stderr}`);
    assert.ok(lines.some((l) => /^run \S+: completed in \d/.test(l)));
    assert.equal(lines.at(-2), `run ${id} completed`);
    assert.ok(!stderr.includes('\x1b'), 'a pipe gets lines, never cursor movement');
    assert.deepEqual(JSON.parse(stdout), { campaignId: 'cmp-spring-3', audienceSize: 3, batches: [{ count: 2, sum: 3 }, { count: 2, sum: 7 }, { count: 2, sum: 11 }] });
  });

  test('answers input-required with --answer and completes', async () => {
    const { code, stdout, stderr } = await inProcess(['workflow', 'run', file('ask.yaml'), '--answer', 'EMEA']);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /^segment: asker asks: Which segment should the campaign target\?$/m);
    assert.match(stderr, /^answering: EMEA$/m);
    assert.deepEqual(JSON.parse(stdout), { segment: 'EMEA' });
    const json = await inProcess(['workflow', 'run', file('ask.yaml'), '--answer', 'LATAM', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const task = JSON.parse(json.stdout);
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED');
    assert.deepEqual(task.artifacts.find((a: { name: string }) => a.name === 'outputs').parts[0].data, { segment: 'LATAM' });
  });

  test('without an answer off a terminal, exits 3 and prints how to answer; show then reads the run', async () => {
    const first = await inProcess(['workflow', 'run', 'pick-segment']);
    assert.equal(first.code, 3, first.stderr);
    const id = runIdOf(first.stderr);
    assert.match(first.stderr, new RegExp(`^run ${id} waits for input: asker asks \\(step segment\\): Which segment should the campaign target\\?$`, 'm'));
    assert.ok(first.stderr.includes(`agentmesh send ${url} --task ${id} "answer"`), first.stderr);
    const waiting = await inProcess(['workflow', 'show', id]);
    assert.match(waiting.stdout, /^state {5}input-required$/m);
    assert.match(waiting.stdout, /^ {2}\? segment {2}call {2}waiting for input: asker asks Which segment should the campaign target\?$/m);

    const answered = await cli(['send', url, '--task', id, 'APAC']);
    assert.equal(answered.code, 0, answered.stderr);
    const shown = await inProcess(['workflow', 'show', id]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`^run {7}${id}$`, 'm'));
    assert.match(shown.stdout, /^workflow {2}pick-segment$/m);
    assert.match(shown.stdout, /^state {5}completed$/m);
    assert.match(shown.stdout, /^ {2}✓ segment {2}call {2}\d/m);
    assert.match(shown.stdout, /^outputs\n {2}\{\n {4}"segment": "APAC"\n {2}\}$/m);
    const json = await inProcess(['workflow', 'show', id, '--json']);
    assert.equal(JSON.parse(json.stdout).status.state, 'TASK_STATE_COMPLETED');
  });

  test('a failed run exits 1 naming the step; resume continues it without calling completed steps again', async () => {
    gateOpen = false;
    const failed = await inProcess(['workflow', 'run', file('gated.yaml'), '--input', 'key=k-resume']);
    assert.equal(failed.code, 1, failed.stderr);
    const id = runIdOf(failed.stderr);
    assert.match(failed.stderr, /^pass: failed: .*the gate is closed/m);
    assert.match(failed.stderr, new RegExp(`^run ${id} failed: .*the gate is closed`, 'm'));
    assert.ok(failed.stderr.includes(`agentmesh workflow resume ${id} --agent-url ${url}`), failed.stderr);
    assert.equal(log.count('enricher', 'k-resume'), 1);

    gateOpen = true;
    const resumed = await inProcess(['workflow', 'resume', id]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const [, oldId, newId] = /^resuming run (\S+) as run (\S+)$/m.exec(resumed.stderr) ?? [];
    assert.equal(oldId, id);
    assert.notEqual(newId, id);
    assert.match(resumed.stderr, /^run \S+: resuming workflow gated \(2 steps\)$/m);
    assert.match(resumed.stderr, /^enrich: done earlier$/m);
    assert.deepEqual(JSON.parse(resumed.stdout), { passed: true });
    assert.equal(log.count('enricher', 'k-resume'), 1, 'the completed step was not called again');
    assert.equal(log.count('gate', 'k-resume'), 2);
    const late = await inProcess(['workflow', 'cancel', newId!]);
    assert.equal(late.code, 1, 'a completed run cannot be canceled');
    assert.match(late.stderr, /TASK_NOT_CANCELABLE/);
  });

  test('workflow cancel stops a run another process follows; that process exits 1', async () => {
    const run = spawnCli(['workflow', 'run', file('slow.yaml'), '--input', 'company=acme-cancel', '--agent-url', url]);
    await run.stderr.waitFor('lookup: started');
    const id = runIdOf(run.stderr.text);
    const canceled = await inProcess(['workflow', 'cancel', id]);
    assert.equal(canceled.code, 0, canceled.stderr);
    assert.equal(canceled.stdout, `run ${id} canceled; continue it later with: agentmesh workflow resume ${id} --agent-url ${url}\n`);
    const { code, stderr } = await run.done;
    assert.equal(code, 1, stderr);
    assert.match(stderr, new RegExp(`^run ${id} canceled`, 'm'));
    const again = await inProcess(['workflow', 'cancel', id]);
    assert.equal(again.code, 0, 'canceling a canceled run again is harmless');
  });

  test('Ctrl-C cancels the run it follows (CancelTask) and the child task with it', async () => {
    const run = spawnCli(['workflow', 'run', file('slow.yaml'), '--input', 'company=acme-sigint', '--agent-url', url]);
    await run.stderr.waitFor('lookup: started');
    const id = runIdOf(run.stderr.text);
    const childCancels = log.count('provider-slow', 'canceled');
    run.interrupt();
    const { code, stderr } = await run.done;
    assert.equal(code, 1, stderr);
    assert.match(stderr, new RegExp(`^canceling run ${id}…`, 'm'));
    assert.match(stderr, new RegExp(`^run ${id} canceled`, 'm'));
    const shown = await inProcess(['workflow', 'show', id, '--json']);
    assert.equal(JSON.parse(shown.stdout).status.state, 'TASK_STATE_CANCELED');
    await until('the child task to be canceled', () => log.count('provider-slow', 'canceled') > childCancels);
  });

  test('show pages a run with more steps than a page, in the workflow\'s order, and --all reads every page', async () => {
    const run = await inProcess(['workflow', 'run', file('seven.yaml')]);
    assert.equal(run.code, 0, run.stderr);
    const id = runIdOf(run.stderr);
    const rowsOf = (stdout: string) => [...stdout.matchAll(/^ {2}✓ (e\d) {2}call/gm)].map((m) => m[1]);
    const first = await inProcess(['workflow', 'show', id, '--page-size', '3']);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(rowsOf(first.stdout), ['e0', 'e1', 'e2']);
    assert.match(first.stdout, /^ {10}steps 1–3 of 7 shown$/m);
    assert.match(first.stdout, /^state {5}completed$/m);
    const token = /^more steps: add --page-token (\S+) \(or --all\)$/m.exec(first.stderr)?.[1];
    assert.ok(token, first.stderr);
    const second = await inProcess(['workflow', 'show', id, '--page-size', '3', '--page-token', token]);
    assert.deepEqual(rowsOf(second.stdout), ['e3', 'e4', 'e5']);
    assert.match(second.stdout, /^ {10}steps 4–6 of 7 shown$/m);
    const all = await inProcess(['workflow', 'show', id, '--page-size', '3', '--all', '--json']);
    assert.equal(all.code, 0, all.stderr);
    const page = JSON.parse(all.stdout);
    assert.equal(page.total, 7);
    assert.deepEqual(page.steps.map((row: { path: string; status: string }) => `${row.path}:${row.status}`), ['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6'].map((p) => `${p}:completed`));
    assert.match(all.stderr, /^reading steps: 7 of 7 after page 3$/m);
    // Without paging options a short page is the whole run: nothing more to ask for.
    const whole = await inProcess(['workflow', 'show', id]);
    assert.deepEqual(rowsOf(whole.stdout), ['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
    assert.ok(!whole.stderr.includes('more steps'), whole.stderr);
    const bad = await inProcess(['workflow', 'show', id, '--page-token', 'bm9wZQ']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /pageToken/);
  });

  test('list shows runs with their workflow and state, newest first, filtered by state and limited', async () => {
    const listed = await inProcess(['workflow', 'list', '--limit', '50']);
    assert.equal(listed.code, 0, listed.stderr);
    const rows = listed.stdout.trimEnd().split('\n');
    assert.match(rows[0]!, /^RUN ID +WORKFLOW +STATE +UPDATED$/);
    const byWorkflow = (name: string) => rows.filter((r) => r.split(/ +/)[1] === name);
    assert.ok(byWorkflow('lookalike-campaign').some((r) => / completed /.test(r)), listed.stdout);
    assert.ok(byWorkflow('pick-segment').length >= 2, 'the registered workflow and the file of the same name');
    assert.ok(byWorkflow('gated').some((r) => / failed /.test(r)), listed.stdout);
    assert.ok(byWorkflow('slow-lookup').some((r) => / canceled /.test(r)), listed.stdout);
    const failed = await inProcess(['workflow', 'list', '--state', 'failed']);
    assert.deepEqual(new Set(failed.stdout.trimEnd().split('\n').slice(1).map((r) => r.split(/ +/)[2])), new Set(['failed']));
    const one = await inProcess(['workflow', 'list', '--limit', '1', '--json']);
    assert.equal(JSON.parse(one.stdout).tasks.length, 1);
  });

  test('refuses bad input before sending anything (exit 2): missing file, invalid workflow, invalid inputs', async () => {
    const missing = await inProcess(['workflow', 'run', join(dir, 'nope.yaml')]);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, `error: no workflow file at ${join(dir, 'nope.yaml')}\n`);
    const broken = await inProcess(['workflow', 'run', file('broken.yaml')]);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /broken\.yaml:6:\d+ steps\[0\]\.retry\.attempts/);
    const inputs = await inProcess(['workflow', 'run', file('gated.yaml'), '--input', 'nope=1']);
    assert.equal(inputs.code, 2);
    assert.match(inputs.stderr, /inputs\.key is required/);
    assert.match(inputs.stderr, /inputs\.nope is not an input of workflow gated/);
  });
});
