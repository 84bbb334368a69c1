import type { ChildProcess } from 'node:child_process';

/**
 * Resolves with `child`'s next IPC message of one of `types`; rejects if the
 * child exits first or sends none of them within `timeoutMs`. `who` names
 * the child in those errors. What every bench harness awaits of the process
 * it forked (a target, an orchestrator bench role).
 */
export function nextChildMessage<M extends { type: string }, T extends M['type']>(child: ChildProcess, types: readonly T[], timeoutMs: number, who: string): Promise<Extract<M, { type: T }>> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: M): void => {
      if (!(types as readonly string[]).includes(message.type)) return;
      cleanup();
      resolve(message as Extract<M, { type: T }>);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup();
      reject(new Error(`${who} exited (code ${code ?? 'none'}, signal ${signal ?? 'none'}) before answering ${types.join('/')}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${who} did not answer ${types.join('/')} within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}
