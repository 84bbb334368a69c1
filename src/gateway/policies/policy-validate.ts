import { Errors } from '../../protocol/index.js';
import { compileCondition, PolicySyntaxError } from './policy-compile.js';
import { policyInputSchema, type PolicyBody } from './policy-record.js';

/**
 * A policy as written, checked: its fields (zod), then its condition against
 * the entity model. Throws AM_ERR_GATEWAY_POLICY_INVALID naming the field,
 * and for a condition the line and column of the fault: a malformed policy
 * is refused on write, never stored.
 */
export function validatePolicy(input: unknown): PolicyBody {
  const parsed = policyInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw Errors.policyInvalid({ field: issue.path.join('.') || 'body', problem: issue.message });
  }
  const body = parsed.data;
  if (body.effect !== 'permit_when_approved' && (body.approverScope !== undefined || body.expiresAfterMs !== undefined)) {
    throw Errors.policyInvalid({ field: body.approverScope !== undefined ? 'approverScope' : 'expiresAfterMs', problem: 'only a permit_when_approved policy names an approver or an expiry' });
  }
  if (body.condition !== undefined) {
    try {
      compileCondition(body.condition);
    } catch (err) {
      if (!(err instanceof PolicySyntaxError)) throw err;
      throw Errors.policyConditionInvalid({ line: err.line, column: err.column, problem: err.reason });
    }
  }
  return body;
}
