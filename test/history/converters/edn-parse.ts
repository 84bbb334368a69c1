/**
 * The subset of EDN (https://github.com/edn-format/edn) that Jepsen and Knossos histories use: nil,
 * booleans, integers, floats, strings, keywords, symbols, lists, vectors, maps, sets, comments (`;`),
 * discards (`#_`) and commas as whitespace. Characters (`\c`) and tagged literals other than sets
 * are refused rather than guessed at. No EDN reader is published on npm that this repository already
 * depends on, and this subset is small enough to read whole.
 */

export class Keyword {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  toString(): string {
    return `:${this.name}`;
  }
}

export class EdnSymbol {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

export type EdnValue = null | boolean | number | string | Keyword | EdnSymbol | EdnValue[] | EdnSet | EdnMap;

/** A map; keys are keyword names (`process` for `:process`) or strings, as histories use no other. */
export type EdnMap = Map<string, EdnValue>;

export class EdnSet {
  readonly items: EdnValue[];
  constructor(items: EdnValue[]) {
    this.items = items;
  }
}

/** Deeper nesting than any history needs is refused before it can exhaust the stack. */
const MAX_DEPTH = 64;

const DELIMITERS = new Set(['(', ')', '[', ']', '{', '}', '"', ';']);

/** Every form of `text`, in order. Throws with the offset of the first thing it cannot read. */
export function parseEdnForms(text: string): EdnValue[] {
  const reader = new Reader(text);
  const forms: EdnValue[] = [];
  for (;;) {
    reader.skipSpace();
    if (reader.atEnd()) return forms;
    forms.push(reader.read(0));
  }
}

class Reader {
  #text: string;
  #pos = 0;

  constructor(text: string) {
    this.#text = text;
  }

  atEnd(): boolean {
    return this.#pos >= this.#text.length;
  }

  skipSpace(): void {
    const text = this.#text;
    while (this.#pos < text.length) {
      const c = text[this.#pos]!;
      if (c === ';') {
        while (this.#pos < text.length && text[this.#pos] !== '\n') this.#pos += 1;
      } else if (c === ',' || /\s/.test(c)) {
        this.#pos += 1;
      } else if (c === '#' && text[this.#pos + 1] === '_') {
        this.#pos += 2;
        this.skipSpace();
        this.read(0);
      } else {
        return;
      }
    }
  }

  read(depth: number): EdnValue {
    if (depth > MAX_DEPTH) this.#fail(`nested deeper than ${MAX_DEPTH}`);
    this.skipSpace();
    if (this.atEnd()) this.#fail('unexpected end of input');
    const c = this.#text[this.#pos]!;
    switch (c) {
      case '(':
        this.#pos += 1;
        return this.#readSeq(')', depth);
      case '[':
        this.#pos += 1;
        return this.#readSeq(']', depth);
      case '{':
        this.#pos += 1;
        return this.#readMap(depth);
      case '"':
        return this.#readString();
      case '#':
        if (this.#text[this.#pos + 1] === '{') {
          this.#pos += 2;
          return new EdnSet(this.#readSeq('}', depth));
        }
        return this.#fail('tagged literals other than sets are not read');
      case ')':
      case ']':
      case '}':
        return this.#fail(`unexpected ${c}`);
      default:
        return this.#readAtom();
    }
  }

  #readSeq(close: string, depth: number): EdnValue[] {
    const items: EdnValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.atEnd()) this.#fail(`missing ${close}`);
      if (this.#text[this.#pos] === close) {
        this.#pos += 1;
        return items;
      }
      items.push(this.read(depth + 1));
    }
  }

  #readMap(depth: number): EdnMap {
    const start = this.#pos;
    const items = this.#readSeq('}', depth);
    if (items.length % 2 !== 0) this.#fail(`a map at ${start} has an odd number of forms`);
    const map: EdnMap = new Map();
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i]!;
      const name = key instanceof Keyword ? key.name : typeof key === 'string' ? key : this.#fail(`a map at ${start} has a key that is neither a keyword nor a string`);
      if (map.has(name)) this.#fail(`a map at ${start} repeats the key ${name}`);
      map.set(name, items[i + 1]!);
    }
    return map;
  }

  #readString(): string {
    const text = this.#text;
    let out = '';
    this.#pos += 1;
    for (;;) {
      if (this.#pos >= text.length) this.#fail('unterminated string');
      const c = text[this.#pos]!;
      this.#pos += 1;
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = text[this.#pos];
      this.#pos += 1;
      switch (e) {
        case '"':
        case '\\':
          out += e;
          break;
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        // Clojure's reader takes these too.
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'u': {
          const hex = text.slice(this.#pos, this.#pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.#fail('a \\u escape needs four hex digits');
          out += String.fromCharCode(Number.parseInt(hex, 16));
          this.#pos += 4;
          break;
        }
        default:
          this.#fail(`unknown escape \\${e ?? ''}`);
      }
    }
  }

  #readAtom(): EdnValue {
    const text = this.#text;
    const start = this.#pos;
    while (this.#pos < text.length && !DELIMITERS.has(text[this.#pos]!) && text[this.#pos] !== ',' && !/\s/.test(text[this.#pos]!)) this.#pos += 1;
    const token = text.slice(start, this.#pos);
    if (token === 'nil') return null;
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (token.startsWith(':')) {
      if (token.length === 1) this.#fail('an empty keyword');
      return new Keyword(token.slice(1));
    }
    if (/^[+-]?\d+N?$/.test(token)) return toSafeInteger(token.replace(/N$/, ''), () => this.#fail(`${token} is too large for an exact number`));
    if (/^[+-]?\d+(\.\d*)?([eE][+-]?\d+)?M?$/.test(token)) return Number(token.replace(/M$/, ''));
    if (token === '') this.#fail(`unexpected ${text[this.#pos] ?? 'end of input'}`);
    return new EdnSymbol(token);
  }

  #fail(message: string): never {
    throw new Error(`EDN at offset ${this.#pos}: ${message}`);
  }
}

function toSafeInteger(token: string, tooLarge: () => never): number {
  const n = Number(token);
  return Number.isSafeInteger(n) ? n : tooLarge();
}

/** A map's value by keyword name. */
export function field(map: EdnMap, name: string): EdnValue | undefined {
  return map.get(name);
}

export function isKeyword(value: EdnValue | undefined, name?: string): value is Keyword {
  return value instanceof Keyword && (name === undefined || value.name === name);
}
