import { Role, type StreamResponse } from '@a2a-js/sdk';
import { dataOf, dataOfParts, textOf, textOfParts } from './parts.js';
import { stateNameOf as stateName, type TaskStateName } from './task-result.js';

/** One streamed event reduced to what tests compare: see {@link summarize}. */
export type EventSummary =
  | { kind: 'task'; state: TaskStateName }
  | { kind: 'status'; state: TaskStateName; text: string; data?: unknown }
  | { kind: 'artifact'; name: string; artifactId: string; append: boolean; lastChunk: boolean; text: string; data?: unknown }
  | { kind: 'message'; role: 'user' | 'agent'; text: string; data?: unknown };

/**
 * A streamed event (SDK `StreamResponse`) as a small plain object: its kind,
 * the state, the text and data of its message or artifact chunk. Made for
 * `assert.deepEqual(events.map(summarize), [...])`.
 *
 * @example
 * summarize(event); // { kind: 'status', state: 'TASK_STATE_WORKING', text: 'Scoring 3 leads' }
 */
export function summarize(event: StreamResponse): EventSummary {
  const payload = event.payload;
  switch (payload?.$case) {
    case 'task':
      return { kind: 'task', state: stateName(payload.value.status?.state) };
    case 'statusUpdate': {
      const message = payload.value.status?.message;
      const data = dataOf(message);
      return { kind: 'status', state: stateName(payload.value.status?.state), text: textOf(message), ...(data === undefined ? {} : { data }) };
    }
    case 'artifactUpdate': {
      const artifact = payload.value.artifact;
      const parts = artifact?.parts ?? [];
      const data = dataOfParts(parts);
      return {
        kind: 'artifact',
        name: artifact?.name ?? '',
        artifactId: artifact?.artifactId ?? '',
        append: payload.value.append,
        lastChunk: payload.value.lastChunk,
        text: textOfParts(parts),
        ...(data === undefined ? {} : { data }),
      };
    }
    case 'message': {
      // A skill's message answer (the stream's one event), or a message of a task's history.
      const data = dataOf(payload.value);
      return { kind: 'message', role: payload.value.role === Role.ROLE_USER ? 'user' : 'agent', text: textOf(payload.value), ...(data === undefined ? {} : { data }) };
    }
    default:
      throw new Error('an event with no payload is not a StreamResponse');
  }
}

/** The texts of the progress updates among `events` (working status updates with a message), in order. */
export function progressOf(events: readonly StreamResponse[]): string[] {
  const texts: string[] = [];
  for (const event of events) {
    const summary = summarize(event);
    if (summary.kind === 'status' && summary.state === 'TASK_STATE_WORKING' && summary.text !== '') texts.push(summary.text);
  }
  return texts;
}
