/**
 * Reading a Markdown page the way the README tour test runs it: its
 * sections, their fenced blocks, the commands of a shell block, and whether
 * what a command printed is what a sample block shows.
 *
 * A sample is compared line for line with what was printed, after the
 * values that differ on every run are put in their place (see
 * {@link sampleMatcher}):
 * - a line that is only `…` stands for any number of lines, none included;
 * - `…` inside a line stands for any text;
 * - a demo client id or secret, a 64-digit hex hash, a UUID, an ISO time and
 *   `ready in 2.6 s` stand for any value of that shape (whole: a secret cut
 *   short is not of its shape, and fails).
 */

/** One fenced block: its info string (`sh`, or empty for output) and its text. */
export interface Fence {
  lang: string;
  text: string;
}

/** The text of the section under the `## <title>` heading, up to the next `## `. */
export function section(markdown: string, title: string, level = 2): string {
  const hashes = '#'.repeat(level);
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line === `${hashes} ${title}`);
  if (start < 0) throw new Error(`no "${hashes} ${title}" section`);
  const heading = new RegExp(`^#{1,${level}} `);
  const end = lines.findIndex((line, i) => i > start && heading.test(line));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** The fenced blocks of `markdown`, in order. */
export function fences(markdown: string): Fence[] {
  const out: Fence[] = [];
  const re = /^```([^\n`]*)\n([\s\S]*?)^```$/gm;
  for (const match of markdown.matchAll(re)) out.push({ lang: match[1]!.trim(), text: match[2]!.replace(/\n$/, '') });
  return out;
}

/** A command of a shell block, and the output its `# → …` comment says it prints. */
export interface ShellCommand {
  command: string;
  /** The text after `# → `, when the line has one. */
  expects?: string;
}

/**
 * The commands of a shell block: continuation lines (`\` at the end) joined,
 * blank and comment-only lines dropped, a trailing `# …` comment taken off
 * (a `# → …` one kept as what the command prints). A `#` inside quotes is
 * not a comment.
 */
export function shellCommands(block: string): ShellCommand[] {
  const joined = block.replace(/\\\n\s*/g, '');
  const out: ShellCommand[] = [];
  for (const raw of joined.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const hash = commentStart(line);
    const command = (hash < 0 ? line : line.slice(0, hash)).trim();
    const comment = hash < 0 ? '' : line.slice(hash + 1).trim();
    out.push(comment.startsWith('→ ') ? { command, expects: comment.slice(2) } : { command });
  }
  return out;
}

/** Where a line's comment starts: a `#` after whitespace, outside single and double quotes; -1 when none. */
function commentStart(line: string): number {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && i > 0 && /\s/.test(line[i - 1]!)) return i;
  }
  return -1;
}

/** Shapes of values that differ on every run, each as the sample shows one and as any value of it matches. */
const VARYING: ReadonlyArray<[RegExp, string]> = [
  [/\bamcs_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g, 'amcs_[A-Za-z0-9_-]{43}'],
  [/\bamc_[a-z0-9]{20}(?![a-z0-9])/g, 'amc_[a-z0-9]{20}'],
  [/\b[0-9a-f]{64}\b/g, '[0-9a-f]{64}'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'],
  [/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g, '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?Z'],
  [/ready in \d+(?:\.\d+)? s/g, 'ready in \\d+(?:\\.\\d+)? s'],
];

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A sample line as a regular expression over a printed line (the whole line). */
export function lineMatcher(sample: string): RegExp {
  // Cut the line at each varying value and each `…`; escape the literal text between.
  const marks: Array<{ at: number; end: number; pattern: string }> = [];
  for (const [shape, pattern] of VARYING) for (const m of sample.matchAll(shape)) marks.push({ at: m.index, end: m.index + m[0].length, pattern });
  for (const m of sample.matchAll(/…/g)) marks.push({ at: m.index, end: m.index + 1, pattern: '.*?' });
  marks.sort((a, b) => a.at - b.at);
  let out = '';
  let at = 0;
  for (const mark of marks) {
    if (mark.at < at) continue;
    out += escape(sample.slice(at, mark.at)) + mark.pattern;
    at = mark.end;
  }
  return new RegExp(`^${out}${escape(sample.slice(at))}$`);
}

/**
 * Whether the sample's lines are a run of the printed lines (anywhere in
 * them): each sample line matches its printed line, a `…` line any number of
 * printed lines. Returns undefined when it is, else the first sample line no
 * run gets past (for the failure message).
 */
export function sampleMismatch(sample: string, printed: string): string | undefined {
  const want = sample.split('\n');
  const have = printed.replace(/\n$/, '').split('\n');
  const matchers = want.map((line) => (line.trim() === '…' ? undefined : lineMatcher(line)));
  let furthest = 0;
  const from = (w: number, h: number): boolean => {
    furthest = Math.max(furthest, w);
    if (w === want.length) return true;
    const matcher = matchers[w];
    if (matcher === undefined) {
      for (let skip = h; skip <= have.length; skip++) if (from(w + 1, skip)) return true;
      return false;
    }
    return h < have.length && matcher.test(have[h]!) && from(w + 1, h + 1);
  };
  for (let start = 0; start <= have.length; start++) if (from(0, start)) return undefined;
  return want[Math.min(furthest, want.length - 1)];
}
