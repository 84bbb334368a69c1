/**
 * Splits a template string into literal text and `{{ expression }}` parts.
 *
 * The closing `}}` is found by scanning the expression, not by searching for
 * it: quotes are skipped (`{{ '}}' }}`) and braces are counted, so an object
 * literal (`{{ { a: { b: 1 }} }}`) does not end the expression early.
 */

import { SourceSyntaxError } from './source-syntax-error.js';

export type TemplatePart =
  | { kind: 'text'; text: string }
  /** `offset` is where the expression text (after `{{`) starts in the template string. */
  | { kind: 'expression'; source: string; offset: number };

/** A problem found while scanning, at `offset` in the template string. */
export class TemplateSyntaxError extends SourceSyntaxError {
  override readonly name = 'TemplateSyntaxError';
}

/** Whether the string holds a `{{` at all: strings without one are plain text, never parsed. */
export function hasTemplate(text: string): boolean {
  return text.includes('{{');
}

export function scanTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let cursor = 0;
  while (cursor < text.length) {
    const open = text.indexOf('{{', cursor);
    if (open === -1) break;
    if (open > cursor) parts.push({ kind: 'text', text: text.slice(cursor, open) });
    const start = open + 2;
    const end = findClose(text, start);
    const source = text.slice(start, end);
    if (source.trim() === '') throw new TemplateSyntaxError('empty expression {{ }}', open);
    parts.push({ kind: 'expression', source, offset: start });
    cursor = end + 2;
  }
  if (cursor < text.length) parts.push({ kind: 'text', text: text.slice(cursor) });
  return parts;
}

/** Index of the `}}` that closes the expression starting at `start`. */
function findClose(text: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"' || ch === "'") {
      i = skipString(text, i);
      continue;
    }
    if (ch === '{') depth++;
    else if (ch === '}') {
      if (depth === 0) {
        if (text[i + 1] === '}') return i;
        throw new TemplateSyntaxError('unexpected } (expressions end with }})', i);
      }
      depth--;
    }
    i++;
  }
  throw new TemplateSyntaxError('{{ is never closed with }}', start - 2);
}

/** Index just past the string literal opening at `i`. */
function skipString(text: string, i: number): number {
  const quote = text[i];
  let j = i + 1;
  while (j < text.length) {
    if (text[j] === '\\') j += 2;
    else if (text[j] === quote) return j + 1;
    else j++;
  }
  throw new TemplateSyntaxError('unterminated string literal', i);
}
