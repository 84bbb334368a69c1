import type { ChildProcess } from 'node:child_process';

/**
 * Resolves with the first group of `pattern`'s first match in a child's stdout (a
 * "listening on …" line: an event, not a sleep); rejects, with what it
 * printed, if the child exits first.
 */
export function waitForOutput(child: ChildProcess, pattern: RegExp, what: string): Promise<string> {
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = pattern.exec(out);
      if (match) resolve(match[1] ?? match[0]);
    });
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`${what} exited early with ${code}: ${out}`)));
  });
}
