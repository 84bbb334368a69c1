/**
 * `agentmesh serve gateway` as a child process (a replica another test
 * process can kill with SIGKILL), run from the sources with tsx.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** `agentmesh serve gateway` as a child process; resolves when it says it listens. */
export async function startChildGateway(env: Record<string, string>, port: number, dataDir: string): Promise<{ child: ChildProcess; url: string; close(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'serve', 'gateway', '--port', String(port), '--data-dir', dataDir], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (/gateway listening on /.test(out)) resolve();
      });
      child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`serve gateway exited early with ${code}: ${out}`)));
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
