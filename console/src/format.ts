/**
 * How the console writes numbers, times and states for people: one number
 * format everywhere (grouped, at most 3 decimals), plurals that agree, task
 * states in words (never `TASK_STATE_…`), durations in the unit that reads.
 */

const NUMBER = new Intl.NumberFormat('en', { maximumFractionDigits: 3 });

/** 15823.85 → "15,823.85"; a decimal string (the credits API's "15823.850") too. */
export function formatNumber(value: number | string): string {
  const n = typeof value === 'string' ? Number(value) : value;
  return Number.isFinite(n) ? NUMBER.format(n) : String(value);
}

/** "1 agent", "12 agents", "1,000 items": the count formatted, the noun agreeing. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${formatNumber(count)} ${count === 1 ? one : many}`;
}

/** Credits from milli-credits or the API's decimal string: "1 credit", "15,823.85 credits". */
export function formatCredits(value: number | string, unit: 'credits' | 'milli' = 'credits'): string {
  const n = unit === 'milli' ? Number(value) / 1000 : Number(value);
  return plural(n, 'credit');
}

/** A task state in words: TASK_STATE_INPUT_REQUIRED → "input required". */
export function stateLabel(state: string | undefined): string {
  if (state === undefined || state === '' || state === 'TASK_STATE_UNSPECIFIED') return 'unknown';
  return state.replace(/^TASK_STATE_/, '').toLowerCase().replace(/_/g, ' ');
}

/** The CSS class of a state's badge: TASK_STATE_INPUT_REQUIRED → "task-input-required". */
export function stateClass(state: string | undefined): string {
  return `task-${stateLabel(state).replace(/ /g, '-')}`;
}

/** 850 → "850 ms", 12_300 → "12.3 s", 754_000 → "12 min 34 s", 7_380_000 → "2 h 3 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1).replace(/\.?0+$/, '')} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** An ISO time as the browser's local date and time (the same format in every view). */
export function formatTime(iso: string | number | undefined): string {
  if (iso === undefined) return '–';
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? String(iso) : at.toLocaleString();
}

/**
 * When a task began, from its id when that is a UUIDv7 (the runtime's task
 * ids are: their first 48 bits are the creation time in ms, RFC 9562 §5.7);
 * undefined for any other id. A2A tasks carry no creation time of their own.
 */
export function startedAt(id: string): number | undefined {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(id)) return undefined;
  const ms = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

