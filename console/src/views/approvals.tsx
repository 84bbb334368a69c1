/**
 * The approvals inbox (docs/approvals.md): the calls waiting for a person's
 * approval that the signed-in principal may decide (its tenant's, for the
 * approver scope it holds; every tenant's for a platform admin), through
 * `/v1/approvals`. Approving sends the call and charges it; denying needs a
 * reason, which the caller reads.
 */
import { DecisionControls, useDecisionNotes } from '../decision-controls.js';
import { useData } from '../use-data.js';
import { ErrorAlert } from '../error-alert.js';
import { formatTime, plural } from '../format.js';
import { ColumnHeads } from '../column-heads.js';
import type { ApprovalListAnswer, ApprovalView } from '../../../src/contracts/approvals/index.js';

function Row(props: { a: ApprovalView; onDone: (text: string) => void; onError: (text: string) => void }) {
  const { a } = props;
  return (
    <tr data-testid="approval">
      <td>
        <code>{a.agent}</code>
        {a.skill !== undefined && ` / ${a.skill}`}
      </td>
      <td>{a.reason}</td>
      <td title={a.chain.join(' → ')}>{a.chain.join(' → ')}</td>
      <td>{a.tenant}</td>
      <td>{(a.milliCredits / 1000).toFixed(3)}</td>
      <td>{formatTime(a.expiresAt)}</td>
      <td>
        <DecisionControls<ApprovalView>
          subject={a.id}
          refuse="deny"
          path={`/v1/approvals/${encodeURIComponent(a.id)}`}
          doneText={(done) => `${done.id}: ${done.state}`}
          onDone={props.onDone}
          onError={props.onError}
        />
      </td>
    </tr>
  );
}

export function ApprovalsView() {
  const { data, error, reload } = useData<ApprovalListAnswer>('/v1/approvals?state=pending', 5_000);
  const decisions = useDecisionNotes(reload);
  return (
    <section aria-labelledby="approvals-h">
      <h1 id="approvals-h">Approvals</h1>
      <p>Calls an approval rule parked: approving sends the call now and charges it; denying ends its task REJECTED with your reason and releases its hold.</p>
      {error !== '' && <ErrorAlert message={error} />}
      {decisions.notices}
      {data !== undefined &&
        (data.approvals.length === 0 ? (
          <p data-testid="approvals-empty">Nothing waits for your approval.</p>
        ) : (
          <table>
            <caption>{plural(data.approvals.length, 'call')} waiting</caption>
            <ColumnHeads labels={['Agent', 'Why', 'Asked by', 'Tenant', 'Credits held', 'Expires', 'Decision']} />
            <tbody>
              {data.approvals.map((a) => (
                <Row
                  key={a.id}
                  a={a}
                  onDone={decisions.onDone}
                  onError={decisions.onError}
                />
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}
