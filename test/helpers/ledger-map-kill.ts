import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerAgentSetup } from '../fixtures/ledger-batch-agent-process.js';
import { stopChild, waitForOutput } from './child-output.js';
import { closeInTurn, directoryRemoval } from './close-in-turn.js';
import { outputsOf, runMessage, startOrchestratorProcess, untilRunEnds } from './orchestrator-fixture.js';
import { rpc } from './runtime-fixture.js';
import { TS_CHILD_ARGV } from './typescript-child.js';
import { until, WAIT_DEADLINE_MS } from './until.js';

const ITEMS = 100_000;
const BATCH = 500;
const BATCHES = ITEMS / BATCH;
const CONCURRENCY = 4;
/** Batches answered before the kill; the next CONCURRENCY are applied and left unanswered (the fixture holds them). */
const ANSWERED_BEFORE_KILL = 60;

/** The map: batches of 500 numbers applied by the ledger's worker; outputs say how many, their sum and each batch's first item, in order. */
const LEDGER_MAP = `
name: ledger-map
inputs:
  items: { type: array, items: { type: number } }
steps:
  - id: applied
    map:
      over: "{{ inputs.items }}"
      batchSize: ${BATCH}
      concurrency: ${CONCURRENCY}
      step: { call: { agent: batch-worker }, input: { items: "{{ batch }}" } }
outputs:
  batches: "{{ length(steps.applied.output) }}"
  items: "{{ sum(pluck(steps.applied.output, 'count')) }}"
  total: "{{ sum(pluck(steps.applied.output, 'sum')) }}"
  firsts: "{{ pluck(steps.applied.output, 'first') }}"
`;

/** Where the map's processes keep their data: SQLite files under the test's folder, or one PostgreSQL schema and Redis. */
export interface MapBackends {
  databaseUrl?: string;
  redisUrl?: string;
  /** Instances of the batch worker (each a process); more than one needs a shared database. */
  agentInstances: number;
}

async function startLedgerAgent(setup: LedgerAgentSetup): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...TS_CHILD_ARGV, 'test/fixtures/ledger-batch-agent-process.ts'], {
    env: { ...process.env, LEDGER_AGENT: JSON.stringify(setup) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await waitForOutput(child, /listening on (http:\/\/\S+)/, 'the ledger agent process');
  return { child, url };
}

const linesOf = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

/**
 * A 100,000-item map in 200 batches of 500, 4 at a time, on real processes:
 * the orchestrator is killed with SIGKILL while 4 batches are applied and
 * unanswered (after 60 answered), a new orchestrator process starts on the
 * same data and finishes the run. Every batch must be in the ledger once,
 * the batches whose answer was lost re-sent under their message id and
 * recognised by the agent's runtime, and the outputs must be whole and in order.
 *
 * What "applied once" rests on: a map unit in flight has no record of its
 * send (one write fewer per unit), so the restarted orchestrator does send it
 * again, under the id derived from the run and the unit's path, the same as
 * before the kill. The agent's runtime answers a repeated messageId with the
 * task it started (ADR 0046), running or ended, on any replica sharing its
 * database; the handler, which writes the ledger, does not run again. So the
 * agent keeps no list of ids of its own: the one a real agent built on
 * agentmesh would keep is its runtime's task store, which is what is tested.
 */
export async function hundredThousandItemMapSurvivesKill(backends: MapBackends): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-map-kill-'));
  const ledger = join(dataDir, 'ledger');
  const children: ChildProcess[] = [];
  // Processes sharing a database share a data folder: the secret sealing its push configs is generated there.
  const meshDir = join(dataDir, 'mesh');
  try {
    const agentUrls: string[] = [];
    for (let i = 0; i < backends.agentInstances; i++) {
      const agent = await startLedgerAgent({
        ledger,
        holdAfter: ANSWERED_BEFORE_KILL,
        held: CONCURRENCY,
        dataDir: meshDir,
        ...(backends.databaseUrl ? { databaseUrl: backends.databaseUrl } : {}),
        ...(backends.redisUrl ? { redisUrl: backends.redisUrl } : {}),
      });
      children.push(agent.child);
      agentUrls.push(agent.url);
    }
    const orchestratorSetup = {
      dataDir: backends.databaseUrl ? meshDir : join(dataDir, 'orchestrator'),
      agents: { 'batch-worker': agentUrls },
      replicaTtlMs: 1000,
      ...(backends.databaseUrl ? { databaseUrl: backends.databaseUrl } : {}),
      ...(backends.redisUrl ? { redisUrl: backends.redisUrl } : {}),
    };
    const first = await startOrchestratorProcess(orchestratorSetup);
    children.push(first.child);
    const items = Array.from({ length: ITEMS }, (_, i) => i);
    const sent = await rpc(first.url, 'SendMessage', { message: runMessage(LEDGER_MAP, { items }), configuration: { returnImmediately: true } });
    const runId: string = (sent.body.result.task ?? sent.body.result).id;

    // Every worker of the map is then waiting on a batch the agent applied and will not answer to this process.
    await until('60 batches answered and 4 applied without an answer', () => linesOf(ledger).length >= ANSWERED_BEFORE_KILL + CONCURRENCY);
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    const appliedBeforeKill = linesOf(ledger).length;
    assert.equal(appliedBeforeKill, ANSWERED_BEFORE_KILL + CONCURRENCY, 'no batch was applied past the held ones');

    const second = await startOrchestratorProcess(orchestratorSetup);
    children.push(second.child);
    // 100,000 items take seconds on a quiet machine; the wait is the suite's hang bound, for a loaded one.
    const task = await untilRunEnds(second.url, runId, 'the restarted orchestrator finishes the map', WAIT_DEADLINE_MS);
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    const firsts = Array.from({ length: BATCHES }, (_, i) => i * BATCH);
    assert.deepEqual(outputsOf(task), { batches: BATCHES, items: ITEMS, total: (ITEMS * (ITEMS - 1)) / 2, firsts });

    // The ledger: each batch applied once, by one message each.
    const applied = linesOf(ledger).map((line) => line.split(' '));
    assert.equal(applied.length, BATCHES, 'one ledger line per batch');
    assert.deepEqual(applied.map(([firstItem]) => Number(firstItem)).sort((a, b) => a - b), firsts, 'every batch applied, none twice');
    assert.ok(applied.every(([, count]) => count === String(BATCH)), 'every batch whole');
    assert.equal(new Set(applied.map(([, , messageId]) => messageId)).size, BATCHES, 'one message per batch');
    // The held batches were sent again by the restarted orchestrator, under the id they were applied with.
    const sends = linesOf(`${ledger}.sends`);
    const heldIds = applied.slice(ANSWERED_BEFORE_KILL, ANSWERED_BEFORE_KILL + CONCURRENCY).map(([, , messageId]) => messageId);
    for (const id of heldIds) assert.ok(sends.filter((line) => line.endsWith(` ${id}`)).length >= 2, `the batch of message ${id}, answer lost, was sent again under its id`);
  } finally {
    await closeInTurn(...children.map((child) => () => stopChild(child)), directoryRemoval(dataDir));
  }
}
