import { type AgentmeshError, Errors } from '../../protocol/index.js';

/*
 * Durations in workflow files: a whole number is milliseconds; a string is
 * one or more `<number><unit>` with units ms, s, m, h (`500ms`, `30s`,
 * `1.5s`, `1m30s`). Capped at what a Node timer can hold: setTimeout fires
 * at once for anything above 2^31-1 ms, which would turn a long timeout
 * into an immediate one.
 */

/** Longest duration a timer can wait: 2^31-1 ms, about 24.8 days. */
export const MAX_DURATION_MS = 2_147_483_647;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const WHOLE = /^\s*(?:\d+(?:\.\d+)?\s*(?:ms|s|m|h)\s*)+$/;
const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h)/g;

/**
 * Milliseconds of a duration; throws AgentmeshError `AM_ERR_WORKFLOW_INVALID`
 * naming the value when it is not one.
 *
 * @example
 * parseDuration('1m30s') // → 90000
 * parseDuration(250)     // → 250
 */
export function parseDuration(value: string | number): number {
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) throw invalid(value, 'a number of milliseconds must be a whole number ≥ 0');
    ms = value;
  } else {
    if (typeof value !== 'string' || !WHOLE.test(value)) throw invalid(value, 'use milliseconds as a number, or a string such as 500ms, 30s, 5m, 1h or 1m30s');
    ms = 0;
    for (const [, amount, unit] of value.matchAll(PART)) ms += Number(amount) * (UNIT_MS[unit as string] ?? 0);
    ms = Math.round(ms);
  }
  if (ms > MAX_DURATION_MS) throw invalid(value, `the longest duration is ${MAX_DURATION_MS} ms (about 24 days)`);
  return ms;
}

function invalid(value: unknown, hint: string): AgentmeshError {
  return Errors.workflowDurationInvalid({ quotedValue: String(JSON.stringify(value)), hint }, { details: { value: String(value) } });
}
