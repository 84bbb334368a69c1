import { z } from 'zod';
import type { ApprovalRuleView } from '../../contracts/approvals/index.js';
import { errorMessage } from '../../protocol/index.js';
import { MAX_CONDITION_LENGTH, parseCondition } from './approval-condition.js';

/** The scope an approver holds unless a rule names another (docs/approvals.md). */
export const DEFAULT_APPROVER_SCOPE = 'gateway:approve';

/** How long a parked call waits for a decision unless its rule says otherwise, ms (1 hour). */
export const DEFAULT_APPROVAL_EXPIRY_MS = 3_600_000;

const name = z.string().min(1).max(200);

/**
 * An approval rule as declared in the configuration (`gateway.approvals.rules`)
 * or through the admin API: which calls it gates (every field given must
 * match; `condition` over the call's price and input) and who may decide.
 */
export const approvalRuleSchema = z
  .object({
    /** Stable id: letters, digits, `.`, `_`, `-`. */
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit'),
    agent: name.optional(),
    skill: name.optional(),
    tenant: name.optional(),
    /** An expression over `price` (credits), `input`, `agent`, `skill`, `tenant`; absent: every call the names match. */
    condition: z
      .string()
      .min(1)
      .max(MAX_CONDITION_LENGTH)
      .superRefine((text, ctx) => {
        try {
          parseCondition(text);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: errorMessage(err) });
        }
      })
      .optional(),
    /** What the caller and the approver read: why the call waits. */
    reason: z.string().min(1).max(500).optional(),
    approverScope: z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,100}$/, 'must be one OAuth scope (RFC 6749 §3.3)').default(DEFAULT_APPROVER_SCOPE),
    /** How long a parked call waits before it ends REJECTED, ms (at least a minute). */
    expiresAfterMs: z.number().int().min(60_000).default(DEFAULT_APPROVAL_EXPIRY_MS),
  })
  .strict();

export type ApprovalRuleInput = z.input<typeof approvalRuleSchema>;

/**
 * A rule, checked: what the admin API shows (its `source` is `config`, read at
 * start and not stored, or `api`, stored by the CLI and admin API).
 */
export type ApprovalRule = ApprovalRuleView;

/** The reason a rule gives when it gives none. */
export function reasonOf(rule: ApprovalRule): string {
  if (rule.reason !== undefined) return rule.reason;
  return rule.condition !== undefined ? `calls where ${rule.condition} need an approval` : 'calls of this kind need an approval';
}
