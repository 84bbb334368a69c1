import { LineCounter, isCollection, isMap, isNode, isPair, isScalar, isSeq, parseDocument, visit, type Document, type Node as YamlNode } from 'yaml';
import type { PathSegment } from './json-path.js';
import { errorMessage } from '../../protocol/index.js';

/*
 * Reads a workflow file (YAML 1.2; JSON is YAML) keeping where every value
 * sits, so a problem found later in the parsed data can be reported at its
 * line and column. Rules:
 * - one document per file; duplicate keys are errors (YAML says keys are
 *   unique; a silent last-wins would hide a typo);
 * - warnings (an unknown `!tag`) are errors too: typos must not be silent;
 * - a key that is a map or a list is an error: it is what an unquoted
 *   template becomes (`input: {{ inputs.x }}` is a map inside a map), and
 *   yaml would otherwise turn it into a string key and carry on;
 * - aliases are expanded with a cap (yaml's maxAliasCount) against
 *   billion-laughs documents, and files are capped at MAX_WORKFLOW_BYTES.
 */

/** Largest workflow file read: generous for hand-written definitions, small enough to parse at once. */
export const MAX_WORKFLOW_BYTES = 1024 * 1024;

export interface SourcePosition {
  line: number;
  column: number;
}

export interface LocateOptions {
  /** The last path segment is a key: point at the key itself (an unknown field), not its value. */
  key?: boolean;
  /** Offset inside the string value (an expression in a template): point at that character when the source allows. */
  offset?: number;
}

export interface SourceDocument {
  data: unknown;
  /** Where the value at `path` was written; the nearest enclosing value when the path does not exist. */
  locate(path: readonly PathSegment[], options?: LocateOptions): SourcePosition;
}

export interface SourceProblem extends SourcePosition {
  message: string;
}

export function readYamlSource(text: string): { document?: SourceDocument; problems: SourceProblem[] } {
  if (Buffer.byteLength(text, 'utf8') > MAX_WORKFLOW_BYTES) {
    return { problems: [{ line: 1, column: 1, message: `file is larger than ${MAX_WORKFLOW_BYTES} bytes` }] };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, version: '1.2' });
  const at = (offset: number): SourcePosition => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  const problems: SourceProblem[] = [...doc.errors, ...doc.warnings].map((e) => ({ ...at(e.pos[0]), message: firstLine(e.message) }));
  if (problems.length > 0) return { problems };
  visit(doc, {
    Pair(_, pair) {
      if (isCollection(pair.key) && pair.key.range) {
        problems.push({ ...at(pair.key.range[0]), message: 'a key cannot be a map or a list; a template must be quoted: "{{ inputs.x }}"' });
      }
    },
  });
  if (problems.length > 0) return { problems };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { problems: [{ line: 1, column: 1, message: firstLine(errorMessage(err)) }] };
  }
  return { document: { data, locate: (path, options) => locate(doc, text, path, options ?? {}, at) }, problems: [] };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function locate(doc: Document, text: string, path: readonly PathSegment[], options: LocateOptions, at: (offset: number) => SourcePosition): SourcePosition {
  let node: unknown = doc.contents;
  let found: YamlNode | null = isNode(node) ? node : null;
  let keyNode: YamlNode | undefined;
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair !== undefined && last && options.key && isNode(pair.key)) keyNode = pair.key;
      next = pair?.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment];
    }
    if (next === undefined || next === null) break;
    node = next;
    // A parsed document's items are nodes; anything else ends the walk where it is.
    if (!isNode(next)) break;
    found = next;
  }
  if (keyNode?.range) return at(keyNode.range[0]);
  if (found === null || found.range === undefined || found.range === null) return { line: 1, column: 1 };
  return at(found.range[0] + innerOffset(found, text, options.offset));
}

/**
 * How far into the source an offset of the string value lies. Exact for
 * plain and quoted single-line scalars whose source spells the value
 * verbatim (no escapes); otherwise 0, the start of the scalar.
 */
function innerOffset(node: YamlNode, text: string, offset: number | undefined): number {
  if (offset === undefined || !isScalar(node) || typeof node.value !== 'string' || node.range === undefined || node.range === null) return 0;
  const [start, end] = node.range;
  const raw = text.slice(start, end);
  if (node.type === 'PLAIN' && raw === node.value) return offset;
  if ((node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && raw.slice(1, -1) === node.value) return offset + 1;
  return 0;
}
