/**
 * A native relay (nginx, HAProxy) run by the gateway bench: found on the
 * machine, never installed; started in the foreground on a free 127.0.0.1
 * port with a config generated into a temporary directory; its CPU time read
 * from /proc over its whole process tree; stopped with its whole tree at the
 * end of the run, on an error, and when the harness exits or is interrupted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { delimiter, join } from 'node:path';
import { processTree, processTreeCpuMicros } from './process-tree-cpu.js';

/** A running native relay. */
export interface NativeRelay {
  readonly name: string;
  /** Origin the relay listens on (`http://127.0.0.1:<port>`). */
  readonly origin: string;
  /** CPU time its process tree has used so far, µs. */
  cpuMicros(): Promise<number>;
  /** Stops the tree: SIGTERM, SIGKILL after 5 s, then SIGKILL to anything of the tree left. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/** Where Debian puts daemons (/usr/sbin is not on a normal user's PATH). */
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

/** The executable `name` on PATH or in the sbin directories, or undefined. */
export async function findBinary(name: string): Promise<string | undefined> {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Pids of every relay tree still running, killed synchronously if the harness leaves without stopping them. */
const live = new Map<number, () => number[]>();
let hooked = false;

function killAllNow(): void {
  for (const [root, members] of live) {
    for (const pid of [root, ...members()]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  killAllNow();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  hooked = false;
  // Leave the way the signal would have made us leave.
  process.kill(process.pid, signal);
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAllNow);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function unhookIfIdle(): void {
  if (!hooked || live.size > 0) return;
  process.off('exit', killAllNow);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  hooked = false;
}

/**
 * Runs `binary args` in the foreground and waits until `port` accepts
 * connections. Output goes to the harness's stderr, prefixed; a relay that
 * exits before listening rejects with its last output.
 */
export async function startNativeRelay({ name, binary, args, port }: { name: string; binary: string; args: readonly string[]; port: number }): Promise<NativeRelay> {
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) => reject(new Error(`${name} (${binary}) did not start: ${err.message}`)));
  });
  child.on('error', () => {}); // a kill of a process already gone; its 'exit' says the rest
  const root = child.pid!;
  // Workers forked later are found at stop time; this list is what the exit hook can still reach synchronously.
  let members: number[] = [];
  live.set(root, () => members);
  hookExit();
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let running = true;
  let exitStatus = '';
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      exitStatus = signal === null ? `exit code ${String(code)}` : `signal ${signal}`;
      resolve();
    });
  });

  const stop = async (): Promise<void> => {
    if (running) {
      members = await processTree(root).catch(() => members);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    for (const pid of members) {
      try {
        process.kill(pid, 'SIGKILL'); // a worker its master did not take down
      } catch {
        // gone, as it should be
      }
    }
    live.delete(root);
    unhookIfIdle();
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await connects(port))) {
    if (!running || Date.now() > deadline) {
      const why = running ? `within ${READY_TIMEOUT_MS} ms` : `(${exitStatus})`;
      await stop();
      await closed; // its last output, which can arrive after 'exit'
      throw new Error(`${name} did not start listening on 127.0.0.1:${port} ${why}: ${output.trim() || '(no output)'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  members = await processTree(root);
  return {
    name,
    origin: `http://127.0.0.1:${port}`,
    cpuMicros: () => processTreeCpuMicros(root),
    stop,
  };
}
