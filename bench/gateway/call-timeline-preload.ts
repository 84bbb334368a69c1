/**
 * Loaded into a bench child with `--import` (lone-call.ts `--timeline`): it
 * records, for each call one at a time, when the child saw each step of it
 * (the request's headers parsed, the upstream request created, its headers
 * and body sent, the upstream's answer headers and end, the response
 * finished) and how long the event loop sat idle between two steps. A gap
 * with idle time is a wait (the peer, a timer, a turn), one without is CPU.
 * The steps come from diagnostics channels, so the code measured is not
 * changed; a mark put in the code by hand, `globalThis.__lat?.(name)`, is
 * a step too. On SIGUSR2 the child writes, per pair of successive steps, the
 * median gap, the median idle time within it and the median CPU time the
 * child used within it (`process.cpuUsage()`, all its threads: Linux counts
 * a process's time to the microsecond, a thread's only per tick; what the
 * child itself ran, without the time the kernel gave another process while
 * the child waited for a core, so it moves less with the host's load) to
 * `<BENCH_TIMELINE_DIR>/<pid>.json`, and starts over.
 *
 * `ServerResponse#end` is wrapped to mark two more steps, the response's
 * `end` called and returned: a body held whole is written (one `writev`)
 * within that call, so "response written" is when the client's bytes left,
 * and what the child does after it in the same turn, before Node emits
 * `finish`, is off the answer's path.
 */
import { subscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const dir = process.env['BENCH_TIMELINE_DIR'];
const STEPS: Array<[string, string]> = [
  ['http.server.request.start', 'request in'],
  ['undici:request:create', 'upstream created'],
  ['undici:client:sendHeaders', 'upstream headers sent'],
  ['undici:request:bodySent', 'upstream body sent'],
  ['undici:request:headers', 'upstream answer headers'],
  ['undici:request:trailers', 'upstream answer end'],
  ['http.server.response.finish', 'response finished'],
];

/** The current call's steps: [name, time ms, loop idle ms so far, CPU ms so far]. */
let current: Array<[string, number, number, number]> = [];
/** Per "from → to": gaps, idle and CPU times, ms. */
let gaps = new Map<string, { gap: number[]; idle: number[]; cpu: number[] }>();
let calls = 0;

function idleSoFar(): number {
  return performance.eventLoopUtilization().idle;
}

function cpuSoFar(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function mark(step: string): void {
  current.push([step, performance.now(), idleSoFar(), cpuSoFar()]);
}

function close(): void {
  for (let i = 1; i < current.length; i++) {
    const [from, t0, i0, c0] = current[i - 1]!;
    const [to, t1, i1, c1] = current[i]!;
    const key = `${String(i).padStart(2, '0')} ${from} → ${to}`;
    let entry = gaps.get(key);
    if (entry === undefined) gaps.set(key, (entry = { gap: [], idle: [], cpu: [] }));
    entry.gap.push(t1 - t0);
    entry.idle.push(i1 - i0);
    entry.cpu.push(c1 - c0);
  }
  if (current.length > 1) calls++;
  current = [];
}

if (dir !== undefined) {
  for (const [channel, step] of STEPS) {
    subscribe(channel, () => {
      // A new call begins at its request's headers; anything before belongs to the last one.
      if (step === 'request in') {
        const last = current.at(-1);
        close();
        // From the last step of the call before: what the child did after it answered, while the next call waited.
        if (last !== undefined) current.push([`after ${last[0]}`, last[1], last[2], last[3]]);
      }
      mark(step);
    });
  }
  const end = ServerResponse.prototype.end;
  ServerResponse.prototype.end = function (this: ServerResponse, ...args: unknown[]) {
    mark('response end');
    const returned = (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    mark('response written');
    return returned;
  } as typeof end;
  // Marks placed by hand in the code measured (`globalThis.__lat?.('name')`) join the steps.
  (globalThis as { __lat?: (step: string) => void }).__lat = mark;
  process.on('SIGUSR2', () => {
    close();
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;
    // Only the shapes seen in most calls: a background request (a registry poll) makes its own.
    const out = [...gaps].filter(([, e]) => e.gap.length >= calls / 2).sort(([a], [b]) => a.localeCompare(b)).map(([key, e]) => ({ step: key.slice(3), count: e.gap.length, gapMs: median(e.gap), idleMs: median(e.idle), cpuMs: median(e.cpu) }));
    writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify({ pid: process.pid, calls, steps: out }));
    gaps = new Map();
    calls = 0;
  });
}
