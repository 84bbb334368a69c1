import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleAgents } from '../../agents/index.js';
import { createAgentCaller, createOrchestrator, loadWorkflowFolder, parseWorkflow, type Orchestrator, type OrchestratorOptions } from '../../src/compose/orchestrator-entry.js';
import type { AgentDefinition } from '../../src/runtime/index.js';
import { waitForOutput } from './child-output.js';
import { readSse, rpc, startRuntime, untilAborted } from './runtime-fixture.js';
import { until } from './until.js';
import { TS_CHILD_ARGV } from './typescript-child.js';
import { oneSkillAgent } from './one-skill-agent.js';
import { closeInTurn, directoryRemoval } from './close-in-turn.js';

/** Calls each specialist received, by agent and key: what exactly-once checks count. */
export class CallLog {
  readonly #counts = new Map<string, number>();

  add(agent: string, key: string): void {
    const k = `${agent}:${key}`;
    this.#counts.set(k, (this.#counts.get(k) ?? 0) + 1);
  }

  count(agent: string, key?: string): number {
    if (key !== undefined) return this.#counts.get(`${agent}:${key}`) ?? 0;
    let n = 0;
    for (const [k, v] of this.#counts) if (k.startsWith(`${agent}:`)) n += v;
    return n;
  }

  /** Keys of `agent` called more than once. */
  repeated(agent: string): string[] {
    return [...this.#counts].filter(([k, v]) => k.startsWith(`${agent}:`) && v > 1).map(([k]) => k);
  }
}

/** Seed 004's specialists in miniature, deterministic, each logging its calls. */
export function specialists(log: CallLog): AgentDefinition[] {
  const score = (id: string) => [...id].reduce((a, c) => (a * 31 + c.charCodeAt(0)) % 101, 7);
  return [
    oneSkillAgent({ name: 'enricher', description: 'Enriches leads' }, 'enrich', {
      description: 'Enriches leads with firmographics',
      input: { type: 'object', required: ['leadIds'], properties: { leadIds: { type: 'array', items: { type: 'string' } } } },
      handler: async ({ leadIds }: { leadIds: string[] }) => {
        log.add('enricher', leadIds.join(','));
        const kept = leadIds.filter((id) => !id.endsWith('-dup'));
        return { enrichedLeadIds: kept, count: kept.length, leads: kept.map((id) => ({ id, industry: score(id) % 2 ? 'saas' : 'retail' })) };
      },
    }),
    oneSkillAgent({ name: 'scorer', description: 'Scores leads' }, 'score', {
      description: 'Scores leads 0-100',
      input: { type: 'object', required: ['leadIds'], properties: { leadIds: { type: 'array', items: { type: 'string' } } } },
      handler: async ({ leadIds }: { leadIds: string[] }) => {
        log.add('scorer', leadIds.join(','));
        return { scores: leadIds.map((id) => ({ id, score: score(id) })) };
      },
    }),
    oneSkillAgent({ name: 'campaigner', description: 'Launches campaigns' }, 'launch', {
      description: 'Launches a campaign to an audience',
      input: { type: 'object', required: ['name', 'audience'], properties: { name: { type: 'string' }, audience: { type: 'array' } } },
      handler: async ({ name, audience }: { name: string; audience: Array<{ id: string; score: number }> }) => {
        log.add('campaigner', name);
        return { campaignId: `cmp-${name}`, audienceSize: audience.length, top: audience.slice().sort((a, b) => b.score - a.score)[0]?.id ?? null };
      },
    }),
    oneSkillAgent({ name: 'provider-ok', description: 'An enrichment provider that answers' }, 'lookup', {
      description: 'Looks companies up',
      handler: async (input: { company: string }) => {
        log.add('provider-ok', input.company);
        return { provider: 'ok', company: input.company, employees: 420 };
      },
    }),
    oneSkillAgent({ name: 'provider-down', description: 'An enrichment provider that fails' }, 'lookup', {
      description: 'Looks companies up',
      handler: async (input: { company: string }) => {
        log.add('provider-down', input.company);
        throw new Error('provider quota exhausted');
      },
    }),
    oneSkillAgent({ name: 'provider-slow', description: 'An enrichment provider that never answers in time' }, 'lookup', {
      description: 'Looks companies up, slowly',
      handler: async (input: { company: string }, ctx) => {
        log.add('provider-slow', input.company);
        await untilAborted(ctx.signal);
        log.add('provider-slow', 'canceled');
      },
    }),
    oneSkillAgent({ name: 'asker', description: 'Asks which segment to target' }, 'segment', {
      description: 'Picks a segment after asking the user',
      handler: async (_input: unknown, ctx) => {
        log.add('asker', 'asked');
        const answer = await ctx.requestInput('Which segment should the campaign target?');
        const text = answer.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
        return { segment: text.trim() };
      },
    }),
    oneSkillAgent({ name: 'flaky', description: 'Fails its first two calls per key, then answers' }, 'work', {
      description: 'Works on the third try',
      handler: async (input: { key: string }) => {
        log.add('flaky', input.key);
        if (log.count('flaky', input.key) < 3) throw new Error(`transient failure ${log.count('flaky', input.key)}`);
        return { key: input.key, tries: log.count('flaky', input.key) };
      },
    }),
  ];
}

/** The map worker: sums a batch of numbers, slowly enough to be caught mid-map; logs each batch by its first item. */
export function batchWorker(log: CallLog, delayMs = 0): AgentDefinition {
  return oneSkillAgent({ name: 'batch-worker', description: 'Sums batches of numbers' }, 'sum', {
    description: 'Sums a batch',
    idempotent: false,
    input: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { type: 'number' } } } },
    handler: async ({ items }: { items: number[] }, ctx) => {
      log.add('batch-worker', String(items[0]));
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      if (ctx.signal.aborted) return undefined;
      return { count: items.length, sum: items.reduce((a, b) => a + b, 0) };
    },
  });
}

/** An orchestrator on port 0 calling agents at fixed URLs (no gateway, no registry), or through `config.gatewayUrl`. */
export async function startOrchestrator(agentUrls: Record<string, string>, options: Partial<OrchestratorOptions> = {}): Promise<{ orchestrator: Orchestrator; url: string; dataDir: string; close: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-orchestrator-'));
  const orchestrator = await createOrchestrator({
    backoffScale: 0.01,
    ...options,
    // Through the gateway when the config names one; else straight to the given URLs.
    ...(options.config?.gatewayUrl ? {} : { caller: options.caller ?? createAgentCaller({ directUrl: (agent: string) => agentUrls[agent] ?? `http://127.0.0.1:1/agents/${agent}` }) }),
    config: { ...options.config, runtime: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', ...options.config?.runtime } },
  });
  const { url } = await orchestrator.listen();
  return {
    orchestrator,
    url,
    dataDir,
    close: () => closeInTurn(orchestrator, directoryRemoval(dataDir)),
  };
}

/** Reads the run `runId` on the orchestrator at `url` until it ends (completed, failed or canceled; `timeoutMs`, 30 s unless told, at most, as `what`); the task as it ended. */
export async function untilRunEnds(url: string, runId: string, what: string, timeoutMs = 30_000): Promise<any> {
  let task: any;
  await until(
    what,
    async () => {
      const { body } = await rpc(url, 'GetTask', { id: runId });
      task = body.result;
      return ['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED'].includes(task?.status?.state);
    },
    timeoutMs,
  );
  return task;
}

/** A workflow from YAML text (source `<test>`). */
export function workflow(yaml: string) {
  return parseWorkflow(yaml, { source: '<test>' });
}

/** The message that runs `workflowText` with `inputs` on the orchestrator's run-workflow skill. */
export function runMessage(workflowText: string, inputs: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ data: { workflow: workflowText, inputs } }], metadata: { skillId: 'run-workflow' }, ...extra };
}

/** Runs a workflow over SendStreamingMessage; returns every stream frame's result. */
export async function streamRun(url: string, message: Record<string, unknown>): Promise<any[]> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', accept: 'text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendStreamingMessage', params: { message } }),
  });
  if (res.status !== 200) throw new Error(`SendStreamingMessage answered ${res.status}: ${await res.text()}`);
  return (await readSse(res)).map((f) => f.data.result ?? f.data);
}

/** Runs a workflow with a blocking SendMessage; returns the task. */
export async function runBlocking(url: string, message: Record<string, unknown>): Promise<any> {
  const { body } = await rpc(url, 'SendMessage', { message });
  if (body.error) throw new Error(`SendMessage failed: ${JSON.stringify(body.error)}`);
  return body.result.task ?? body.result;
}

/** The `outputs` artifact's data of a finished workflow task. */
export function outputsOf(task: any): any {
  const artifact = (task.artifacts ?? []).find((a: any) => a.name === 'outputs');
  return artifact?.parts?.[0]?.data;
}

/** Run events (`agentmesh.workflow`) from stream frames, in order. */
export function runEvents(frames: any[]): any[] {
  return frames
    .map((f) => f.statusUpdate?.status?.message?.parts?.find((p: any) => p.data?.['agentmesh.workflow'])?.data['agentmesh.workflow'])
    .filter(Boolean);
}

/**
 * Seed 004's first two steps, as YAML list items under `steps:`: the enricher takes `inputs.leadIds`,
 * the scorer the ids the enricher returned.
 */
export const ENRICH_THEN_SCORE_STEPS = `  - id: enrich
    call: { agent: enricher }
    input: { leadIds: "{{ inputs.leadIds }}" }
  - id: score
    call: { agent: scorer }
    input: { leadIds: "{{ steps.enrich.output.enrichedLeadIds }}" }`;

/** Seed 004's last step, as a YAML list item: the campaigner launches on the scored audience. */
export const LAUNCH_CAMPAIGN_STEP = `  - id: launch
    call: { agent: campaigner }
    input: { name: "{{ inputs.campaign }}-{{ steps.enrich.output.count }}", audience: "{{ steps.score.output.scores }}" }`;

/**
 * Numbers mapped in batches (of 500, 5 at a time, unless told) by the batch worker; outputs count and
 * sum them.
 */
export function mapReduceWorkflow(name: string, map: { batchSize?: number; concurrency?: number } = {}): string {
  return `
name: ${name}
inputs:
  items: { type: array, items: { type: number } }
steps:
  - id: sums
    map:
      over: "{{ inputs.items }}"
      batchSize: ${map.batchSize ?? 500}
      concurrency: ${map.concurrency ?? 5}
      step: { call: { agent: batch-worker }, input: { items: "{{ batch }}" } }
outputs:
  batches: "{{ length(steps.sums.output) }}"
  items: "{{ sum(pluck(steps.sums.output, 'count')) }}"
  total: "{{ sum(pluck(steps.sums.output, 'sum')) }}"
`;
}

/** The example agents in one runtime and an orchestrator serving the bundled workflows (each must validate). */
export async function startExampleMesh(): Promise<{ agents: Awaited<ReturnType<typeof startRuntime>>; orch: Awaited<ReturnType<typeof startOrchestrator>>; close: () => Promise<void> }> {
  const { workflows, errors } = await loadWorkflowFolder('workflows');
  assert.deepEqual(errors, [], 'every bundled workflow validates');
  const agents = await startRuntime([...exampleAgents]);
  const orch = await startOrchestrator(agents.agents, { workflows }).catch(async (err: unknown) => {
    await agents.close();
    throw err;
  });
  return {
    agents,
    orch,
    close: () => closeInTurn(orch, agents),
  };
}

/** An orchestrator in a process of its own (test/fixtures/orchestrator-process.ts), to be killed. */
export async function startOrchestratorProcess(setup: { dataDir: string; agents: Record<string, string[]>; replicaTtlMs?: number; databaseUrl?: string; redisUrl?: string }): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...TS_CHILD_ARGV, 'test/fixtures/orchestrator-process.ts'], {
    env: { ...process.env, ORCHESTRATOR_FIXTURE: JSON.stringify(setup) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await waitForOutput(child, /listening on (http:\/\/\S+)/, 'the orchestrator process');
  return { child, url };
}
