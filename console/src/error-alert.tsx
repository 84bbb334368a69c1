/** A view's error, read out by screen readers as it appears (role="alert"); nothing when there is none. */
export function ErrorAlert({ message }: { message: string }) {
  if (message === '') return null;
  return (
    <p class="error" role="alert">
      {message}
    </p>
  );
}

/** What a form's action came to: said as it worked (`ok`) or failed. */
export interface Outcome {
  ok: boolean;
  text: string;
}

/** A form's outcome: a status when it worked, an alert when it failed; nothing before the first. */
export function OutcomeNotice({ outcome, testId }: { outcome: Outcome | undefined; testId: string }) {
  if (outcome === undefined) return null;
  return (
    <p class={outcome.ok ? 'notice ok' : 'error'} role={outcome.ok ? 'status' : 'alert'} data-testid={testId}>
      {outcome.text}
    </p>
  );
}
