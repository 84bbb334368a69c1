import { piiBlockedError, scanMessage, withMessage } from '../policy/pii.js';
import type { GatewayCall, ProxyDeps } from './gateway-call.js';

/**
 * The PII policy of the call (gateway default, tenant, agent): finds e-mail
 * addresses, phone numbers, card numbers and national ids in the message, then
 * logs, redacts (the agent receives the redacted message) or blocks. Counted
 * by kind and action, and audited as counts: never the matched values.
 */
export function piiStep(c: GatewayCall, d: ProxyDeps): void {
  const message = c.call.message;
  if (message === undefined || d.pii === undefined) return;
  const { resolved, problem } = d.pii.policies.forCall(c.principal!.tenant, c.route!.record.metadata.pii);
  if (problem !== undefined) d.logger.warn({ agent: c.agent, problem }, "the agent's declared PII policy is invalid and was ignored");
  if (resolved === undefined) return;
  const scan = scanMessage(message, resolved, d.pii.limits);
  if (scan.total === 0 || scan.action === undefined) return;
  for (const [kind, count] of Object.entries(scan.counts)) d.metrics.piiMatches.labels({ kind, action: scan.action }).inc(count);
  c.audit.detail = { ...c.audit.detail, pii: { action: scan.action, counts: scan.counts, ...(scan.incomplete && { incomplete: true }) } };
  // The gateway does not rewrite ACP bodies: over the ACP door, a message to redact is blocked (docs/acp.md).
  if (scan.action === 'block' || (scan.action === 'redact' && c.call.binding === 'ACP')) {
    c.audit.eventType = 'pii.blocked';
    throw piiBlockedError(scan);
  }
  if (scan.action === 'redact' && scan.redacted !== undefined) {
    const redacted = withMessage(c.body, scan.redacted);
    c.bytes = Buffer.from(redacted, 'utf8');
    // The ACP bridge builds its runs from the parsed body, not the bytes: it gets the redacted one too.
    if (c.route!.record.bridge !== undefined) c.redactedBody = JSON.parse(redacted);
    return;
  }
  d.logger.info({ agent: c.agent, tenant: c.principal!.tenant, pii: scan.counts, fields: scan.locations.map((l) => l.field) }, 'a message carries personal data (policy: log)');
}
