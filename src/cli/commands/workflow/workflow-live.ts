/**
 * What `workflow run` and `workflow resume` share: send the message that
 * starts a run over SendStreamingMessage and follow it with the progress view
 * that suits stderr, a terminal prompt for questions when there is a person
 * at the keyboard, and Ctrl-C wired to CancelTask.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Message, SendMessageRequest } from '@a2a-js/sdk';
import type { CliContext } from '../../io/cli-io.js';
import { followRun, type AskUser } from './workflow-follow.js';
import { runWorkflowCommand, type WorkflowConnectionFlags } from './workflow-options.js';
import { createProgressView, isInteractive } from './workflow-progress-view.js';
import type { RunProgress } from './workflow-progress.js';

/** Flags of the commands that follow a run. */
export interface LiveRunFlags extends WorkflowConnectionFlags {
  answer?: string[];
}

/** Sends `message` to the orchestrator and follows the run it starts; records the exit code. */
export async function startAndFollow(ctx: CliContext, flags: LiveRunFlags, message: Message, progress: RunProgress, onRun?: (runId: string) => void): Promise<void> {
  const request: SendMessageRequest = { tenant: '', message, configuration: undefined, metadata: undefined };
  await runWorkflowCommand(ctx, flags, async ({ client }, output, where) => {
    const stderr = ctx.io.stderr as typeof ctx.io.stderr & { columns?: number };
    const view = createProgressView({ sink: stderr, progress, live: isInteractive(stderr, ctx.io.env), width: () => stderr.columns });
    const ask = terminalAsk(ctx);
    return followRun(ctx, client.sendMessageStream(request), {
      client,
      view,
      json: output.json,
      agentUrl: where.url,
      locator: where.locator,
      answers: [...(flags.answer ?? [])],
      ...(ask !== undefined && { ask }),
      onInterrupt,
      ...(onRun !== undefined && { onRun }),
    });
  });
}

/** Ctrl-C once cancels the run; the handler is gone after it, so Ctrl-C twice leaves at once (Node's default). */
function onInterrupt(handler: () => void): () => void {
  process.once('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

/**
 * A readline prompt on stderr when both stdin and stderr are terminals;
 * otherwise nobody can answer and the run's question is printed with the
 * command that answers it.
 */
function terminalAsk(ctx: CliContext): AskUser | undefined {
  const stdin = ctx.io.stdin as (Readable & { isTTY?: boolean }) | undefined;
  if (stdin?.isTTY !== true || typeof stdin.on !== 'function' || !isInteractive(ctx.io.stderr, ctx.io.env)) return undefined;
  const output = ctx.io.stderr as NodeJS.WritableStream;
  return (question) =>
    new Promise((resolve) => {
      const rl = createInterface({ input: stdin, output, terminal: true });
      let settled = false;
      const done = (value: string | undefined | null) => {
        if (settled) return;
        settled = true;
        rl.close();
        resolve(value);
      };
      // In raw mode Ctrl-C reaches readline, not the process: it means "cancel the run".
      rl.once('SIGINT', () => done(null));
      rl.once('close', () => done(undefined));
      // An empty line is a slip of the Enter key, not an answer: ask again.
      const ask = (prompt: string) => rl.question(prompt, (answer) => (answer.trim() === '' ? ask('> ') : done(answer)));
      ask(`${question}\n> `);
    });
}
