/**
 * The names nearest a mistyped one, for a "did you mean" (an agent name the
 * registry or gateway does not know). Near means few edits: insertions,
 * deletions, substitutions and swaps of two neighbouring letters (the
 * optimal-string-alignment distance), case aside, and no more of them than
 * about a third of the name's length, at most three: `lead-scorr` finds
 * `lead-scorer`, `hr` finds nothing in `hr-acp`.
 */

/** How many edits a name of `length` characters may be from a suggestion. */
function maxEdits(length: number): number {
  return Math.min(3, Math.max(1, Math.round(length * 0.3)));
}

/** The optimal-string-alignment distance of `a` and `b`, or `max + 1` once it must exceed `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  // Three rows: the one before the previous is what a swap of neighbours reads.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const same = a[i - 1] === b[j - 1];
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (same ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, before[j - 2]! + 1);
      current[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > max) return max + 1;
    [before, previous, current] = [previous, current, before];
  }
  return Math.min(previous[b.length]!, max + 1);
}

/**
 * Up to `limit` of `names` near `word`, nearest first (then in the order
 * given); none when nothing is near. `word` itself is never suggested, the
 * same name in other letter case is.
 *
 * @example
 * closestNames('lead-scorr', ['echo', 'lead-scorer', 'legal']); // ['lead-scorer']
 */
export function closestNames(word: string, names: Iterable<string>, limit = 3): string[] {
  const wanted = word.toLowerCase();
  const max = maxEdits(wanted.length);
  const near: Array<{ name: string; edits: number }> = [];
  for (const name of names) {
    const edits = distance(wanted, name.toLowerCase(), max);
    if (name !== word && edits <= max) near.push({ name, edits });
  }
  // A stable sort: names equally near keep the order they came in.
  return near.sort((x, y) => x.edits - y.edits).slice(0, limit).map((n) => n.name);
}
