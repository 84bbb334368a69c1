/**
 * A workflow run whose delegation grant redemption lost its answer keeps its
 * grant (docs/adr/0058-delegation-grant-redemption-retry.md): the gateway
 * rotated the run's refresh token and answered, the answer never reached the
 * orchestrator (the connection was cut after the gateway had answered in
 * full), so the run's retry presents the token the gateway had already
 * marked used. That is a retry of the redemption, not a reuse: the run
 * completes for its caller, and the gateway counts one retried redemption
 * and no reuse. Before ADR 0058 the retry revoked the grant and failed the run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { callerRecorder } from '../../helpers/caller-recorder.js';
import { callAgent, createClient, delegationGrantOutcomes, fetchToken } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, startMeshOrchestrator, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { startHttpForwarder, type HttpForwarder } from '../../helpers/http-forwarder.js';
import { outputsOf, runMessage } from '../../helpers/orchestrator-fixture.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

/** Answers who called it, and through whom. */
const recorder = callerRecorder();

describe("a run whose grant redemption's answer was lost", () => {
  let mesh: GatewayMesh;
  let forwarder: HttpForwarder;
  let orch: Awaited<ReturnType<typeof startMeshOrchestrator>>;
  let user: { clientId: string; clientSecret: string };

  before(async () => {
    mesh = await startGatewayMesh({ agents: [recorder] });
    // The orchestrator reaches the gateway through the forwarder; the gateway reaches the orchestrator directly.
    forwarder = await startHttpForwarder(mesh.gw.url);
    orch = await startMeshOrchestrator(mesh, { gatewayUrl: forwarder.url });
    user = await createClient(mesh.gw.url, { name: 'acme-app', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read'] });
  });
  after(() => closeInTurn(orch, forwarder, mesh));

  test('retries the redemption with the same refresh token and completes for its caller', async () => {
    const before = await delegationGrantOutcomes(mesh.gw.metricsUrl);
    forwarder.loseAnswers((r) => r.method === 'POST' && r.path === '/oauth/token' && new URLSearchParams(r.body).get('grant_type') === 'refresh_token');
    const res = await callAgent(mesh.gw.url, 'orchestrator', await fetchToken(mesh.gw.url, user), 'SendMessage', {
      message: runMessage('name: noted\nsteps:\n  - { id: note, call: { agent: recorder, skill: note }, input: {} }\noutputs:\n  recorder: "{{ steps.note.output }}"\n'),
    });
    const task = ((await res.json()) as any).result?.task;
    assert.equal(forwarder.lost, 1, "the gateway's answer to the run's first redemption was lost");
    assert.equal(task?.status?.state, 'TASK_STATE_COMPLETED', JSON.stringify(task?.status));
    const noted = outputsOf(task).recorder;
    assert.equal(noted.caller, user.clientId, 'the step acted for the caller');
    assert.equal(noted.actors.length, 1, 'through the orchestrator');
    const after = await delegationGrantOutcomes(mesh.gw.metricsUrl);
    assert.equal((after['retried'] ?? 0) - (before['retried'] ?? 0), 1, 'the second presentation was a retry');
    assert.equal(after['reused'] ?? 0, before['reused'] ?? 0, 'and no reuse');
  });
});
