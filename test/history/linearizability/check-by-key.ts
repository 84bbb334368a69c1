import { checkLinearizable, type LinearOp, type Model, type SearchBudget, type SearchResult } from './wgl-search.js';

export interface KeyedVerdict<K> {
  /** not-linearizable when any key is; else unknown when any key ran out of budget; else linearizable. */
  verdict: SearchResult['verdict'];
  results: { key: K; result: SearchResult }[];
  /** Keys left unsearched after a violation was found (with `stopAtFirstViolation`). */
  skipped: K[];
}

/**
 * Searches each key's operations alone (P-compositionality), smallest first. With
 * `stopAtFirstViolation` it stops at the first key that is not linearizable, as Porcupine does: the
 * verdict is already known, and a large key can take far longer to search than a small one.
 */
export function checkByKey<K, S, P>(model: (key: K) => Model<S, P>, byKey: Map<K, LinearOp<P>[]>, options: { budget?: SearchBudget; stopAtFirstViolation?: boolean } = {}): KeyedVerdict<K> {
  const keys = [...byKey.keys()].sort((a, b) => byKey.get(a)!.length - byKey.get(b)!.length);
  const results: { key: K; result: SearchResult }[] = [];
  for (const [i, key] of keys.entries()) {
    const result = checkLinearizable(model(key), byKey.get(key)!, options.budget);
    results.push({ key, result });
    if (result.verdict === 'not-linearizable' && options.stopAtFirstViolation === true) return { verdict: 'not-linearizable', results, skipped: keys.slice(i + 1) };
  }
  const verdict = results.some((r) => r.result.verdict === 'not-linearizable') ? 'not-linearizable' : results.some((r) => r.result.verdict === 'unknown') ? 'unknown' : 'linearizable';
  return { verdict, results, skipped: [] };
}
