import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { spawnCli, stopChild } from '../../helpers/child-output.js';
import { CallLog, ENRICH_THEN_SCORE_STEPS, specialists } from '../../helpers/orchestrator-fixture.js';
import { startRegistry } from '../../helpers/registry-fixture.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';
import { Capture, cli } from './cli-harness.js';

/** A long-running `agentmesh …` process; resolves once its stdout matches `ready`. */
async function startCli(args: string[], env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; stdout: Capture; stderr: Capture; match: RegExpExecArray }> {
  const child = spawnCli(args, env);
  const stdout = new Capture();
  const stderr = new Capture();
  child.stdout!.setEncoding('utf8').on('data', (s: string) => stdout.write(s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => stderr.write(s));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const check = () => {
      const m = ready.exec(stdout.text);
      if (m) {
        child.stdout!.off('data', check);
        resolve(m);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`agentmesh ${args.join(' ')} exited early with ${code}:\n${stdout.text}\n${stderr.text}`)));
  });
  return { child, stdout, stderr, match };
}


const CHAIN = `
name: enrich-and-score
inputs:
  leadIds: { type: array, items: { type: string } }
steps:
${ENRICH_THEN_SCORE_STEPS}
outputs:
  scored: "{{ steps.score.output.scores }}"
`;

describe('agentmesh serve orchestrator', () => {
  const log = new CallLog();
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let agents: Awaited<ReturnType<typeof startRuntime>>;
  let dir: string;
  let served: Awaited<ReturnType<typeof startCli>> | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentmesh-serve-orchestrator-'));
    mkdirSync(join(dir, 'workflows'));
    writeFileSync(join(dir, 'workflows', 'enrich-and-score.yaml'), CHAIN);
    writeFileSync(join(dir, 'workflows', 'draft.yaml'), 'name: draft\nsteps:\n  - id: a\n    input: {}\n');
    registry = await startRegistry();
    agents = await startRuntime(specialists(log), { registryUrl: registry.url });
  });
  after(async () => {
    await stopChild(served?.child);
    await agents?.close();
    await registry?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('serves the workflow folder as skills, prints the files it skipped, and runs them against registered agents', async () => {
    served = await startCli(['serve', 'orchestrator', '--port', '0', '--data-dir', join(dir, 'data'), '--workflows', join(dir, 'workflows')], { REGISTRY_URL: registry.url }, /orchestrator listening on (http:\/\/\S+)\n(?:.*\n){2}.*workflows.*\n/);
    const url = served.match[1]!;
    assert.match(served.stdout.text, new RegExp(`^ {2}workflows from ${join(dir, 'workflows')}: enrich-and-score$`, 'm'));
    assert.match(served.stdout.text, new RegExp(`^ {2}calls agents straight at their instances from the registry ${registry.url}$`, 'm'));
    await served.stderr.waitFor('draft.yaml');
    assert.match(served.stderr.text, new RegExp(`^ {2}skipped ${join(dir, 'workflows', 'draft.yaml')}: Workflow .*draft\\.yaml is invalid`, 'm'));

    const card = (await (await fetch(`${url}/.well-known/agent-card.json`)).json()) as { skills: Array<{ id: string }> };
    assert.ok(card.skills.some((s) => s.id === 'enrich-and-score'), 'the workflow is a skill of the card');
    await until('the orchestrator to register itself', async () => (await fetch(`${registry.url}/v1/agents/orchestrator`)).status === 200);

    const run = await cli(['workflow', 'run', 'enrich-and-score', '--input', 'leadIds=["a-1","b-2-dup"]', '--agent-url', url]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout).scored.map((s: { id: string }) => s.id), ['a-1']);
    assert.equal(log.count('enricher', 'a-1,b-2-dup'), 1);
  });

  test('drains on SIGTERM and exits 0', async () => {
    assert.equal(await stopChild(served?.child, 'SIGTERM'), 0);
  });

  test('refuses a workflow folder that does not exist, naming it', async () => {
    const missing = await cli(['serve', 'orchestrator', '--port', '0', '--workflows', join(dir, 'nope')], { env: { REGISTRY_URL: registry.url } });
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, `error: the workflow folder ${join(dir, 'nope')} does not exist (--workflows, WORKFLOWS_DIR)\n`);
  });
});

describe('agentmesh up: the orchestrator behind the gateway', () => {
  let dir: string;
  let up: Awaited<ReturnType<typeof startCli>> | undefined;
  const upArgs = () => ['up', '--port', '0', '--registry-port', '0', '--gateway-port', '0', '--orchestrator-port', '0', '--data-dir', join(dir, 'data'), '--workflows', join(dir, 'workflows')];
  const READY = /orchestrator listening on (http:\/\/\S+) {2}\(through the gateway: (http:\/\/\S+)\/agents\/orchestrator\)\n.*\n(?:.*\n)*Try:.*\n.*\n.*workflow run.*\n/;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentmesh-up-orchestrator-'));
    mkdirSync(join(dir, 'workflows'));
    mkdirSync(join(dir, 'data'));
    writeFileSync(
      join(dir, 'workflows', 'score-and-echo.yaml'),
      `
name: score-and-echo
inputs:
  leadIds: { type: array, items: { type: string } }
steps:
  - id: score
    call: { agent: lead-scorer }
    input: { leadIds: "{{ inputs.leadIds }}" }
  - id: echo
    call: { agent: echo }
    input: "{{ steps.score.output.count }} leads scored"
outputs:
  count: "{{ steps.score.output.count }}"
`,
    );
  });
  after(async () => {
    await stopChild(up?.child);
    rmSync(dir, { recursive: true, force: true });
  });

  test('creates the orchestrator client once (0600), registers the orchestrator and runs a workflow through the gateway with the demo client', async () => {
    up = await startCli(upArgs(), {}, READY);
    const gatewayUrl = up.match[2]!;
    assert.match(up.stdout.text, /^ {2}workflows from .*: score-and-echo$/m);
    const clientFile = join(dir, 'data', 'orchestrator-client.json');
    assert.equal(statSync(clientFile).mode & 0o777, 0o600);
    const stored = readFileSync(clientFile, 'utf8');
    const [, clientId, clientSecret] = /demo client: (\S+) \/ (\S+)/.exec(up.stdout.text)!;
    const env = { AGENTMESH_CLIENT_ID: clientId!, AGENTMESH_CLIENT_SECRET: clientSecret! };

    await until('the orchestrator to answer through the gateway', async () => (await fetch(`${gatewayUrl}/agents/orchestrator/.well-known/agent-card.json`)).status === 200);
    const run = await cli(['workflow', 'run', 'score-and-echo', '--input', 'leadIds=["lead-001","lead-002"]', '--gateway', gatewayUrl], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { count: 2 });
    const id = /^run (\S+) completed$/m.exec(run.stderr)![1]!;
    const listed = await cli(['workflow', 'list', '--gateway', gatewayUrl], { env });
    assert.match(listed.stdout, new RegExp(`^${id} +score-and-echo +completed `, 'm'));

    assert.equal(await stopChild(up.child, 'SIGTERM'), 0);
    up = await startCli(upArgs(), {}, READY);
    assert.equal(readFileSync(clientFile, 'utf8'), stored, 'a second up keeps the client it created');
  });
});
