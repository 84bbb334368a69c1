/**
 * CPU time of a native process and everything it forked (nginx's master and
 * its worker), read from /proc: user + system time of all threads, the same
 * figure `process.cpuUsage()` gives for the Node children of the bench.
 */
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc's times (`getconf CLK_TCK`, 100 on Linux almost everywhere). */
function clockTicksPerSecond(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

let ticksPerSecond: number | undefined;

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, clock ticks. */
  ticks: number;
}

/** Parses /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses, so fields are counted after the last ')'. */
function parseStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const pid = Number(text.slice(0, text.indexOf(' ')));
  // After ')': state(3) ppid(4) ... utime(14) stime(15); index 0 here is field 3.
  const fields = text.slice(close + 2).split(' ');
  const ppid = Number(fields[1]);
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(pid) && Number.isFinite(ppid) && Number.isFinite(ticks) ? { pid, ppid, ticks } : undefined;
}

async function readStat(pid: string): Promise<ProcStat | undefined> {
  try {
    return parseStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined; // the process ended between readdir and read
  }
}

/** Every live process on the machine, by pid. */
async function allProcesses(): Promise<ProcStat[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const stats = await Promise.all(pids.map(readStat));
  return stats.filter((stat): stat is ProcStat => stat !== undefined);
}

/** `root` and its live descendants, as /proc shows them now (empty when `root` is gone). */
async function tree(root: number): Promise<ProcStat[]> {
  const byParent = new Map<number, ProcStat[]>();
  let rootStat: ProcStat | undefined;
  for (const stat of await allProcesses()) {
    if (stat.pid === root) rootStat = stat;
    const list = byParent.get(stat.ppid);
    if (list) list.push(stat);
    else byParent.set(stat.ppid, [stat]);
  }
  const found: ProcStat[] = [];
  const pending = rootStat ? [rootStat] : [];
  while (pending.length > 0) {
    const stat = pending.pop()!;
    found.push(stat);
    pending.push(...(byParent.get(stat.pid) ?? []));
  }
  return found;
}

/** The pids of `root` and its live descendants. */
export async function processTree(root: number): Promise<number[]> {
  return (await tree(root)).map((stat) => stat.pid);
}

/** CPU time (user + system, all threads) used so far by `root` and its live descendants, µs. */
export async function processTreeCpuMicros(root: number): Promise<number> {
  ticksPerSecond ??= clockTicksPerSecond();
  const stats = await tree(root);
  if (stats.length === 0) throw new Error(`process ${root} is gone`);
  const ticks = stats.reduce((sum, stat) => sum + stat.ticks, 0);
  return (ticks * 1_000_000) / ticksPerSecond;
}

/**
 * CPU time (user + system, all threads) used so far by each of `pids` still
 * alive, µs; a pid that ended is left out (e.g. a PostgreSQL backend whose
 * connection closed).
 */
export async function processesCpuMicros(pids: readonly number[]): Promise<Map<number, number>> {
  ticksPerSecond ??= clockTicksPerSecond();
  const perTick = 1_000_000 / ticksPerSecond;
  const stats = await Promise.all(pids.map((pid) => readStat(String(pid))));
  const cpu = new Map<number, number>();
  for (const stat of stats) if (stat !== undefined) cpu.set(stat.pid, stat.ticks * perTick);
  return cpu;
}
