import { AgentmeshError, type ErrorCode, type FieldViolation } from '../../protocol/index.js';

/** Beyond this many, problems are counted rather than listed: a card with 5,000 broken skills needs one line, not 5,000. */
const MAX_LISTED = 100;

/**
 * One error carrying every problem found, with a message that reads well in
 * a terminal: the count, then one problem per line.
 *
 * @example
 * throw violationError(ErrorCodes.REGISTRY_CARD_INVALID, 'The agent card', violations);
 * // The agent card has 2 problems:
 * //   - skills[1].id is required
 * //   - supportedInterfaces[0].url must be an absolute http(s) URL
 */
export function violationError(code: ErrorCode, subject: string, violations: readonly FieldViolation[], options: { retryable?: boolean } = {}): AgentmeshError {
  const listed = violations.slice(0, MAX_LISTED).map((v) => ({ ...v }));
  const unlisted = violations.length - listed.length;
  if (unlisted > 0) listed.push({ field: '(more)', description: `${unlisted} more problems not listed` });
  const count = violations.length;
  const lines = listed.map((v) => (v.field === '(more)' ? `  - … and ${unlisted} more` : `  - ${v.field} ${v.description}`));
  const only = violations[0];
  const message =
    count === 1 && only !== undefined ? `${subject} has a problem: ${only.field} ${only.description}` : `${subject} has ${count} problems:\n${lines.join('\n')}`;
  return new AgentmeshError(code, message, { violations: listed, retryable: options.retryable ?? false });
}
