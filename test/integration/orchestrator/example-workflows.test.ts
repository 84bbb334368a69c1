import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outputsOf, runBlocking, startExampleMesh } from '../../helpers/orchestrator-fixture.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

describe('the bundled workflows against the example agents', () => {
  const mesh = startedForSuite(startExampleMesh);

  it('lookalike-campaign (a registered skill): enrich → score → launch', async () => {
    const leadIds = ['lead-001', 'lead-002', 'lead-003', 'lead-004', 'lead-005', 'lead-006'];
    const task = await runBlocking(mesh().orch.url, { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ data: { leadIds, top: 3, campaign: 'Spring lookalikes' } }], metadata: { skillId: 'lookalike-campaign' } });
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    const { campaign, leadsScored } = outputsOf(task);
    assert.equal(leadsScored, leadIds.length);
    assert.equal(campaign.name, 'Spring lookalikes');
    assert.ok(campaign.audienceSize > 0 && campaign.audienceSize <= 3, JSON.stringify(campaign));
  });

  it('multi-provider-enrichment: parallel providers with a fallback chain, merged allSettled', async () => {
    const leadIds = ['lead-001', 'lead-002', 'lead-003'];
    const task = await runBlocking(mesh().orch.url, { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ data: { leadIds } }], metadata: { skillId: 'multi-provider-enrichment' } });
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    const { firmographics, technographics, answered } = outputsOf(task);
    assert.deepEqual(answered, { firmographics: 'completed', technographics: 'completed' });
    assert.deepEqual(firmographics.map((l: any) => l.id ?? l.leadId), leadIds);
    assert.equal(technographics.length, 3);
  });
});
