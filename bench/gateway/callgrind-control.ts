/**
 * Counting a live process's instructions with callgrind: zero its counters
 * (`-z`) after a warm-up, dump them (`-d`) after the calls, read the dump's
 * total. Shared by the benches that count instructions a call.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Runs `callgrind_control -z|-d <pid>`: zero the counters, or dump them. */
export function callgrindControl(pid: number, flag: '-z' | '-d'): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn('callgrind_control', [flag, String(pid)], { stdio: 'ignore' });
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`callgrind_control ${flag} exited ${code}`))));
  });
}

/** The newest dump of `prefix` in `dir` (callgrind names them `<prefix>.<n>`). */
export async function lastDumpFile(dir: string, prefix: string): Promise<string> {
  const files = (await readdir(dir)).filter((f) => f.startsWith(`${prefix}.`)).sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
  const file = files.at(-1);
  if (file === undefined) throw new Error('callgrind wrote no dump');
  return join(dir, file);
}

/** The `totals:` (or `summary:`) instruction count of the newest dump of `prefix`. */
export async function lastDumpTotal(dir: string, prefix: string): Promise<number> {
  const file = await lastDumpFile(dir, prefix);
  const text = await readFile(file, 'utf8');
  const line = text.split('\n').find((l) => l.startsWith('totals:')) ?? text.split('\n').find((l) => l.startsWith('summary:'));
  if (line === undefined) throw new Error(`no totals in ${file}`);
  return Number(line.split(/\s+/)[1]);
}
