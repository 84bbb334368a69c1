import { METRIC_WORDS } from './sample-metrics.js';

const NUMBER_WORDS: Readonly<Record<string, number>> = { a: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12, eighteen: 18, 'twenty-four': 24 };
const COUNT = String.raw`(\d{1,2}|${Object.keys(NUMBER_WORDS).join('|')})`;

/** What a forecast request in words asks for; each part absent when the text does not say. */
export interface ForecastText {
  metric?: string;
  horizon?: number;
  series?: number[];
}

function count(word: string): number {
  return /^\d+$/.test(word) ? Number(word) : NUMBER_WORDS[word.toLowerCase()]!;
}

/** The forecast horizon in months: "next 3 months", "next quarter", "half a year", "next year". */
function horizonOf(text: string): number | undefined {
  // Before "<n> years": "half a year" is not "a year".
  if (/\bhalf(?: a)? year\b|\bsix months\b/i.test(text)) return 6;
  const months = new RegExp(`\\b${COUNT}\\s+months?\\b`, 'i').exec(text);
  if (months) return count(months[1]!);
  const quarters = new RegExp(`\\b${COUNT}\\s+quarters?\\b`, 'i').exec(text);
  if (quarters) return 3 * count(quarters[1]!);
  const years = new RegExp(`\\b${COUNT}\\s+years?\\b`, 'i').exec(text);
  if (years) return 12 * count(years[1]!);
  if (/\b(?:next|coming|following) quarter\b|\bquarter\b/i.test(text)) return 3;
  if (/\b(?:next|coming|following) year\b|\byear ahead\b/i.test(text)) return 12;
  if (/\b(?:next|coming|following) month(?:'s)?\b/i.test(text)) return 1;
  return undefined;
}

/**
 * Reads a forecast request in words: which sample metric ("revenue",
 * "signups"…), how far ahead, and a series written out as a list of at least
 * three numbers ("120, 135, 150, 160").
 *
 * @example
 * forecastText('forecast revenue for the next 3 months'); // { metric: 'revenue', horizon: 3 }
 */
export function forecastText(text: string): ForecastText {
  const result: ForecastText = {};
  const list = /-?\d+(?:\.\d+)?(?:\s*[,;]\s*-?\d+(?:\.\d+)?){2,}/.exec(text.replace(/(\d),(\d{3})\b/g, '$1$2'));
  if (list) result.series = list[0].split(/\s*[,;]\s*/).map(Number);
  const metric = METRIC_WORDS.find(([re]) => re.test(text))?.[1];
  if (metric !== undefined) result.metric = metric;
  const horizon = horizonOf(list ? text.replace(list[0], ' ') : text);
  if (horizon !== undefined) result.horizon = horizon;
  return result;
}
