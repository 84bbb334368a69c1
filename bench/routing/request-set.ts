import { readFileSync } from 'node:fs';

/**
 * What a request should reach: an agent's name, `workflow:<name>` (one of
 * the orchestrator's workflows), `ask` (ambiguous: the router should ask
 * which specialist is meant) or `none` (nothing in the mesh does it: the
 * router should say so rather than route).
 */
export type Expected = string;

/** One line of `eval/routing/requests.jsonl`. */
export interface RoutingRequest {
  text: string;
  expected: Expected;
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
    const r = value as Partial<RoutingRequest>;
    if (typeof r?.text !== 'string' || r.text.trim() === '' || typeof r.expected !== 'string' || r.expected === '' || typeof r.note !== 'string') {
      throw new Error(`${String(file)}:${i + 1}: a request needs text, expected and note strings`);
    }
    requests.push({ text: r.text, expected: r.expected, note: r.note });
  }
  return requests;
}
