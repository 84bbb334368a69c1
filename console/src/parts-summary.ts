/**
 * Parts as one line of text, for summaries (event lists, notes): what the
 * views print without rendering the parts (parts.tsx does that).
 */
import { formatNumber } from './format.js';

export type Part = { text?: string; data?: unknown; file?: { uri?: string; bytes?: string; name?: string; mimeType?: string; mediaType?: string; fileWithUri?: string; fileWithBytes?: string }; url?: string; raw?: string; filename?: string; mediaType?: string };

/** A scalar as a person reads it: numbers grouped, booleans as yes/no, nothing as a dash. */
export function scalar(v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}

/** One line of a part for a summary: its text, or what kind of data it holds (never a line of JSON). */
export function partsSummary(parts: Part[] | undefined): string {
  return (parts ?? [])
    .map((p) => {
      if (p.text !== undefined) return p.text;
      if (p.data !== undefined) {
        const d = p.data;
        if (Array.isArray(d)) return `data: ${formatNumber(d.length)} ${d.length === 1 ? 'item' : 'items'}`;
        if (typeof d === 'object' && d !== null) {
          const keys = Object.keys(d);
          return `data: ${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', …' : ''}`;
        }
        return `data: ${scalar(d)}`;
      }
      return 'a file';
    })
    .join(' · ');
}
