import { spawn, type ChildProcess } from 'node:child_process';
import { stopChild } from './child-output.js';

/**
 * A throwaway `redis-server` (no persistence) on `port` (freePort()), for a test that pauses, flushes
 * or restarts its Redis, which the suite's shared one must never be; resolves once it accepts
 * connections. Stop it with `stopChild(server)` (SIGKILL: a crash), then start it again on the same port.
 */
export async function startRedisServer(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (/Ready to accept connections/i.test(out)) resolve();
      });
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`redis-server exited early with ${code}: ${out}`)));
    });
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return child;
}
