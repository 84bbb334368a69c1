/** A sentence of a contract with the clause it sits in. */
export interface ContractSentence {
  /** The clause number as written ("7.2"), or "¶3" for the third unnumbered paragraph. */
  clause: string;
  /** The clause's title ("Governing Law"), when it has one. */
  heading?: string;
  text: string;
}

// "Governing Law." or "Limitation of Liability:" opening a clause: a title, not a term of the contract.
const HEADING = /^(?:[A-Z][\w'-]*|of|and|the|for|to|or|&)(?:\s+(?:[A-Z][\w'-]*|of|and|the|for|to|or|&)){0,5}[.:]$/;

const NUMBERED = /^\s*(?:(?:section|article|clause|§)\s*)?(\d+(?:\.\d+)*)[.)]?\s+(?=\S)/i;
// Splits after . ; ! ? unless the period ends a common abbreviation or an initial.
const SENTENCE_END = /(?<!\b(?:[Ii]nc|[Ll]td|[Cc]orp|[Cc]o|[Nn]o|e\.g|i\.e|U\.S|[Mm]rs?|[Mm]s|[Dd]r|[Ss]t|vs|[Ss]ec|[Aa]rt|[A-Z]))[.;!?]\s+(?=[A-Z("“])/g;

/**
 * Splits contract text into clauses (numbered lines or blank-line
 * paragraphs) and those into sentences, so each finding can cite where it is.
 * Clause titles become `heading`; questions are dropped, since a contract
 * asks none and a question is the user's own words around a quoted clause.
 */
export function contractSentences(text: string): ContractSentence[] {
  const clauses: Array<{ clause: string; lines: string[] }> = [];
  let paragraph = 0;
  let current: { clause: string; lines: string[] } | undefined;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    const numbered = NUMBERED.exec(line);
    if (line.trim() === '') {
      current = undefined;
      continue;
    }
    if (numbered || current === undefined) {
      current = { clause: numbered ? numbered[1]! : `¶${++paragraph}`, lines: [] };
      clauses.push(current);
    }
    current.lines.push(numbered ? line.slice(numbered[0].length) : line.trim());
  }
  const sentences: ContractSentence[] = [];
  for (const { clause, lines } of clauses) {
    const body = lines.join(' ').replace(/\s+/g, ' ').trim();
    const parts: string[] = [];
    let start = 0;
    for (const end of body.matchAll(SENTENCE_END)) {
      parts.push(body.slice(start, end.index + 1).trim());
      start = end.index + end[0].length;
    }
    parts.push(body.slice(start).trim());
    let heading: string | undefined;
    for (const [i, text] of parts.entries()) {
      if (text === '' || text.endsWith('?')) continue;
      if (i === 0 && HEADING.test(text)) {
        heading = text.slice(0, -1);
        continue;
      }
      sentences.push(heading === undefined ? { clause, text } : { clause, heading, text });
    }
  }
  return sentences;
}

/** How many clauses the text has (for the summary). */
export function clauseCount(sentences: readonly ContractSentence[]): number {
  return new Set(sentences.map((s) => s.clause)).size;
}
