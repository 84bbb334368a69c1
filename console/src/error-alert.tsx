/** A view's error, read out by screen readers as it appears (role="alert"); nothing when there is none. */
export function ErrorAlert({ message }: { message: string }) {
  if (message === '') return null;
  return (
    <p class="error" role="alert">
      {message}
    </p>
  );
}
