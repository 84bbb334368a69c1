import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defineAgent } from '../../../src/runtime/index.js';
import { available, callAgent, createClient, fetchToken, topUp } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, startMeshOrchestrator, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { CallLog, outputsOf, runMessage } from '../../helpers/orchestrator-fixture.js';
import { pricedLeadScorer, scoredLeads, type LeadsInput } from '../../helpers/priced-scorer.js';
import { untilAborted } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

const log = new CallLog();
/** Seed 004's pricing: 1 credit per lead over leadIds. */
const scorer = pricedLeadScorer(
  { name: 'priced-scorer', description: 'Scores leads for credits' },
  async (input: LeadsInput & { hold?: boolean }, ctx) => {
    log.add('priced-scorer', `${ctx.tenant}:${input.leadIds.join(',')}`);
    if (input.hold) {
      await untilAborted(ctx.signal);
      log.add('priced-scorer', 'canceled');
      return undefined;
    }
    return scoredLeads(input, ctx, 1);
  },
  { flags: ['hold'] },
);

/** An agent only callers holding finance:read may use. */
const ledger = defineAgent({
  card: { name: 'ledger-reader', description: 'Reads the general ledger' },
  registry: { department: 'finance', requiredScopes: ['finance:read'] },
  skills: {
    read: {
      description: 'Reads an account balance',
      handler: async (_input: unknown, ctx) => {
        log.add('ledger-reader', ctx.tenant);
        return { balance: 42 };
      },
    },
  },
});

describe('the orchestrator behind the gateway, calling agents on behalf of the caller’s tenant', () => {
  let mesh: GatewayMesh;
  let gw: GatewayMesh['gw'];
  let orch: Awaited<ReturnType<typeof startMeshOrchestrator>>;
  let acmeToken: string;

  before(async () => {
    // Exact per-call holds: these tests read each call's hold in the tenant's available balance
    // (with leases, a replica's block is reserved instead; test/integration/gateway/credit-leases.test.ts).
    mesh = await startGatewayMesh({ agents: [scorer, ledger], gateway: { creditsMode: 'exact' } });
    gw = mesh.gw;
    orch = await startMeshOrchestrator(mesh, { scopes: ['finance:read'] });
    acmeToken = await fetchToken(gw.url, await createClient(gw.url, { name: 'acme-app', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'] }));
    await topUp(gw.url, 'acme', 100);
  });
  after(() => closeInTurn(orch, mesh));

  const call = async (method: string, params: unknown, token = acmeToken) => {
    const res = await callAgent(gw.url, 'orchestrator', token, method, params);
    const body = (await res.json()) as any;
    if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
    return body.result.task ?? body.result;
  };
  /** Sends the workflow `yaml` to the orchestrator as acme (returning at once with `returnImmediately`). */
  const sendWorkflow = (yaml: string, configuration?: { returnImmediately: boolean }) => call('SendMessage', { message: runMessage(yaml), ...(configuration && { configuration }) });

  it("charges the caller's tenant for the steps, and the agents see that tenant", async () => {
    const before = await available(gw.url, 'acme');
    const task = await sendWorkflow(`
name: score-through-gateway
steps:
  - { id: score, call: { agent: priced-scorer }, input: { leadIds: [l1, l2, l3] } }
`);
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    assert.deepEqual(outputsOf(task), { scored: 3 });
    assert.equal(log.count('priced-scorer', 'acme:l1,l2,l3'), 1, 'the agent ran for tenant acme');
    await until('acme is charged 3 credits', async () => (await available(gw.url, 'acme')) === before - 3000);
  });

  it('cancels the workflow task: the child task is canceled and its held credits come back', async () => {
    const before = await available(gw.url, 'acme');
    const started = await sendWorkflow(
      `
name: cancel-through-gateway
steps:
  - { id: hold, call: { agent: priced-scorer }, input: { leadIds: [h1, h2, h3, h4, h5], hold: true } }
`,
      { returnImmediately: true },
    );
    await until('the child task runs and holds 5 credits', async () => log.count('priced-scorer', 'acme:h1,h2,h3,h4,h5') === 1 && (await available(gw.url, 'acme')) === before - 5000);
    const canceled = await call('CancelTask', { id: started.id });
    assert.equal(canceled.status.state, 'TASK_STATE_CANCELED');
    await until('the child is canceled', () => log.count('priced-scorer', 'canceled') === 1);
    await until('the hold is refunded', async () => (await available(gw.url, 'acme')) === before);
  });

  it("a run may do only what its caller may: the orchestrator's own scopes are not lent out", async () => {
    const ledgerRun = runMessage(`
name: read-ledger
steps:
  - { id: read, call: { agent: ledger-reader }, input: {} }
`);
    const refused = await call('SendMessage', { message: ledgerRun });
    assert.equal(refused.status.state, 'TASK_STATE_FAILED');
    assert.match(refused.status.message.parts.map((p: any) => p.text ?? '').join(''), /needs the scope finance:read/);
    assert.equal(log.count('ledger-reader'), 0);
    const cfoToken = await fetchToken(gw.url, await createClient(gw.url, { name: 'acme-cfo', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read', 'finance:read'] }));
    const allowed = await call('SendMessage', { message: { ...ledgerRun, messageId: crypto.randomUUID() } }, cfoToken);
    assert.equal(allowed.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(allowed.status));
    assert.deepEqual(outputsOf(allowed), { balance: 42 });
    assert.equal(log.count('ledger-reader', 'acme'), 1);
  });
});
