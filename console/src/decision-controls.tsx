/**
 * The approve-or-refuse controls of a held item (a parked call, a card change
 * under review): a reason box and two buttons that post the decision to
 * `{path}/approve` or `{path}/{refuse}`. Refusing needs a reason, which the
 * other side reads; approving may carry one.
 */
import { useState } from 'preact/hooks';
import { apiPost } from './session.js';
import { ErrorAlert } from './error-alert.js';

export function DecisionControls<T>(props: {
  /** What the reason box is for, read by screen readers: "Reason for {subject}". */
  subject: string;
  /** The refusing decision's name in the API path ("deny", "reject"). */
  refuse: 'deny' | 'reject';
  /** The item's path, the decision appended. */
  path: string;
  /** The line said once decided. */
  doneText: (answer: T) => string;
  onDone: (text: string) => void;
  onError: (text: string) => void;
}) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const decide = async (decision: 'approve' | 'deny' | 'reject') => {
    setBusy(true);
    try {
      props.onDone(props.doneText(await apiPost<T>(`${props.path}/${decision}`, reason === '' ? {} : { reason })));
    } catch (err) {
      props.onError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const refuseLabel = props.refuse === 'deny' ? 'Deny' : 'Reject';
  return (
    <>
      <input type="text" aria-label={`Reason for ${props.subject}`} placeholder={`reason (needed to ${props.refuse})`} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
      <button type="button" disabled={busy} onClick={() => void decide('approve')}>
        Approve
      </button>
      <button type="button" class="danger" disabled={busy || reason === ''} onClick={() => void decide(props.refuse)}>
        {refuseLabel}
      </button>
    </>
  );
}

/**
 * What a page of held items says of the decisions made on it: the last one's line, or why it
 * failed. A decision made reloads the page's data (`reload`): the item decided leaves the list.
 */
export function useDecisionNotes(reload: () => void) {
  const [note, setNote] = useState('');
  const [failure, setFailure] = useState('');
  const onDone = (text: string) => {
    setFailure('');
    setNote(text);
    reload();
  };
  const notices = (
    <>
      {failure !== '' && <ErrorAlert message={failure} />}
      {note !== '' && <p role="status">{note}</p>}
    </>
  );
  return { onDone, onError: setFailure, notices };
}
