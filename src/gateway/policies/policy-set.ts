import { compileCondition, type CompiledCondition, type CounterRef, type PolicyEntities } from './policy-compile.js';
import { policyRef, type PolicyRecord } from './policy-record.js';
import type { CounterCellRef } from './session-counters.js';

/** A policy in force, its condition compiled. */
export interface CompiledPolicy {
  readonly record: PolicyRecord;
  /** `[tenant/]id@version`: how the audit trail names it. */
  readonly ref: string;
  readonly condition: CompiledCondition | undefined;
}

/** What a call is, as far as choosing the policies that may apply goes. */
export interface PolicyTarget {
  tenant: string;
  agent: string;
  operation: string;
  /** `''` when the gateway cannot tell. */
  skill: string;
}

/**
 * A decision (docs/policies.md, "How a decision is made"):
 * - `forbid`: a forbid policy held; it overrides everything else;
 * - `approve`: a permit_when_approved policy held (and no forbid): the call is parked for an approver;
 * - `permit`: a permit policy held;
 * - `unpermitted`: permit policies target the call and none held: refused;
 * - `none`: no policy targets the call: the scopes' answer stands.
 * `policies` are the deciding ones; `errors` the policies whose condition failed to evaluate (they did not apply).
 */
export interface PolicyDecision {
  outcome: 'forbid' | 'approve' | 'permit' | 'unpermitted' | 'none';
  policies: CompiledPolicy[];
  errors: Array<{ ref: string; message: string }>;
}

/** Compiles a stored version; a condition that no longer compiles (a model change) throws, and the loader decides. */
export function compilePolicy(record: PolicyRecord): CompiledPolicy {
  return { record, ref: policyRef(record), condition: record.condition === undefined ? undefined : compileCondition(record.condition) };
}

const NONE: readonly CompiledPolicy[] = [];

/**
 * The policies in force, compiled once per change and indexed by target
 * agent, so a call looks only at the policies naming its agent and those
 * naming none (ADR 0073). Then tenant (platform-wide or the call's),
 * operation (`SendMessage` names both sends) and skill narrow them.
 */
export class PolicySet {
  readonly size: number;
  readonly #byAgent = new Map<string, readonly CompiledPolicy[]>();
  readonly #anyAgent: readonly CompiledPolicy[];

  constructor(policies: readonly CompiledPolicy[]) {
    this.size = policies.length;
    this.#anyAgent = policies.filter((p) => p.record.target.agent === undefined);
    const named = new Map<string, CompiledPolicy[]>();
    for (const p of policies) {
      const agent = p.record.target.agent;
      if (agent === undefined) continue;
      const list = named.get(agent) ?? [];
      list.push(p);
      named.set(agent, list);
    }
    for (const [agent, list] of named) this.#byAgent.set(agent, [...list, ...this.#anyAgent]);
  }

  /** Every policy in force. */
  all(): CompiledPolicy[] {
    const seen = new Set<CompiledPolicy>(this.#anyAgent);
    for (const list of this.#byAgent.values()) for (const p of list) seen.add(p);
    return [...seen];
  }

  /**
   * Whether a `permit_when_approved` policy may hold some call to `agent`
   * (one naming it, or naming no agent), whatever the tenant: the card
   * served for it then declares the approvals extension.
   */
  mayHoldForApproval(agent: string): boolean {
    return (this.#byAgent.get(agent) ?? this.#anyAgent).some((p) => p.record.effect === 'permit_when_approved');
  }

  /** The policies whose target covers the call (no allocation when none does). */
  applicable(t: PolicyTarget): readonly CompiledPolicy[] {
    const candidates = this.#byAgent.get(t.agent) ?? this.#anyAgent;
    if (candidates.length === 0) return NONE;
    let out: CompiledPolicy[] | undefined;
    for (const p of candidates) {
      if (!targets(p.record, t)) continue;
      (out ??= []).push(p);
    }
    return out ?? NONE;
  }
}

function targets(r: PolicyRecord, t: PolicyTarget): boolean {
  if (r.tenant !== undefined && r.tenant !== t.tenant) return false;
  const op = r.target.operation;
  if (op !== undefined && op !== t.operation && !(op === 'SendMessage' && t.operation === 'SendStreamingMessage')) return false;
  const skill = r.target.skill;
  // A skill the gateway cannot tell may be the one named: a forbid or an approval applies (fail closed), a permit does not.
  if (skill !== undefined && skill !== t.skill && !(t.skill === '' && r.effect !== 'permit')) return false;
  return true;
}

/** The session counters the applicable policies read (empty: the call needs no counter). */
export function countersRead(policies: readonly CompiledPolicy[]): CounterRef[] {
  const out: CounterRef[] = [];
  for (const p of policies) {
    for (const ref of p.condition?.counters ?? []) {
      if (!out.some((o) => o.metric === ref.metric && o.scope === ref.scope && o.window === ref.window)) out.push(ref);
    }
  }
  return out;
}

/** The counter cells (scope and window) the applicable policies read, once each (empty: the call needs no counter). */
export function counterCellsRead(policies: readonly CompiledPolicy[]): CounterCellRef[] {
  let out: CounterCellRef[] | undefined;
  for (const p of policies) {
    const refs = p.condition?.counters;
    if (refs === undefined || refs.length === 0) continue;
    for (const ref of refs) {
      out ??= [];
      if (!out.some((o) => o.scope === ref.scope && o.window === ref.window)) out.push({ scope: ref.scope, window: ref.window });
    }
  }
  return out ?? NO_CELLS;
}

const NO_CELLS: CounterCellRef[] = [];

/** Decides over the applicable policies: forbid overrides, then approval, then permit. */
export function decide(policies: readonly CompiledPolicy[], entities: PolicyEntities): PolicyDecision {
  const decision: PolicyDecision = { outcome: 'none', policies: [], errors: [] };
  if (policies.length === 0) return decision;
  const held: Record<'forbid' | 'permit_when_approved' | 'permit', CompiledPolicy[]> = { forbid: [], permit_when_approved: [], permit: [] };
  const permits: CompiledPolicy[] = [];
  for (const p of policies) {
    if (p.record.effect === 'permit') permits.push(p);
    const result = p.condition === undefined ? true : p.condition.test(entities);
    if (result === true) held[p.record.effect].push(p);
    else if (result !== false) decision.errors.push({ ref: p.ref, message: result.message });
  }
  if (held.forbid.length > 0) return { ...decision, outcome: 'forbid', policies: held.forbid };
  if (held.permit_when_approved.length > 0) return { ...decision, outcome: 'approve', policies: held.permit_when_approved };
  if (held.permit.length > 0) return { ...decision, outcome: 'permit', policies: held.permit };
  if (permits.length > 0) return { ...decision, outcome: 'unpermitted', policies: permits };
  return decision;
}
