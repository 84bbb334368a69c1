/** Human output of `agentmesh agents review …` and `agents ownership`: held changes and ownership verdicts. */
import type { CardReview, OwnershipReport } from '../../../contracts/registry/index.js';
import { fields, table } from './agents-render.js';

/** Reviews as a table: agent, submitted, by whom, how many changes, the first change. */
export function formatReviewTable(reviews: readonly CardReview[]): string {
  if (reviews.length === 0) return 'no card changes waiting for review\n';
  return table(
    ['AGENT', 'STATE', 'SUBMITTED', 'BY', 'CHANGES', 'FIRST CHANGE'],
    reviews.map((r) => [r.agent, r.state, r.submittedAt, r.submittedBy ?? '', String(r.changes.length), r.summary[0] ?? '']),
  );
}

/** One review: who and when, then one line per change. */
export function formatReview(review: CardReview): string {
  return (
    fields([
      ['agent', review.agent],
      ['review', review.id],
      ['state', review.state],
      ['submitted', `${review.submittedAt}${review.submittedBy !== undefined ? ` by ${review.submittedBy}` : ''}`],
      ['against', `revision ${review.baseRevision} (the approved record)`],
      ['decided', review.decidedAt !== undefined ? `${review.decidedAt}${review.decidedBy !== undefined ? ` by ${review.decidedBy}` : ''}${review.onBehalfOf !== undefined ? ` for ${review.onBehalfOf}` : ''}` : undefined],
      ['reason', review.reason],
    ]) + `\nchanges\n${review.summary.map((line) => `  ${line}\n`).join('')}`
  );
}

/** An ownership verdict and, when not verified, what to publish. */
export function formatOwnership(report: OwnershipReport): string {
  const { ownership, publish } = report;
  if (ownership === undefined || publish === undefined) return `${report.agent} claims no owner (set metadata.ownership.domain)\n`;
  const head = fields([
    ['agent', report.agent],
    ['domain', ownership.domain],
    ['organization', ownership.organization],
    ['status', `${ownership.status}${ownership.method !== undefined ? ` (${ownership.method})` : ''}`],
    ['verified', ownership.verifiedAt],
    ['checked', ownership.checkedAt],
    ['reason', ownership.reason],
  ]);
  if (ownership.status === 'verified') return head;
  return `${head}\nto prove it, publish one of:\n${fields([
    ['dns', `${publish.dns.name} TXT "${publish.dns.value}"`],
    ['well-known', `${publish.wellKnown.url ?? '(the card names no http(s) location)'} ${JSON.stringify(publish.wellKnown.body)}`],
    ['signature', `sign the card with a key of the JWK Set at ${publish.signature.keysUrl}`],
  ])}`;
}
