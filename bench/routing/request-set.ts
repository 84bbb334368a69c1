import { readFileSync } from 'node:fs';

/**
 * What a request should reach: an agent's name, `workflow:<name>` (one of
 * the orchestrator's workflows), `ask` (ambiguous: the router should ask
 * which specialist is meant) or `none` (nothing in the mesh does it: the
 * router should say so rather than route).
 */
export type Expected = string;

/** One line of a request set (`eval/routing/*.jsonl`). */
export interface RoutingRequest {
  text: string;
  /** The first right answer: its kind is the request's kind. */
  expected: Expected;
  /** Every right answer: `expected`, and the other agents that are as right when a line lists several. */
  accepted: Expected[];
  /** Why it is there (the class of request it stands for). */
  note: string;
}

/** The class a request's expectation puts it in, for the figures. */
export type RequestKind = 'agent' | 'workflow' | 'ask' | 'none';

export function kindOf(expected: Expected): RequestKind {
  if (expected === 'ask' || expected === 'none') return expected;
  return expected.startsWith('workflow:') ? 'workflow' : 'agent';
}

/**
 * Reads the request set, one JSON object a line; a line that is not a
 * request fails the whole read with its line number (a silently skipped
 * line would change the figures).
 */
export function readRequestSet(file: URL | string): RoutingRequest[] {
  const requests: RoutingRequest[] = [];
  for (const [i, line] of readFileSync(file, 'utf8').split('\n').entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new Error(`${String(file)}:${i + 1}: not JSON (${(err as Error).message})`, { cause: err });
    }
    const r = value as { text?: unknown; expected?: unknown; note?: unknown } | null;
    // `expected` is one answer, or a list of agents that are all right ("sort contacts by how likely they are to buy": either scorer).
    const accepted = typeof r?.expected === 'string' ? [r.expected] : Array.isArray(r?.expected) ? (r.expected as unknown[]) : [];
    const valid = accepted.length > 0 && accepted.every((e) => typeof e === 'string' && e !== '') && (accepted.length === 1 || accepted.every((e) => kindOf(e as string) === 'agent'));
    if (typeof r?.text !== 'string' || r.text.trim() === '' || !valid || typeof r.note !== 'string') {
      throw new Error(`${String(file)}:${i + 1}: a request needs text and note strings and an expected answer (a string, or a list of agent names)`);
    }
    requests.push({ text: r.text, expected: accepted[0] as string, accepted: accepted as string[], note: r.note });
  }
  return requests;
}
