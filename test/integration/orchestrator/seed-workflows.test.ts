import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lookalikeScore } from '../../../agents/lead-scorer.js';
import { generatedLeads } from '../../../agents/shared/generated-leads.js';
import { outputsOf, runBlocking, runEvents, startExampleMesh, streamRun } from '../../helpers/orchestrator-fixture.js';
import { rpc } from '../../helpers/runtime-fixture.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

/** Seed 004's map-reduce and seed 000's contract workflow, run by a real orchestrator against the real example agents. */
describe('the seed workflows against the example agents', () => {
  const mesh = startedForSuite(startExampleMesh);

  const run = (skillId: string, inputs: Record<string, unknown>) => runBlocking(mesh().orch.url, { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ data: inputs }], metadata: { skillId } });

  it('lead-map-reduce: 10,000 generated leads in 20 batches of 500, reduced to the top leads and band counts', async (t) => {
    const started = performance.now();
    const frames = await streamRun(mesh().orch.url, { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ data: { top: 5 } }], metadata: { skillId: 'lead-map-reduce' } });
    const seconds = (performance.now() - started) / 1000;
    t.diagnostic(`10,000 leads mapped in ${seconds.toFixed(1)} s`);
    const last = frames.at(-1);
    assert.equal(last.statusUpdate?.status?.state, 'TASK_STATE_COMPLETED', JSON.stringify(last).slice(0, 1000));
    const outputs = frames.find((f) => f.artifactUpdate?.artifact?.name === 'outputs')?.artifactUpdate.artifact.parts[0].data;
    // What the agents' own scoring says of the 10,000 leads, computed here without the mesh.
    const expected = [...generatedLeads().values()].map((l) => ({ leadId: l.id, score: lookalikeScore(l).score }));
    const bands = { high: expected.filter((e) => e.score >= 80).length, medium: expected.filter((e) => e.score >= 60 && e.score < 80).length, low: expected.filter((e) => e.score < 60).length };
    assert.deepEqual(outputs.counts, { requested: 10_000, batches: 20, scored: 10_000, ...bands });
    const best = expected.sort((a, b) => b.score - a.score || a.leadId.localeCompare(b.leadId)).slice(0, 5);
    assert.deepEqual(outputs.top.map((l: { leadId: string; score: number }) => ({ leadId: l.leadId, score: l.score })), best);

    // The agents' own task lists: one enrich and one score task per batch (a map's units report map.progress, not step events).
    const tasksOf = async (agent: string, skill: string): Promise<number> => {
      const { body } = await rpc(mesh().agents.agents[agent]!, 'ListTasks', { pageSize: 100 });
      return body.result.tasks.filter((task: { metadata?: { skillId?: string } }) => task.metadata?.skillId === skill).length;
    };
    assert.equal(await tasksOf('data-engineer', 'enrich-leads'), 20, 'each batch is enriched once');
    assert.equal(await tasksOf('lead-scorer', 'score-leads'), 20, 'each batch is scored once');
    const events = runEvents(frames);
    assert.equal(events.filter((e) => e.type === 'map.progress').at(-1)?.batchesDone, 20);
    assert.equal(events.filter((e) => /^batches\//.test(e.path ?? '')).length, 0, 'no per-unit step events');
  });

  it('lead-map-reduce: given lead ids (sample and generated) skip the listing step', async () => {
    const leadIds = ['lead-001', 'lead-002', 'lead-00042', 'lead-10000'];
    const task = await run('lead-map-reduce', { leadIds, top: 2 });
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    const { counts, top } = outputsOf(task);
    assert.equal(counts.requested, 4);
    assert.equal(counts.batches, 1);
    assert.equal(counts.scored, 4);
    assert.equal(counts.high + counts.medium + counts.low, 4);
    assert.equal(top.length, 2);
    assert.ok(top[0].score >= top[1].score);
  });

  it('contract-review: legal review → finance costs → sales proposal', async () => {
    const contract = [
      '1. Term. This Agreement shall automatically renew for successive one-year terms unless either party gives notice.',
      '2. Liability. The Supplier\'s liability under this Agreement shall be unlimited for the Customer.',
      '3. Termination. The Supplier may terminate this Agreement on 5 days notice.',
      '4. Governing law. This Agreement is governed by the laws of Delaware.',
    ].join('\n');
    const items = [
      { description: 'seats', quantity: 20, unitPrice: 49, period: 'month' },
      { description: 'onboarding', quantity: 1, unitPrice: 1500 },
    ];
    const task = await run('contract-review', { customer: 'Acme Corp', contract, items, discountPct: 10 });
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    const out = outputsOf(task);
    // 20 × 49 + 1500 = 2480, less 10% = 2232; a year: 20 × 49 × 12 + 1500 = 13260, less 10% = 11934.
    assert.equal(out.total, 2232);
    assert.equal(out.annualized, 11934);
    assert.equal(out.currency, 'USD');
    assert.ok(out.findings >= 2, `legal flags the auto-renewal and the short notice (${out.findings} findings)`);
    assert.ok(['high', 'medium'].includes(out.riskLevel), out.riskLevel);
    assert.equal(out.status, out.riskLevel === 'high' ? 'needs-legal-review' : 'ready');
    assert.match(out.proposalId, /^prop-[0-9a-f]{12}$/);
    assert.match(out.proposal, /^# Proposal for Acme Corp\n/);
    assert.match(out.proposal, /\| \*\*Total\*\* \| \| \| \| \*\*2,232\.00 USD\*\* \|/);
    assert.match(out.proposal, /## Contract risk notes\n\n- \[(high|medium)\]/);
    assert.ok(out.nextSteps.some((s: string) => s.includes('Acme Corp')), JSON.stringify(out.nextSteps));
  });

  it('contract-review: refuses inputs that do not fit, naming the field, before calling any agent', async () => {
    await assert.rejects(run('contract-review', { customer: 'Acme Corp', contract: 'too short', items: [{ quantity: 1, unitPrice: 5 }] }), /-32602.*data\.contract must NOT have fewer than 60 characters/);
    await assert.rejects(run('contract-review', { customer: 'Acme Corp', contract: 'x'.repeat(80), items: [] }), /-32602.*data\.items must NOT have fewer than 1 items/);
  });
});
