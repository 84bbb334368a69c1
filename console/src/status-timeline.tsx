/**
 * A task's status changes as a timeline: each state, when it began, and how
 * long it lasted until the next (Temporal's event history is the model).
 * Try it builds one from the stream's frames; a task's page from the
 * states it saw while it read the task, starting at its creation.
 */
import { formatDuration, stateClass, stateLabel } from './format.js';

export interface StatusStep {
  state: string;
  /** Epoch ms. */
  at: number;
}

/** `steps` with a new state appended when it differs from the last one. */
export function withState(steps: readonly StatusStep[], state: string, at: number): StatusStep[] {
  return steps[steps.length - 1]?.state === state ? [...steps] : [...steps, { state, at }];
}

export function StatusTimeline(props: { steps: readonly StatusStep[] }) {
  const { steps } = props;
  if (steps.length === 0) return null;
  return (
    <ol class="timeline" data-testid="timeline" aria-label="Status changes">
      {steps.map((s, i) => {
        const next = steps[i + 1];
        return (
          <li key={i}>
            <span class={`badge ${stateClass(s.state)}`}>{stateLabel(s.state)}</span> <time>{new Date(s.at).toLocaleTimeString()}</time>
            {next !== undefined && <small> for {formatDuration(Math.max(0, next.at - s.at))}</small>}
          </li>
        );
      })}
    </ol>
  );
}
