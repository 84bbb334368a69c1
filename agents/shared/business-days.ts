/**
 * Calendar arithmetic on UTC days (milliseconds at midnight UTC): campaign
 * waves and follow-up tasks fall on business days, Monday to Friday. UTC, so
 * a plan is the same on every server whatever its time zone.
 */

export const DAY_MS = 86_400_000;

/** YYYY-MM-DD of a UTC day. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function isWeekend(ms: number): boolean {
  const day = new Date(ms).getUTCDay();
  return day === 0 || day === 6;
}

/** The day itself when it is a business day, else the Monday after. */
export function nextBusinessDay(ms: number): number {
  let day = ms;
  while (isWeekend(day)) day += DAY_MS;
  return day;
}

/** `days` business days after `ms` (0: `ms` moved off a weekend). */
export function addBusinessDays(ms: number, days: number): number {
  let day = nextBusinessDay(ms);
  for (let i = 0; i < days; i++) day = nextBusinessDay(day + DAY_MS);
  return day;
}

/** A YYYY-MM-DD string as a UTC day, or undefined when it is not a real calendar date (2026-02-30). */
export function parseIsoDate(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(ms) || isoDate(ms) !== text ? undefined : ms;
}
