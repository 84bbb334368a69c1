/**
 * Review holds (docs/console.md#reviews): the card changes the registry
 * holds until a reviewer decides, each with what differs from the approved
 * card (one line per change, and each change's before and after). Approving
 * makes the registry serve the change and the gateways route to it;
 * rejecting needs a reason, which the submitter reads. A platform admin's
 * view: the gateway relays the decision with its registry review token and
 * names the admin in the registry's audit entry.
 */
import { DecisionControls, useDecisionNotes } from '../decision-controls.js';
import { useData } from '../use-data.js';
import { ErrorAlert } from '../error-alert.js';
import { formatTime, plural } from '../format.js';
import type { CardChange, CardReview, CardReviewPage } from '../../../src/contracts/registry/index.js';

/** A change's before and after, as the JSON it is. */
function ChangeLine(props: { change: CardChange }) {
  const { change } = props;
  const show = (value: unknown) => JSON.stringify(value, null, 2);
  return (
    <li>
      <code>{change.path}</code> {change.op}
      <pre class="diff" tabIndex={0}>
        {change.op !== 'added' && <span class="diff-removed">- {show(change.from)}</span>}
        {change.op !== 'removed' && <span class="diff-added">+ {show(change.to)}</span>}
      </pre>
    </li>
  );
}

function Review(props: { review: CardReview; onDone: (text: string) => void; onError: (text: string) => void }) {
  const { review } = props;
  return (
    <article data-testid="review" aria-labelledby={`review-${review.id}`}>
      <h2 id={`review-${review.id}`}>
        <a href={`#/agents/${encodeURIComponent(review.agent)}`}>{review.agent}</a>
      </h2>
      <p>
        Submitted {formatTime(review.submittedAt)}
        {review.submittedBy !== undefined && ` by ${review.submittedBy}`}, against revision {review.baseRevision}: {plural(review.changes.length, 'change')}.
      </p>
      <ul data-testid="review-summary">
        {review.summary.map((line, i) => (
          <li key={i}>{line}</li>
        ))}
      </ul>
      <details>
        <summary>Each change, before and after</summary>
        <ul>
          {review.changes.map((change) => (
            <ChangeLine key={change.path} change={change} />
          ))}
        </ul>
      </details>
      <div class="row">
        <DecisionControls<CardReview>
          subject={review.agent}
          refuse="reject"
          path={`/v1/console/reviews/${encodeURIComponent(review.id)}`}
          doneText={(done) => `${done.agent}: change ${done.state}`}
          onDone={props.onDone}
          onError={props.onError}
        />
      </div>
    </article>
  );
}

export function ReviewsView() {
  const { data, error, reload } = useData<CardReviewPage>('/v1/console/reviews', 5_000);
  const decisions = useDecisionNotes(reload);
  return (
    <section aria-labelledby="reviews-h">
      <h1 id="reviews-h">Reviews</h1>
      <p>Card changes the registry holds for review: until one is approved, the registry serves, and the gateways route to, the approved card.</p>
      {error !== '' && <ErrorAlert message={error} />}
      {decisions.notices}
      {data !== undefined &&
        (data.reviews.length === 0 ? (
          <p data-testid="reviews-empty">No card change waits for review.</p>
        ) : (
          data.reviews.map((review) => (
            <Review
              key={review.id}
              review={review}
              onDone={decisions.onDone}
              onError={decisions.onError}
            />
          ))
        ))}
    </section>
  );
}
