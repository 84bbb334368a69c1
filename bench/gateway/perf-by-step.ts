/**
 * Where a gateway's CPU goes, by thread and by step of the call, from `perf`
 * samples of CPU time (not V8's profiler, whose samples follow wall time and
 * see the main thread only): `instructions-per-call.js --cpu --perf <dir>
 * --front-node-args=--perf-basic-prof` records each gateway over the measured
 * calls; then
 *
 *   node dist/bench/gateway/perf-by-step.js <dir>/sqlite.perf.data --calls 20000 [--top 20]
 *
 * prints µs of CPU per call for each row: the main thread split into the
 * same steps as cpu-by-step.ts (the first step found walking up a sample's
 * stack from the leaf, Node's own HTTP and socket code staying Node's),
 * plus what has no JavaScript on its stack (the event loop's `epoll`, V8's
 * garbage collector and compiler on the main thread); the other threads by
 * name and by what they run (V8's workers: garbage collection or
 * optimizing compiles). `--top N` lists the N JavaScript functions of the
 * main thread with the most CPU below them (inclusive), for what the steps
 * do not say. `--within <text>` lists, for the main thread's samples whose
 * step contains the text (`--within credits`), the CPU by the frame they
 * were in (the leaf: a native symbol or a JavaScript function) and by the
 * nearest JavaScript function: what a step's microseconds are made of.
 * Needs `perf` and the `/tmp/perf-<pid>.map` files that
 * `--perf-basic-prof` writes (JavaScript frames are otherwise unnamed).
 *
 * The map only grows: V8 appends a line per compiled function and never says
 * when code is collected, so after a long warm-up an address is often named by
 * several lines, the first of them code long gone (baseline code of a
 * start-up function, say, where the steady state's optimized code of another
 * now sits). perf takes the first line; this script names such a frame by the
 * last line that covers its address (the code there when the map ended),
 * which is the code that ran in a steady-state window.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { stepOf, type CallFrame } from './call-steps.js';

/** A sample's stack, leaf first: native symbols as perf names them, JavaScript frames parsed. */
interface Sample {
  thread: string;
  ns: number;
  symbols: string[];
}

const GC = /Heap::|Scavenge|MarkCompact|ConcurrentMarking|Sweeper|MinorMark|Evacuat|IncrementalMarking|GCTracer|MemoryAllocator|MarkingVisitor/;
// V8's parser only: Node's HTTP parser (`node::http_parser::Parser`, llhttp) is the HTTP work it is named for.
const COMPILE = /Compiler::|compiler::|[Mm]aglev|turboshaft|Turbofan|OptimizingCompile|baseline::|v8::internal::Parser|interpreter::BytecodeGenerator/;
/** `JS:*'name url:line:column`, the url a path for CommonJS (the tier mark and quote are optional; the name may be empty). */
const JS_FRAME = /^JS:[*^+~]?'?(.*?) ?((?:node:|file:|wasm-|\/)\S*?):(\d+):(\d+)$/;

function jsFrame(symbol: string): CallFrame | undefined {
  const m = JS_FRAME.exec(symbol);
  if (m === null) return undefined;
  return { functionName: m[1] ?? '', url: m[2] ?? '', lineNumber: Number(m[3]) - 1 };
}

/** The main thread's row for a sample. */
function mainRow(symbols: string[]): string {
  const frames: CallFrame[] = [];
  for (const symbol of symbols) {
    // Native work below the first JavaScript frame: the collector and the compiler are named for what they are.
    if (frames.length === 0 && GC.test(symbol)) return 'GC (main thread)';
    if (frames.length === 0 && COMPILE.test(symbol)) return 'V8 compiler (main thread)';
    const frame = jsFrame(symbol);
    if (frame !== undefined) frames.push(frame);
  }
  if (frames.length > 0) return stepOf(frames);
  if (symbols.some((s) => /epoll/.test(s))) return 'event loop: epoll_pwait (no JavaScript on the stack)';
  return 'native, no JavaScript on the stack (libuv reads, timers, V8 tasks)';
}

function otherRow(thread: string, symbols: string[]): string {
  if (symbols.some((s) => GC.test(s))) return `${thread}: garbage collection`;
  if (symbols.some((s) => COMPILE.test(s))) return `${thread}: compiling (optimizing tiers)`;
  return `${thread}: other`;
}

/** A process's JIT map as disjoint ranges, each named by the last map line that covers it (see the header). */
interface CodeRanges {
  starts: number[];
  ends: number[];
  names: string[];
}

function codeRanges(pid: string): CodeRanges | undefined {
  const file = `/tmp/perf-${pid}.map`;
  if (!existsSync(file)) return undefined;
  // Painted in the map's order: a later line overwrites what it overlaps. Kept sorted by start.
  const ranges: { start: number; end: number; name: string }[] = [];
  const firstEndingAfter = (at: number): number => {
    let lo = 0;
    let hi = ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ranges[mid]!.end <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (m === null) continue;
    const start = parseInt(m[1]!, 16);
    const end = start + parseInt(m[2]!, 16);
    if (end <= start) continue;
    const name = m[3]!;
    const i = firstEndingAfter(start);
    const replaced: { start: number; end: number; name: string }[] = [];
    let j = i;
    for (; j < ranges.length && ranges[j]!.start < end; j++) {
      const r = ranges[j]!;
      if (r.start < start) replaced.push({ start: r.start, end: start, name: r.name });
      if (r.end > end) replaced.push({ start: end, end: r.end, name: r.name });
    }
    const pieces = [...replaced.filter((r) => r.end <= start), { start, end, name }, ...replaced.filter((r) => r.start >= end)];
    ranges.splice(i, j - i, ...pieces);
  }
  return { starts: ranges.map((r) => r.start), ends: ranges.map((r) => r.end), names: ranges.map((r) => r.name) };
}

function nameAt(ranges: CodeRanges, ip: number): string | undefined {
  let lo = 0;
  let hi = ranges.starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ranges.ends[mid]! <= ip) lo = mid + 1;
    else hi = mid;
  }
  return lo < ranges.starts.length && ranges.starts[lo]! <= ip ? ranges.names[lo] : undefined;
}

async function* samples(file: string): AsyncGenerator<Sample> {
  const perf = spawn('perf', ['script', '-i', file, '-F', 'comm,pid,tid,period,ip,sym'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let current: Sample | undefined;
  let mainTid: string | undefined;
  const maps = new Map<string, CodeRanges | undefined>();
  let ranges: CodeRanges | undefined;
  for await (const line of createInterface({ input: perf.stdout! })) {
    if (line.trim() === '') {
      if (current !== undefined) yield current;
      current = undefined;
      continue;
    }
    if (!line.startsWith('\t') && !line.startsWith(' ')) {
      const [comm, pidTid, period] = line.trim().split(/\s+/);
      const [pid, tid] = (pidTid ?? '').split('/');
      if (pid !== undefined && !maps.has(pid)) maps.set(pid, codeRanges(pid));
      ranges = pid === undefined ? undefined : maps.get(pid);
      // The first sample of the comm `node`/`MainThread` names the main thread; the rest go by their comm.
      const isMain = comm === 'MainThread' || comm === 'node';
      if (isMain) mainTid ??= tid;
      current = { thread: isMain && tid === mainTid ? 'main' : (comm ?? '?'), ns: Number(period), symbols: [] };
      continue;
    }
    const m = /^([0-9a-f]+) (.*)$/.exec(line.trim());
    const ip = m === null ? Number.NaN : parseInt(m[1]!, 16);
    const perfName = m === null ? line.trim() : m[2]!;
    // JIT code (named from the map, or not at all): named again by the newest line covering it.
    const jitName = ranges !== undefined && (perfName === '[unknown]' || /^(JS|Eval|Function|Script|RegExp|Builtin|Handler|Stub|BytecodeHandler)[:.]/.test(perfName)) ? nameAt(ranges, ip) : undefined;
    current?.symbols.push(jitName ?? perfName);
  }
  if (current !== undefined) yield current;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { calls: { type: 'string' }, top: { type: 'string', default: '0' }, within: { type: 'string' } } });
  if (positionals.length !== 1 || values.calls === undefined) throw new Error('usage: perf-by-step <perf.data> --calls N [--top N]');
  const calls = Number(values.calls);
  const rows = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const withinLeaf = new Map<string, number>();
  const withinJs = new Map<string, number>();
  let withinTotal = 0;
  let total = 0;
  for await (const sample of samples(positionals[0]!)) {
    total += sample.ns;
    const row = sample.thread === 'main' ? `main: ${mainRow(sample.symbols)}` : otherRow(sample.thread, sample.symbols);
    rows.set(row, (rows.get(row) ?? 0) + sample.ns);
    if (sample.thread !== 'main') continue;
    if (values.within !== undefined && row.includes(values.within)) {
      withinTotal += sample.ns;
      const leaf = sample.symbols[0] ?? '?';
      const leafFrame = jsFrame(leaf);
      const leafName = leafFrame === undefined ? leaf : frameName(leafFrame);
      withinLeaf.set(leafName, (withinLeaf.get(leafName) ?? 0) + sample.ns);
      const nearest = sample.symbols.map(jsFrame).find((f) => f !== undefined);
      const jsName = nearest === undefined ? '(no JavaScript frame)' : frameName(nearest);
      withinJs.set(jsName, (withinJs.get(jsName) ?? 0) + sample.ns);
    }
    // Each JavaScript function once per sample (recursion counted once).
    const seen = new Set<string>();
    for (const symbol of sample.symbols) {
      const f = jsFrame(symbol);
      if (f === undefined) continue;
      const name = frameName(f);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + sample.ns);
    }
  }
  const us = (ns: number) => (ns / 1000 / calls).toFixed(1);
  const out = [`${us(total)} µs of CPU per call in the samples (${calls} calls)`, '', '| thread: step | µs per call | share |', '| --- | ---: | ---: |'];
  for (const [row, ns] of [...rows].sort((a, b) => b[1] - a[1])) out.push(`| ${row} | ${us(ns)} | ${((ns / total) * 100).toFixed(1)} % |`);
  const top = Number(values.top);
  if (top > 0) {
    out.push('', '| main thread, JavaScript function (inclusive) | µs per call |', '| --- | ---: |');
    for (const [name, ns] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) out.push(`| ${name} | ${us(ns)} |`);
  }
  if (values.within !== undefined) {
    for (const [title, map] of [
      ['leaf frame', withinLeaf],
      ['nearest JavaScript function', withinJs],
    ] as const) {
      out.push('', `| main: steps with "${values.within}" (${us(withinTotal)} µs), by ${title} | µs per call |`, '| --- | ---: |');
      for (const [name, ns] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top > 0 ? top : 30)) out.push(`| ${name} | ${us(ns)} |`);
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

function frameName(f: CallFrame): string {
  return `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(src|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
}

await main();
