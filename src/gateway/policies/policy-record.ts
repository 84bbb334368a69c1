import { z } from 'zod';

/** What a policy does when it applies (docs/policies.md, "Effects"). */
export const POLICY_EFFECTS = ['permit', 'forbid', 'permit_when_approved'] as const;
export type PolicyEffect = (typeof POLICY_EFFECTS)[number];

/** Longest condition accepted: bounds parse time and the tree's depth. */
export const MAX_POLICY_CONDITION_LENGTH = 4096;

const name = z.string().min(1).max(200);

/**
 * A policy as written through the admin API or the CLI (`agentmesh policy
 * put`): which calls it targets (every field given must match; none: every
 * call), its effect, and a CEL condition over the entity model
 * (`entity-model.ts`). The condition is compiled and checked on write
 * (`compilePolicy`), never per call.
 */
export const policyInputSchema = z
  .object({
    /** Stable id: letters, digits, `.`, `_`, `-`. */
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit'),
    /** The tenant it governs; absent: platform-wide (every tenant). */
    tenant: name.optional(),
    effect: z.enum(POLICY_EFFECTS),
    target: z
      .object({
        agent: name.optional(),
        /** An A2A operation: SendMessage, SendStreamingMessage, GetTask, CancelTask, … */
        operation: name.optional(),
        skill: name.optional(),
      })
      .strict()
      .default({}),
    /** A CEL expression; absent: the policy applies to every call its target names. */
    condition: z.string().min(1).max(MAX_POLICY_CONDITION_LENGTH).optional(),
    /** What the caller reads when the policy forbids the call, and the approver when it parks it. */
    reason: z.string().min(1).max(500).optional(),
    /** `permit_when_approved`: the scope an approver holds (default `gateway:approve`). */
    approverScope: z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,100}$/, 'must be one OAuth scope (RFC 6749 §3.3)').optional(),
    /** `permit_when_approved`: how long a parked call waits before it ends REJECTED, ms (at least a minute). */
    expiresAfterMs: z.number().int().min(60_000).optional(),
    /** Why this version was written (kept with the version). */
    comment: z.string().max(500).optional(),
  })
  .strict();

export type PolicyInput = z.input<typeof policyInputSchema>;
export type PolicyBody = z.output<typeof policyInputSchema>;

/** One stored version of a policy: immutable once written; the newest version is the one in force unless it is a deletion. */
export interface PolicyRecord extends PolicyBody {
  version: number;
  /** Epoch ms. */
  createdAt: number;
  createdBy: string;
  /** This version deleted the policy: it is kept for history and rollback, and nothing is in force under its id. */
  deleted?: boolean;
}

/** The key a policy is stored and decided under: its tenant (`''`: platform-wide) and id. */
export function policyKey(p: { tenant?: string | undefined; id: string }): string {
  return `${p.tenant ?? ''}/${p.id}`;
}

/** `id@version`, as the audit trail names a deciding policy. */
export function policyRef(p: { tenant?: string | undefined; id: string; version: number }): string {
  return `${p.tenant === undefined ? '' : `${p.tenant}/`}${p.id}@${p.version}`;
}
