/**
 * What Try it makes of the frames of a call: the task they describe (or the
 * agent's direct reply, a message and no task: A2A §3.1.1), one line per
 * frame, and the states in order. Pure, so it is tested without a page.
 */
import type { Exchange } from './exchange.js';
import { stateLabel } from './format.js';
import { partsSummary, type Part } from './parts-summary.js';

export const FINAL = new Set(['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED']);

export interface TryState {
  /** The results so far, by artifact id. */
  artifacts?: Array<{ id: string; name?: string; parts: Part[] }>;
  /** The agent's direct reply (a message instead of a task). */
  reply?: Part[];
  id?: string;
  contextId?: string;
  state?: string;
  /** The agent's last status message (its question when input is required). */
  note?: string;
}

/** A2A frames as they arrive: read defensively, field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;
const textOf = partsSummary;

/** One line describing a received frame: what a person wants to read. */
export function summary(e: Exchange): string {
  const b = e.body as { result?: Loose; error?: { message?: string }; method?: string };
  if (e.direction === 'sent') return `→ ${b.method ?? 'request'}`;
  if (b.error !== undefined) return `error: ${b.error.message ?? 'the call failed'}`;
  const r = b.result ?? {};
  if (r['task'] !== undefined) return `task ${stateLabel(r['task'].status?.state)}`;
  if (r['statusUpdate'] !== undefined) {
    const note = textOf(r['statusUpdate'].status?.message?.parts);
    return `${stateLabel(r['statusUpdate'].status?.state)}${note !== '' ? `: ${note}` : ''}`;
  }
  if (r['artifactUpdate'] !== undefined) return `result ${r['artifactUpdate'].artifact?.name ?? ''}: ${textOf(r['artifactUpdate'].artifact?.parts)}`;
  if (r['message'] !== undefined) return `reply: ${textOf(r['message'].parts)}`;
  if (r['id'] !== undefined && r['status'] !== undefined) return `task ${stateLabel(r['status'].state)}`;
  return 'an answer the console does not know (see the raw messages)';
}

/** The task's states in the order the frames brought them, each with when it began (the status timestamp, else arrival). */
export function timelineOf(events: readonly Exchange[]): Array<{ state: string; at: number }> {
  const steps: Array<{ state: string; at: number }> = [];
  for (const e of events) {
    if (e.direction !== 'received') continue;
    const r = (e.body as { result?: Loose }).result;
    const status = r?.['task']?.status ?? r?.['statusUpdate']?.status ?? (r?.['id'] !== undefined ? r?.['status'] : undefined);
    if (typeof status?.state !== 'string' || steps[steps.length - 1]?.state === status.state) continue;
    const stamped = typeof status.timestamp === 'string' ? Date.parse(status.timestamp) : Number.NaN;
    steps.push({ state: status.state, at: Number.isFinite(stamped) ? stamped : e.at });
  }
  return steps;
}

/** The task as the frames so far describe it. */
export function track(prev: TryState, e: Exchange): TryState {
  if (e.direction !== 'received') return prev;
  const r = (e.body as { result?: Loose }).result;
  if (r === undefined) return prev;
  const task = r['task'] ?? (r['id'] !== undefined && r['status'] !== undefined ? r : undefined);
  if (task !== undefined) return { ...prev, id: task.id, contextId: task.contextId, state: task.status?.state, note: textOf(task.status?.message?.parts), ...(Array.isArray(task.artifacts) && { artifacts: task.artifacts.map((a: Loose) => ({ id: a.artifactId, name: a.name, parts: a.parts ?? [] })) }) };
  if (r['artifactUpdate'] !== undefined) {
    const a = r['artifactUpdate'].artifact ?? {};
    const before = (prev.artifacts ?? []).find((x) => x.id === a.artifactId);
    const parts: Part[] = r['artifactUpdate'].append === true && before !== undefined ? [...before.parts, ...(a.parts ?? [])] : (a.parts ?? []);
    return { ...prev, artifacts: [...(prev.artifacts ?? []).filter((x) => x.id !== a.artifactId), { id: a.artifactId, name: a.name, parts }] };
  }
  if (r['message'] !== undefined) return { ...prev, reply: r['message'].parts ?? [] };
  if (r['statusUpdate'] !== undefined) return { ...prev, id: r['statusUpdate'].taskId ?? prev.id, contextId: r['statusUpdate'].contextId ?? prev.contextId, state: r['statusUpdate'].status?.state, note: textOf(r['statusUpdate'].status?.message?.parts) };
  return prev;
}

