import type { CardChange } from '../../contracts/registry/index.js';
import { pointerTokens } from './card-diff.js';

/** Longest value a summary line quotes; longer ones end in `…` (the change itself carries them whole). */
const MAX_VALUE = 80;

/**
 * One line per change, for a person deciding: skills and interfaces by
 * name, a price as its before and after, anything else as its dotted path
 * and values. The changes themselves stay the record of what differs.
 *
 * @example
 * summarizeChanges([{ op: 'added', path: '/card/skills/refund', to: { id: 'refund' } }]);
 * // ['skill "refund" added']
 */
export function summarizeChanges(changes: readonly CardChange[]): string[] {
  return changes.map(summarizeOne);
}

function summarizeOne(change: CardChange): string {
  const tokens = pointerTokens(change.path);
  const [doc, field, key, ...rest] = tokens;
  if (doc === 'card' && field === 'skills' && key !== undefined) {
    if (rest.length === 0 && change.op !== 'changed') return `skill ${JSON.stringify(key)} ${change.op}`;
    if (rest.length > 0) return `skill ${JSON.stringify(key)}: ${rest.join('.')} ${describe(change)}`;
  }
  if (doc === 'card' && field === 'supportedInterfaces' && key !== undefined && rest.length === 0 && change.op !== 'changed') {
    return `interface ${key} ${change.op}`;
  }
  if (doc === 'metadata' && field === 'skills' && key !== undefined && rest[0] === 'pricing') {
    return `price of skill ${JSON.stringify(key)}${rest.length > 1 ? ` (${rest.slice(1).join('.')})` : ''} ${describe(change)}`;
  }
  return `${tokens.join('.') || '(document)'} ${describe(change)}`;
}

function describe(change: CardChange): string {
  switch (change.op) {
    case 'added':
      return `added: ${quote(change.to)}`;
    case 'removed':
      return `removed (was ${quote(change.from)})`;
    case 'changed':
      return `changed: ${quote(change.from)} → ${quote(change.to)}`;
  }
}

function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length <= MAX_VALUE ? text : `${text.slice(0, MAX_VALUE - 1)}…`;
}
