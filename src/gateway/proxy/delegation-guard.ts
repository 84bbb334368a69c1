import { Errors, type AgentmeshError } from '../../protocol/index.js';
import type { Actor } from '../identity/index.js';
import type { GatewayCall, ProxyDeps } from './gateway-call.js';

/** Why a delegated call is refused: it would reach an agent already in its chain, or its chain is too long. */
export type DelegationRefusal = { reason: 'loop'; agents: string[] } | { reason: 'depth'; depth: number };

/**
 * Whether a call carrying the delegation chain `act` may reach `target`
 * (docs/adr/0074-delegation-loop-guard.md): refused when an actor of the
 * chain acted as `target` (A → B → A, or A calling itself for its caller),
 * or when the chain holds more than `maxDepth` actors. Only actors that
 * exchanged an agent's assertion name an agent (`Actor.agent`); one that
 * exchanged a token of its own names none, and is counted, never matched.
 * The chain is at most MAX_DELEGATION_DEPTH long (read bounded at
 * verification): the walk is a handful of comparisons, no allocation unless
 * it refuses.
 */
export function delegationRefusal(act: Actor | undefined, target: string, maxDepth: number): DelegationRefusal | undefined {
  let depth = 0;
  let loops = false;
  for (let a = act; a !== undefined; a = a.act) {
    depth++;
    if (a.agent === target) loops = true;
  }
  if (loops) return { reason: 'loop', agents: actingAgents(act) };
  if (depth > maxDepth) return { reason: 'depth', depth };
  return undefined;
}

/** The agents the chain's actors acted as, the first actor first (the order the calls were made). */
function actingAgents(act: Actor | undefined): string[] {
  const agents: string[] = [];
  for (let a = act; a !== undefined; a = a.act) if (a.agent !== undefined) agents.push(a.agent);
  return agents.reverse();
}

/**
 * The delegation guard of the call path: a call on a delegated token (RFC
 * 8693 `act`) that would loop back to an agent already acting in its chain,
 * or go deeper than `delegationMaxDepth`, is refused before anything is
 * held or forwarded, with AM_ERR_GATEWAY_DELEGATION_REFUSED in the caller's
 * binding and an audit entry `delegation.refused` whose detail names the
 * reason. A caller's own credential has no chain: the step costs it one
 * property read.
 */
export function delegationGuardStep(c: GatewayCall, d: Pick<ProxyDeps, 'delegationMaxDepth'>): void {
  const act = c.principal!.act;
  if (act === undefined) return;
  const refusal = delegationRefusal(act, c.agent, d.delegationMaxDepth);
  if (refusal === undefined) return;
  c.audit.eventType = 'delegation.refused';
  c.audit.detail = { ...c.audit.detail, refused: refusal.reason };
  throw refusalError(refusal, c.agent, d.delegationMaxDepth);
}

function refusalError(refusal: DelegationRefusal, agent: string, max: number): AgentmeshError {
  const name = agent.slice(0, 128);
  if (refusal.reason === 'depth') return Errors.delegationTooDeep({ agent: name, depth: refusal.depth, max });
  return Errors.delegationLoop({ agent: name, chain: [...refusal.agents, name].join(' → ') });
}
