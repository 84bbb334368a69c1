import { parseCondition, type ApprovalCondition, type ConditionFacts } from './approval-condition.js';
import type { ApprovalRule } from './approval-rule.js';

interface CompiledRule {
  rule: ApprovalRule;
  condition: ApprovalCondition | undefined;
}

/**
 * The rules in force, compiled once per change (never per call): the first
 * rule, in order (the configuration's, then the stored ones by id), whose
 * agent, skill and tenant match and whose condition holds gates the call.
 * A rule naming a skill matches only a call whose skill the gateway can
 * tell (docs/approvals.md).
 */
export class ApprovalMatcher {
  readonly #rules: readonly CompiledRule[];

  constructor(rules: readonly ApprovalRule[]) {
    // A stored condition was checked when it was written; one that no longer parses gates every call it names (fail closed).
    this.#rules = rules.map((rule) => ({ rule, condition: rule.condition === undefined ? undefined : compiled(rule.condition) }));
  }

  get size(): number {
    return this.#rules.length;
  }

  /** The rule gating a call with these facts, or undefined. */
  match(facts: ConditionFacts): ApprovalRule | undefined {
    for (const { rule, condition } of this.#rules) {
      if (rule.agent !== undefined && rule.agent !== facts.agent) continue;
      if (rule.skill !== undefined && rule.skill !== facts.skill) continue;
      if (rule.tenant !== undefined && rule.tenant !== facts.tenant) continue;
      if (condition !== undefined && !condition.test(facts)) continue;
      return rule;
    }
    return undefined;
  }
}

const ALWAYS: ApprovalCondition = { source: 'true', test: () => true };

function compiled(source: string): ApprovalCondition {
  try {
    return parseCondition(source);
  } catch {
    return ALWAYS;
  }
}
