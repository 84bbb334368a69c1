/**
 * The whole mesh end to end, through public interfaces only.
 * `agentmesh up` runs as its own process on free ports and a temp data dir;
 * the test talks to it over HTTP and by spawning the CLI, like a user in a
 * second terminal: discovery through registry search, a token, every
 * workflow of workflows/ through the gateway, credits against what the
 * agents reported, the audit chain, and a restart that keeps every run and
 * task. Then `--reset` starts over.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { until } from '../../helpers/until.js';
import { agentmesh, ROOT, shell, startMesh, stopMesh, type Mesh, type Run } from './mesh-process.js';

/**
 * Inputs and output checks per workflow file. A file not listed runs with no
 * inputs and gets the generic checks only (progress, outputs named as the
 * file declares them). All of them together stay within the demo tenant's
 * 100,000 credits.
 */
const WORKFLOW_CASES: Record<string, { inputs: string[]; check?: (outputs: any) => void }> = {
  'contract-review.yaml': {
    inputs: [
      'customer=Acme Corp',
      "contract=This Agreement renews automatically for successive one-year terms. Supplier's total liability under this Agreement is unlimited. This Agreement is governed by the laws of the State of Delaware.",
      'items=[{"description":"seats","quantity":20,"unitPrice":49,"period":"month"},{"description":"onboarding","quantity":1,"unitPrice":1500}]',
      'discountPct=10',
    ],
    check: (outputs) => {
      assert.equal(outputs.riskLevel, 'high');
      assert.equal(outputs.findings, 2);
      // (20 × 49 + 1,500) − 10%; a year: (20 × 49 × 12 + 1,500) − 10%.
      assert.equal(outputs.total, 2232);
      assert.equal(outputs.annualized, 11934);
      assert.equal(outputs.currency, 'USD');
      assert.match(outputs.proposal, /Acme Corp/);
      assert.match(outputs.proposalId, /^prop-/);
    },
  },
  // Seed 004's 10,000 generated leads with the defaults: about 30,000 credits.
  'lead-map-reduce.yaml': {
    inputs: ['top=5'],
    check: (outputs) => {
      assert.equal(outputs.counts.requested, 10_000);
      assert.equal(outputs.counts.batches, 20);
      assert.equal(outputs.counts.scored, 10_000);
      assert.equal(outputs.counts.high + outputs.counts.medium + outputs.counts.low, 10_000);
      const scores = outputs.top.map((lead: any) => lead.score);
      assert.equal(scores.length, 5);
      assert.deepEqual(scores, [...scores].sort((a: number, b: number) => b - a));
    },
  },
  'lookalike-campaign.yaml': {
    inputs: ['leadIds=["lead-001","lead-002","lead-003","lead-004"]', 'top=2', 'campaign=E2E lookalike'],
    check: (outputs) => {
      assert.equal(outputs.leadsScored, 4);
      assert.equal(outputs.campaign.name, 'E2E lookalike');
      assert.equal(outputs.campaign.audienceSize, 2);
      assert.equal(outputs.campaign.audience.length, 2);
    },
  },
  // Two protocols: support over A2A, the HR agent as the bridged ACP agent hr-acp.
  'employee-question.yaml': {
    inputs: ['question=How much paid vacation do employees get?'],
    check: (outputs) => {
      assert.match(outputs.answer, /25 days of paid vacation/);
      assert.equal(outputs.section, 'Vacation and paid time off');
      assert.equal(typeof outputs.team, 'string');
    },
  },
  'multi-provider-enrichment.yaml': {
    inputs: ['leadIds=["lead-001","lead-002"]'],
    check: (outputs) => {
      assert.deepEqual(outputs.answered, { firmographics: 'completed', technographics: 'completed' });
      assert.deepEqual(outputs.firmographics.map((lead: any) => lead.leadId), ['lead-001', 'lead-002']);
      assert.deepEqual(outputs.technographics.map((lead: any) => lead.leadId), ['lead-001', 'lead-002']);
    },
  },
};

/** Queries a newcomer would type, and the agent that must come first. */
const DISCOVERY: ReadonlyArray<[query: string, agent: string]> = [
  ['review a contract for risky clauses', 'legal'],
  ['enrich leads with company firmographics', 'data-engineer'],
];

interface WorkflowFile {
  file: string;
  name: string;
  steps: Array<{ id: string; when?: unknown }>;
  outputs?: Record<string, unknown>;
}

function workflowFiles(): WorkflowFile[] {
  const dir = join(ROOT, 'workflows');
  return readdirSync(dir)
    .filter((file) => /\.(ya?ml|json)$/.test(file))
    .sort()
    .map((file) => ({ file, ...(parseYaml(readFileSync(join(dir, file), 'utf8')) as Omit<WorkflowFile, 'file'>) }));
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function json(run: Run, what: string): any {
  assert.equal(run.code, 0, `${what} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** The off-terminal progress of `workflow run`: the run's start, each top-level step, the end. Returns the run id. */
function checkProgress(stderr: string, workflow: WorkflowFile): string {
  const started = /^run (\S+): running workflow (\S+) \((\d+) steps?\)$/m.exec(stderr);
  assert.ok(started, `no start line in:\n${stderr}`);
  const runId = started[1]!;
  assert.equal(started[2], workflow.name);
  assert.equal(Number(started[3]), workflow.steps.length);
  for (const step of workflow.steps) {
    const id = escape(step.id);
    if (step.when === undefined) assert.match(stderr, new RegExp(`^${id}: started`, 'm'));
    assert.match(stderr, new RegExp(`^${id}: (completed in \\S+|skipped)`, 'm'));
  }
  assert.match(stderr, new RegExp(`^run ${escape(runId)}: completed in \\S+$`, 'm'));
  assert.match(stderr, new RegExp(`^run ${escape(runId)} completed$`, 'm'));
  return runId;
}

async function getJson(url: string, token: string): Promise<any> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, 'a2a-version': '1.0' } });
  assert.equal(res.status, 200, `GET ${url}: ${res.status} ${await res.clone().text()}`);
  return res.json();
}

/**
 * Every agent's tasks of the demo tenant, read through the gateway (ListTasks, HTTP+JSON), by agent.
 * Bridged ACP agents are left out: ACP cannot list runs, so the bridge refuses ListTasks (docs/acp.md).
 */
async function tasksByAgent(mesh: Mesh, token: string): Promise<Record<string, any[]>> {
  const { agents } = (await (await fetch(`${mesh.registryUrl}/v1/agents?pageSize=100`)).json()) as { agents: Array<{ name: string; bridge?: unknown }> };
  const byAgent: Record<string, any[]> = {};
  for (const { name, bridge } of agents) {
    if (bridge !== undefined) continue;
    const tasks: any[] = [];
    let pageToken = '';
    do {
      const page = await getJson(`${mesh.gatewayUrl}/agents/${name}/tasks?pageSize=100${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`, token);
      tasks.push(...(page.tasks ?? []));
      pageToken = page.nextPageToken ?? '';
    } while (pageToken !== '');
    byAgent[name] = tasks.sort((a, b) => a.id.localeCompare(b.id));
  }
  return byAgent;
}

/** The gateway's counter of usage reported above the holds (not charged), for the demo tenant. */
async function unchargedMilliCredits(mesh: Mesh): Promise<number> {
  const text = await (await fetch(mesh.gatewayMetricsUrl)).text();
  const line = /^agentmesh_tenancy_credits_uncharged_millicredits_total\{tenant="demo"\} (\d+)$/m.exec(text);
  return line ? Number(line[1]) : 0;
}

function basicAuth(mesh: Mesh): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${mesh.clientId}:${mesh.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' };
}

/** A token for the demo client from the OAuth endpoint (RFC 6749 §4.4), over plain HTTP. */
async function tokenOf(mesh: Mesh): Promise<string> {
  const res = await fetch(`${mesh.gatewayUrl}/oauth/token`, { method: 'POST', headers: basicAuth(mesh), body: 'grant_type=client_credentials' });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { access_token: string }).access_token;
}

function outputsOf(task: any): unknown {
  const artifact = (task.artifacts ?? []).find((a: any) => a.name === 'outputs');
  assert.ok(artifact, `run ${task.id} has no outputs artifact`);
  return artifact.parts[0].data;
}

describe('agentmesh up, end to end through HTTP and the CLI', () => {
  let home: string;
  let dataDir: string;
  let mesh: Mesh | undefined;
  let env: Record<string, string>;
  const runs: Array<{ workflow: WorkflowFile; runId: string; outputs: unknown }> = [];
  let before_restart: { tasks: Record<string, any[]>; balance: any; usage: any; tip: { seq: number; hash: string } };

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'agentmesh-e2e-'));
    // Not created yet: `up` makes it, private.
    dataDir = join(home, 'mesh');
    mesh = await startMesh(['--data-dir', dataDir, '--workflows', 'workflows']);
  });

  after(async () => {
    await stopMesh(mesh, 'SIGKILL');
    rmSync(home, { recursive: true, force: true });
  });

  test('the printed agentmesh send command works exactly as printed; the demo secret is kept 0600 and never in the clear in the store', async (t) => {
    const m = mesh!;
    t.diagnostic(`ready in ${m.readySeconds} s (from process start, from the TypeScript source)`);
    assert.equal(m.credits, '100000.000');
    assert.match(m.sendLine, / send http:\/\/\S+\/agents\/orchestrator '/);
    const sent = await shell(m.sendLine);
    assert.equal(sent.code, 0, `${m.sendLine}\n${sent.stderr}`);
    assert.match(sent.stdout, /^state +completed$/m);
    // The orchestrator routed the clause to the legal agent, which flagged it.
    assert.match(sent.stdout, /Automatic renewal/);

    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    const file = join(dataDir, 'demo-client.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { clientId: m.clientId, clientSecret: m.clientSecret });
    for (const store of ['mesh.db', 'mesh.db-wal'].map((f) => join(dataDir, f)).filter(existsSync)) {
      assert.equal(readFileSync(store).includes(m.clientSecret), false, `${store} holds the demo secret in the clear`);
    }
  });

  test('agents are discovered through registry search, and the demo client gets a token', async () => {
    const m = mesh!;
    const searches = await Promise.all(DISCOVERY.map(([query]) => agentmesh(['agents', 'search', query, '--json'], { AGENTMESH_REGISTRY: m.registryUrl })));
    DISCOVERY.forEach(([query, agent], i) => {
      const { results } = json(searches[i]!, `agents search "${query}"`);
      assert.equal(results[0]?.metadata?.name, agent, `"${query}" found ${results.map((r: any) => r.metadata?.name).join(', ')}`);
    });
    const token = await agentmesh(['token'], { AGENTMESH_GATEWAY: m.gatewayUrl, AGENTMESH_CLIENT_ID: m.clientId, AGENTMESH_CLIENT_SECRET: m.clientSecret });
    assert.equal(token.code, 0, token.stderr);
    assert.match(token.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    env = { AGENTMESH_GATEWAY: m.gatewayUrl, AGENTMESH_REGISTRY: m.registryUrl, AGENTMESH_TOKEN: token.stdout.trim(), AGENTMESH_DATA_DIR: dataDir };
  });

  test('every workflow in workflows/ completes through the gateway, with its progress and outputs', async (t) => {
    const files = workflowFiles();
    assert.ok(files.length >= 2, 'workflows/ holds the seeds’ workflows');
    // All at once, as several users would: the CLI's start-up is most of each run's time.
    const started = files.map((workflow) => {
      const inputs = (WORKFLOW_CASES[workflow.file]?.inputs ?? []).flatMap((input) => ['--input', input]);
      return { workflow, running: agentmesh(['workflow', 'run', `workflows/${workflow.file}`, ...inputs], env) };
    });
    for (const { workflow, running } of started) {
      await t.test(workflow.file, async () => {
        const known = WORKFLOW_CASES[workflow.file];
        const run = await running;
        assert.equal(run.code, 0, `workflow run ${workflow.file} exited ${run.code}:\n${run.stderr}`);
        const runId = checkProgress(run.stderr, workflow);
        const outputs = JSON.parse(run.stdout) as Record<string, unknown>;
        if (workflow.outputs) assert.deepEqual(Object.keys(outputs).sort(), Object.keys(workflow.outputs).sort());
        known?.check?.(outputs);
        runs.push({ workflow, runId, outputs });
      });
    }
  });

  test("credits charged to the demo tenant are what the agents reported (capped at each call's hold), in the usage report and the audit trail", async (t) => {
    const m = mesh!;
    const token = env['AGENTMESH_TOKEN']!;
    // A call settles from its answer (a stream's final status carries the usage) or, when its task outlived it, once the gateway reads the task's end.
    await until('every call to settle', async () => (await getJson(`${m.gatewayUrl}/v1/tenants/demo/credits`, token)).reservedMilliCredits === 0);
    const [balanceRun, usageRun, auditRun, verifyRun] = await Promise.all([
      agentmesh(['credits', 'balance', 'demo', '--json'], env),
      agentmesh(['credits', 'usage', 'demo', '--by', 'agent', '--json'], env),
      agentmesh(['audit', 'tail', '--limit', '10000', '--json'], env),
      agentmesh(['audit', 'verify', '--json'], env),
    ]);
    const balance = json(balanceRun, 'credits balance');
    const usage = json(usageRun, 'credits usage');
    const audit = auditRun.stdout.trim().split('\n').map((line) => JSON.parse(line));
    const verified = json(verifyRun, 'audit verify');
    assert.equal(verified.ok, true, JSON.stringify(verified.problems));

    const tasks = await tasksByAgent(m, token);
    // Settled from its answer: the call's own entry says so (`settled: true`); settled later: a `credits.settled` entry.
    const settled = new Map(audit.filter((row) => row.tenant === 'demo' && (row.eventType === 'credits.settled' || (row.eventType === 'a2a.call' && row.detail?.settled === true))).map((row) => [row.taskId, row]));
    const calls = new Set(audit.filter((row) => row.eventType === 'a2a.call' && row.tenant === 'demo').map((row) => `${row.targetAgent}/${row.taskId}`));
    let reported = 0;
    let charged = 0;
    const byAgent: Record<string, { milliCredits: number; calls: number }> = {};
    for (const [agent, list] of Object.entries(tasks)) {
      for (const task of list.filter((task) => task.status.state === 'TASK_STATE_COMPLETED' && task.metadata?.['agentmesh.usage'] !== undefined)) {
        const asked = Math.round(task.metadata['agentmesh.usage'].credits * 1000);
        const row = settled.get(task.id);
        assert.ok(row, `task ${task.id} of ${agent} reported ${asked} milli-credits but was never settled`);
        assert.ok(calls.has(`${agent}/${task.id}`), `no a2a.call audit entry for task ${task.id} of ${agent}`);
        assert.equal(row.targetAgent, agent);
        assert.equal(row.milliCredits, Math.min(asked, row.detail.reservedMilliCredits), `task ${task.id} of ${agent}: reported ${asked}, held ${row.detail.reservedMilliCredits}`);
        settled.delete(task.id);
        reported += asked;
        charged += row.milliCredits;
        byAgent[agent] = { milliCredits: (byAgent[agent]?.milliCredits ?? 0) + row.milliCredits, calls: (byAgent[agent]?.calls ?? 0) + 1 };
      }
    }
    // Nothing was charged for a task that did not report its usage.
    assert.deepEqual([...settled.values()].filter((row) => row.milliCredits > 0), []);
    assert.ok(charged > 0, 'the workflows charged something');
    const uncharged = await unchargedMilliCredits(m);
    t.diagnostic(`agents reported ${reported / 1000} credits; charged ${charged / 1000}; ${uncharged / 1000} above the holds, not charged`);
    assert.equal(reported - charged, uncharged);
    assert.equal(usage.total.milliCredits, charged);
    assert.deepEqual(Object.fromEntries(usage.rows.map((row: any) => [row.agent, { milliCredits: row.milliCredits, calls: row.calls }])), byAgent);
    assert.equal(balance.milliCredits, 100_000_000 - charged);
    assert.equal(balance.reservedMilliCredits, 0);
    before_restart = { tasks, balance, usage, tip: verified.tip };
  });

  test('after SIGTERM and a restart on the same data dir, the runs, tasks, credits and audit chain are intact', async () => {
    assert.equal(await stopMesh(mesh), 0);
    const previous = mesh!;
    mesh = await startMesh(['--data-dir', dataDir, '--workflows', 'workflows']);
    const m = mesh;
    assert.equal(m.clientId, previous.clientId, 'the same demo client is printed again');
    assert.doesNotMatch(m.banner, /development secrets and keys generated/, 'a restart generates nothing, so says nothing of it');
    assert.equal(m.clientSecret, previous.clientSecret);
    // A new token: the issuer is the gateway's URL, and port 0 picked another port.
    const token = await tokenOf(m);
    env = { ...env, AGENTMESH_GATEWAY: m.gatewayUrl, AGENTMESH_REGISTRY: m.registryUrl, AGENTMESH_TOKEN: token };

    const [list, shown, verify] = await Promise.all([
      agentmesh(['workflow', 'list'], env),
      Promise.all(runs.map(({ runId }) => agentmesh(['workflow', 'show', runId], env))),
      agentmesh(['audit', 'verify', '--anchor', `${before_restart.tip.seq}:${before_restart.tip.hash}`, '--json'], env),
    ]);
    assert.equal(list.code, 0, list.stderr);
    for (const { workflow, runId } of runs) assert.match(list.stdout, new RegExp(`^${escape(runId)} +${escape(workflow.name)} +completed `, 'm'));
    for (const [i, { workflow, runId, outputs }] of runs.entries()) {
      // The steps are rebuilt from the run's history, which the restart kept.
      const show = shown[i]!;
      assert.equal(show.code, 0, show.stderr);
      assert.match(show.stdout, new RegExp(`^run +${escape(runId)}$`, 'm'));
      assert.match(show.stdout, new RegExp(`^workflow +${escape(workflow.name)}$`, 'm'));
      assert.match(show.stdout, /^state +completed$/m);
      for (const step of workflow.steps) assert.match(show.stdout, new RegExp(`^ +[✓-] ${escape(step.id)} `, 'm'), `step ${step.id} of ${runId}`);
      const viaGateway = await getJson(`${m.gatewayUrl}/agents/orchestrator/tasks/${runId}`, token);
      assert.equal(viaGateway.status.state, 'TASK_STATE_COMPLETED');
      assert.deepEqual(outputsOf(viaGateway), outputs);
    }
    // Every agent's task, as ListTasks shows it through the gateway, is what it was: nothing re-run, nothing lost.
    assert.deepEqual(await tasksByAgent(m, token), before_restart.tasks);
    assert.deepEqual(await getJson(`${m.gatewayUrl}/v1/tenants/demo/credits`, token), before_restart.balance);
    assert.deepEqual(await getJson(`${m.gatewayUrl}/v1/tenants/demo/credits/usage?groupBy=agent`, token), before_restart.usage);
    assert.equal(json(verify, 'audit verify --anchor').ok, true);
  });

  test('--reset starts the mesh over, and refuses a folder that is not an agentmesh data dir', async () => {
    assert.equal(await stopMesh(mesh), 0);
    const previous = mesh!;
    const foreign = join(home, 'not-a-mesh');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'mesh.db'), 'mine');
    writeFileSync(join(foreign, 'notes.txt'), 'keep me');
    const ports = ['--port', '0', '--registry-port', '0', '--gateway-port', '0', '--orchestrator-port', '0'];
    const [refused, started] = await Promise.all([agentmesh(['up', '--reset', '--data-dir', foreign, ...ports]), startMesh(['--data-dir', dataDir, '--workflows', 'workflows', '--reset'])]);
    mesh = started;
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /^error: refusing to reset .*not-a-mesh: it does not look like an agentmesh data dir \(it holds notes\.txt\)/m);
    assert.equal(readFileSync(join(foreign, 'mesh.db'), 'utf8'), 'mine');

    assert.match(started.banner, /^reset: removed .*\bmesh\.db\b.* from /m);
    assert.match(started.banner, /^reset: removed .*\bdemo-client\.json\b.* from /m);
    assert.notEqual(started.clientId, previous.clientId);
    assert.equal(started.credits, '100000.000');
    // The old client is gone with the old store; the new mesh has no runs.
    const old = await fetch(`${started.gatewayUrl}/oauth/token`, { method: 'POST', headers: basicAuth(previous), body: 'grant_type=client_credentials' });
    assert.equal(old.status, 401);
    assert.deepEqual((await getJson(`${started.gatewayUrl}/agents/orchestrator/tasks`, await tokenOf(started))).tasks ?? [], []);
    assert.equal(await stopMesh(mesh), 0);
  });
});
