import { z } from 'zod';
import { PII_ACTIONS, PII_KINDS, type PiiAction, type PiiKind } from '../../contracts/registry/index.js';

export { PII_ACTIONS, type PiiAction };

/**
 * One PII policy, as an agent's registry record or a tenant's settings
 * declare it: `{ action: 'redact', kinds: ['email', 'card'] }`. Without
 * `kinds`, every kind the gateway detects.
 */
export const piiPolicySchema = z
  .object({
    action: z.enum(PII_ACTIONS),
    kinds: z.array(z.enum(PII_KINDS)).min(1).optional(),
  })
  .strict();

export type PiiPolicy = z.output<typeof piiPolicySchema>;

/**
 * Gateway-wide PII settings: a default for every call, and policies per
 * tenant (the agent's own comes from its registry record). All optional.
 */
export const piiConfigSchema = z
  .object({
    default: piiPolicySchema.optional(),
    tenants: z.record(z.string().min(1), piiPolicySchema).default({}),
    /** Nesting depth of data parts scanned; deeper values are not scanned (the scan reports itself incomplete). */
    maxDepth: z.number().int().min(1).max(256).default(32),
    /** Characters scanned per message (text and string values together), beyond which the scan is incomplete. */
    maxChars: z.number().int().positive().default(1_048_576),
  })
  .strict();

export type PiiConfig = z.output<typeof piiConfigSchema>;

/** What to do per kind, after combining every policy that applies to a call. */
export interface ResolvedPiiPolicy {
  /** The kinds to look for, each with the strictest action any policy asks for it. */
  readonly actions: ReadonlyMap<PiiKind, PiiAction>;
  readonly kinds: ReadonlySet<PiiKind>;
}

const SEVERITY: Readonly<Record<PiiAction, number>> = { log: 0, redact: 1, block: 2 };

/** The stricter of two actions. */
export function stricter(a: PiiAction, b: PiiAction): PiiAction {
  return SEVERITY[a] >= SEVERITY[b] ? a : b;
}

/**
 * Reads a policy declared outside the gateway's own config (an agent's
 * registry metadata): the policy, or a problem naming `path` and the field.
 *
 * @example
 * parsePiiPolicy({ action: 'redact', kinds: ['email'] }, 'metadata.pii'); // { policy: { action: 'redact', kinds: ['email'] } }
 * parsePiiPolicy({ action: 'shred' }, 'metadata.pii'); // { problem: 'metadata.pii.action must be one of log, redact, block' }
 */
export function parsePiiPolicy(value: unknown, path: string): { policy: PiiPolicy; problem?: undefined } | { policy?: undefined; problem: string } {
  const parsed = piiPolicySchema.safeParse(value);
  if (parsed.success) return { policy: parsed.data };
  const issue = parsed.error.issues[0]!;
  const field = [path, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))].join('.').replace(/\.\[/g, '[');
  return { problem: `${field} ${wordsOf(issue)}` };
}

function wordsOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'unrecognized_keys':
      return `has unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
    case 'invalid_type':
      return issue.expected === 'object' || issue.expected === 'array' ? `must be an ${issue.expected}` : `must be a ${issue.expected}`;
    case 'too_small':
      return `must list at least ${String(issue.minimum)} kind`;
    default:
      return issue.message;
  }
}

/**
 * Combines the policies that apply to a call (the gateway default, the
 * tenant's, the agent's): for each kind, the strictest action asked. An
 * agent that blocks cards and a tenant that redacts e-mail addresses get
 * both. Undefined when no policy applies.
 *
 * @example
 * const resolved = resolvePiiPolicy([config.default, tenantPolicy, agentPolicy]);
 * if (resolved) { const scan = scanMessage(call.message, resolved, limits); … }
 */
export function resolvePiiPolicy(policies: ReadonlyArray<PiiPolicy | undefined>): ResolvedPiiPolicy | undefined {
  const actions = new Map<PiiKind, PiiAction>();
  for (const policy of policies) {
    if (policy === undefined) continue;
    for (const kind of policy.kinds ?? PII_KINDS) {
      const current = actions.get(kind);
      actions.set(kind, current === undefined ? policy.action : stricter(current, policy.action));
    }
  }
  return actions.size === 0 ? undefined : { actions, kinds: new Set(actions.keys()) };
}

/** The policy of one call, and why an agent's declared policy was ignored, if it was. */
export interface CallPiiPolicy {
  resolved: ResolvedPiiPolicy | undefined;
  /** The agent's declared policy is invalid (named by path) and was left out; log it. */
  problem?: string;
}

/**
 * The PII policies of the gateway: its default, per tenant (config), and per
 * agent (declared with the agent's registry record). An agent's declaration
 * is parsed once per record object, not per call.
 *
 * @example
 * const policies = new PiiPolicies(config.pii);
 * const { resolved, problem } = policies.forCall(principal.tenant, route.record.metadata.pii);
 */
/** The agent's part of a call's policy when its record declares none. */
const NO_AGENT_POLICY: { policy?: PiiPolicy; problem?: string } = Object.freeze({});

export class PiiPolicies {
  readonly #config: PiiConfig;
  readonly #declared = new WeakMap<object, { policy?: PiiPolicy; problem?: string }>();
  /**
   * The resolved policy of each agent policy (by object; {@link NO_AGENT_POLICY} for none) and tenant policy met:
   * a resolution is a Map and a Set, which every call made anew before. Both keys are objects parsed once (the
   * configuration's, an agent record's), and what is resolved is read only.
   */
  readonly #resolved = new WeakMap<object, Map<PiiPolicy | undefined, CallPiiPolicy>>();

  constructor(config: PiiConfig) {
    this.#config = config;
  }

  forCall(tenant: string, agentDeclared: unknown): CallPiiPolicy {
    // Tenant ids come from tokens: looked up as own keys only (`constructor` is a name too).
    const tenantPolicy = Object.hasOwn(this.#config.tenants, tenant) ? this.#config.tenants[tenant] : undefined;
    const agent = this.#agentPolicy(agentDeclared);
    const agentKey = agent.policy ?? NO_AGENT_POLICY;
    let byTenant = this.#resolved.get(agentKey);
    if (byTenant === undefined) {
      byTenant = new Map();
      this.#resolved.set(agentKey, byTenant);
    }
    // The answer itself is kept (frozen): a call without a problem to report gets the same object as the last one.
    let call = byTenant.get(tenantPolicy);
    if (call === undefined) {
      call = Object.freeze({ resolved: resolvePiiPolicy([this.#config.default, tenantPolicy, agent.policy]) });
      byTenant.set(tenantPolicy, call);
    }
    return agent.problem === undefined ? call : { resolved: call.resolved, problem: agent.problem };
  }

  #agentPolicy(declared: unknown): { policy?: PiiPolicy; problem?: string } {
    if (declared === undefined) return NO_AGENT_POLICY;
    if (declared === null || typeof declared !== 'object') return parsePiiPolicy(declared, 'metadata.pii');
    let known = this.#declared.get(declared);
    if (known === undefined) {
      known = parsePiiPolicy(declared, 'metadata.pii');
      this.#declared.set(declared, known);
    }
    return known;
  }
}
