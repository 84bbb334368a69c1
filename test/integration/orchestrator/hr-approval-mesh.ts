import { createClient } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, startMeshOrchestrator } from '../../helpers/gateway-mesh.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

/**
 * What the orchestrator's approval suites start: a gateway mesh whose agent
 * `hr` (its skill `decide` answers `{ done: <decision> }`, each decision told
 * to `onDecision`) is parked by the approval rule hr-decisions with `reason`,
 * an orchestrator behind that gateway, and the top caller, client
 * manager-app of tenant acme. `sweepIntervalMs` is the gateway's approval sweep.
 */
export async function startHrApprovalMesh(options: { reason: string; onDecision: (decision: string) => void; sweepIntervalMs?: number }) {
  const hr = oneSkillAgent({ name: 'hr', description: 'Takes HR decisions' }, 'decide', {
    description: 'Takes an HR decision',
    handler: async (input: { decision: string }) => {
      options.onDecision(input.decision);
      return { done: input.decision };
    },
  });
  const rule = { id: 'hr-decisions', agent: 'hr', reason: options.reason };
  const mesh = await startGatewayMesh({ agents: [hr], gateway: { approvals: { rules: [rule], ...(options.sweepIntervalMs !== undefined && { sweepIntervalMs: options.sweepIntervalMs }) } } });
  const orch = await startMeshOrchestrator(mesh);
  const user = await createClient(mesh.gw.url, { name: 'manager-app', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read'] });
  return { mesh, orch, user, close: () => closeInTurn(orch, mesh) };
}
