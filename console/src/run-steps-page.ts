/**
 * A run's top-level steps a page at a time, from the orchestrator's
 * `run-steps` skill (docs/orchestrator.md#long-runs): a long run's page
 * shows the first steps and loads more on demand, instead of the whole run.
 */
/** Decoded JSON, read member by member (this file stays free of the browser's modules: Node tests import it). */
type Loose = Record<string, unknown>;

/** The skill, and the page size the console asks for. */
export const RUN_STEPS_SKILL = 'run-steps';
export const STEPS_PER_PAGE = 100;

/** One top-level step as the orchestrator reports it (`StepSummary`). */
export interface StepRow {
  path: string;
  kind: string;
  status: string;
  agent?: string;
  attempt?: number;
  durationMs?: number;
  error?: string;
  units?: { done: number; failed: number };
}

/** The rows loaded so far, how many there are, and the token of the next page while there is one. */
export interface StepRows {
  rows: StepRow[];
  total: number;
  next?: string;
}

function isStepRow(value: unknown): value is StepRow {
  if (typeof value !== 'object' || value === null) return false;
  const row = value as Loose;
  return typeof row['path'] === 'string' && typeof row['kind'] === 'string' && typeof row['status'] === 'string';
}

/** The page a `run-steps` answer carries (SendMessage's `{ message }`, its data part); undefined for anything else (a refusal is a task). */
export function stepsPageOf(result: Loose | undefined): StepRows | undefined {
  const message = result?.['message'] as { parts?: Array<{ data?: unknown }> } | undefined;
  for (const part of message?.parts ?? []) {
    const data = part.data as Loose | undefined;
    if (typeof data?.['total'] !== 'number' || !Array.isArray(data['steps'])) continue;
    const next = data['nextPageToken'];
    return { rows: data['steps'].filter(isStepRow), total: data['total'], ...(typeof next === 'string' && next !== '' && { next }) };
  }
  return undefined;
}

/** The rows after one more page: a row read again (the run moved on between two reads) takes its newer state in place. */
export function addPage(loaded: StepRows | undefined, page: StepRows): StepRows {
  const rows = [...(loaded?.rows ?? [])];
  const at = new Map(rows.map((row, i) => [row.path, i]));
  for (const row of page.rows) {
    const i = at.get(row.path);
    if (i === undefined) rows.push(row);
    else rows[i] = row;
  }
  return { rows, total: page.total, ...(page.next !== undefined && { next: page.next }) };
}
