import { isDeepStrictEqual } from 'node:util';
import type { CardChange } from '../../contracts/registry/index.js';
import { isRecord } from '../../protocol/index.js';

/*
 * What a reviewer reads: every difference between two JSON documents (the
 * approved `{ card, metadata }` and the proposed one), each a JSON Pointer
 * (RFC 6901) with what was there and what will be.
 *
 * Arrays are compared as wholes, except the two whose items have an
 * identity of their own: the card's skills (by `id`) and its interfaces (by
 * `url`). Those are matched by that key, and a path names the key instead
 * of a position: a skill inserted first is one addition, not a change of
 * every skill after it. When the keys are not unique, or the items that
 * stay changed their order, such an array is compared as a whole too (the
 * order of skills can matter: a runtime's default skill is its first).
 */

type Json = unknown;

/** The arrays matched by key, by their pointer, and the key of an item (undefined: not keyable). */
const KEYED: ReadonlyMap<string, (item: Json) => string | undefined> = new Map([
  ['/card/skills', keyOf('id')],
  ['/card/supportedInterfaces', keyOf('url')],
]);

function keyOf(field: string): (item: Json) => string | undefined {
  return (item) => {
    const key = isRecord(item) ? item[field] : undefined;
    return typeof key === 'string' ? key : undefined;
  };
}

/** RFC 6901 §3: `~` as `~0`, `/` as `~1`. */
export function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

function unescapePointerToken(token: string): string {
  return token.replaceAll('~1', '/').replaceAll('~0', '~');
}

/**
 * Every difference between `from` and `to`, in document order (the keys of
 * `from` first, then those only `to` has). Empty when they are deeply equal.
 *
 * @example
 * diffDocuments({ card: { skills: [{ id: 'a' }] } }, { card: { skills: [{ id: 'a' }, { id: 'b' }] } });
 * // [{ op: 'added', path: '/card/skills/b', to: { id: 'b' } }]
 */
export function diffDocuments(from: Json, to: Json): CardChange[] {
  const changes: CardChange[] = [];
  walk(from, to, '', changes);
  return changes;
}

function walk(from: Json, to: Json, path: string, out: CardChange[]): void {
  if (isDeepStrictEqual(from, to)) return;
  if (isRecord(from) && isRecord(to)) {
    for (const key of Object.keys(from)) {
      const child = `${path}/${escapePointerToken(key)}`;
      if (!Object.hasOwn(to, key)) out.push({ op: 'removed', path: child, from: from[key] });
      else walk(from[key], to[key], child, out);
    }
    for (const key of Object.keys(to)) if (!Object.hasOwn(from, key)) out.push({ op: 'added', path: `${path}/${escapePointerToken(key)}`, to: to[key] });
    return;
  }
  const key = KEYED.get(path);
  if (key !== undefined && Array.isArray(from) && Array.isArray(to)) {
    const before = byKey(from, key);
    const after = byKey(to, key);
    if (before !== undefined && after !== undefined && sameOrderOfKept(before, after)) {
      for (const [k, item] of before) {
        const child = `${path}/${escapePointerToken(k)}`;
        if (!after.has(k)) out.push({ op: 'removed', path: child, from: item });
        else walk(item, after.get(k), child, out);
      }
      for (const [k, item] of after) if (!before.has(k)) out.push({ op: 'added', path: `${path}/${escapePointerToken(k)}`, to: item });
      return;
    }
  }
  out.push({ op: 'changed', path, from, to });
}

/** The items by key, in order; undefined when an item has no key or two share one. */
function byKey(items: readonly Json[], key: (item: Json) => string | undefined): Map<string, Json> | undefined {
  const map = new Map<string, Json>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined || map.has(k)) return undefined;
    map.set(k, item);
  }
  return map;
}

/** The keys both have come in the same order in both. */
function sameOrderOfKept(before: ReadonlyMap<string, Json>, after: ReadonlyMap<string, Json>): boolean {
  const kept = [...before.keys()].filter((k) => after.has(k));
  const keptAfter = [...after.keys()].filter((k) => before.has(k));
  return kept.every((k, i) => keptAfter[i] === k);
}

/**
 * The value at a pointer {@link diffDocuments} wrote, read the same way (a
 * skill by id, an interface by URL); undefined when there is none.
 */
export function valueAtPointer(document: Json, pointer: string): Json {
  if (pointer === '') return document;
  let at: Json = document;
  let path = '';
  for (const raw of pointer.slice(1).split('/')) {
    const token = unescapePointerToken(raw);
    const key = KEYED.get(path);
    if (key !== undefined && Array.isArray(at)) at = at.find((item) => key(item) === token);
    else if (isRecord(at) && Object.hasOwn(at, token)) at = at[token];
    else if (Array.isArray(at) && /^(0|[1-9]\d*)$/.test(token)) at = at[Number(token)];
    else return undefined;
    path = `${path}/${raw}`;
  }
  return at;
}

/** The pointer's tokens, unescaped. */
export function pointerTokens(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map(unescapePointerToken);
}
