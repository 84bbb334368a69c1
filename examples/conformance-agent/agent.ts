import { defineAgent, type SkillContext } from 'agentmesh';

/**
 * The agent the official A2A conformance suite (a2a-tck) runs against.
 *
 * The suite tells its agent under test what to do by the `messageId` prefix of
 * the message it sends (its `scenarios/*.feature`); this agent maps each
 * prefix to what the scenario asks, using only agentmesh's public API.
 * Everything else the suite checks (errors, ids, history, streaming, push
 * configs, versions) is the runtime's, not this file's. How to run the suite
 * against it: docs/conformance.md.
 */

/** How long the resubscription scenario keeps its task working: twice the suite's 2 s streaming timeout. */
const RESUBSCRIBE_HOLD_MS = 4_000;

/** The three bytes the suite's own agents put in a file part, base64 as `raw` is on the wire (A2A §4.1.6). */
const FILE_BYTES = Buffer.from('tck').toString('base64');

type Scenario = (ctx: SkillContext) => unknown;

/**
 * Runs the scenario the prefix of `messageId` names. A follow-up message on
 * a task that asked for input is dispatched the same way, by its own prefix
 * (the suite's multi-turn tests send `tck-input-required` to be asked again,
 * `tck-complete-task` to finish).
 */
function handle(ctx: SkillContext, messageId: string): unknown {
  for (const [prefix, run] of SCENARIOS) {
    if (messageId.startsWith(prefix)) return run(ctx);
  }
  return `Unhandled messageId prefix: ${messageId}`;
}

/**
 * Prefix to behaviour, most specific first: `tck-artifact-file-url` must be
 * matched before `tck-artifact-file`, `tck-stream-artifact-*` before nothing
 * shorter, as the suite's reference agents order them.
 */
const SCENARIOS: ReadonlyArray<readonly [prefix: string, run: Scenario]> = [
  ['tck-stream-artifact-chunked', (ctx) => {
    ctx.progress('Working');
    const artifactId = ctx.artifact({ name: 'chunked', parts: [{ text: 'chunk-1 ' }] });
    ctx.artifact({ artifactId, name: 'chunked', parts: [{ text: 'chunk-2' }], append: true, lastChunk: true });
    return undefined;
  }],
  ['test-resubscribe-message-id', async (ctx) => {
    ctx.progress('Working');
    await holdFor(RESUBSCRIBE_HOLD_MS, ctx.signal);
    return undefined;
  }],
  ['tck-stream-artifact-text', (ctx) => streamed(ctx, { text: 'Streamed text content' })],
  ['tck-stream-artifact-file', (ctx) => streamed(ctx, { raw: FILE_BYTES, mediaType: 'text/plain', filename: 'output.txt' })],
  ['tck-stream-ordering-001', (ctx) => streamed(ctx, { text: 'Ordered output' })],
  ['tck-artifact-file-url', (ctx) => {
    ctx.artifact({ name: 'output', parts: [{ url: 'https://example.com/output.txt', mediaType: 'text/plain', filename: 'output.txt' }] });
    return undefined;
  }],
  // A2A §3.1.1: the answer is a Message, and no task is created.
  ['tck-message-response', (ctx) => ctx.reply('Direct message response')],
  ['tck-input-required', async (ctx) => {
    const next = await ctx.requestInput('Input required');
    return handle(ctx, next.messageId);
  }],
  ['tck-complete-task', () => 'Hello from TCK'],
  ['tck-artifact-text', (ctx) => {
    ctx.artifact({ name: 'output', parts: [{ text: 'Generated text content' }] });
    return undefined;
  }],
  ['tck-artifact-file', (ctx) => {
    ctx.artifact({ name: 'output', parts: [{ raw: FILE_BYTES, mediaType: 'text/plain', filename: 'output.txt' }] });
    return undefined;
  }],
  ['tck-artifact-data', (ctx) => {
    ctx.artifact({ name: 'output', parts: [{ data: { key: 'value', count: 42 } }] });
    return undefined;
  }],
  // A2A §4.1.3: the agent declines the task, which ends REJECTED.
  ['tck-reject-task', (ctx) => ctx.reject('rejected')],
  ['tck-stream-001', (ctx) => streamed(ctx, { text: 'Stream hello from TCK' })],
  ['tck-stream-002', () => undefined],
  ['tck-stream-003', (ctx) => streamed(ctx, { text: 'Stream task lifecycle' })],
];

/** working, one artifact, then completed (the handler's return). */
function streamed(ctx: SkillContext, part: Parameters<SkillContext['artifact']>[0]['parts'][number]): undefined {
  ctx.progress('Working');
  ctx.artifact({ name: 'output', parts: [part] });
  return undefined;
}

function holdFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}

export default defineAgent({
  card: {
    name: 'tck',
    description: 'Agent under test for the A2A conformance suite: behaves as the messageId prefix of each message asks.',
    version: '1.0.0',
  },
  skills: {
    tck: {
      name: 'TCK Conformance',
      description: 'Handles the conformance suite messages, one behaviour per messageId prefix.',
      tags: ['tck'],
      // tck-message-response answers with a Message and no task.
      messageReplies: true,
      handler: async (_text: unknown, ctx) => handle(ctx, ctx.message.messageId),
    },
  },
  // A price in the registry record, which only a gateway reads: run through one
  // (`conformance.mjs run --through-gateway`), each task the suite starts
  // reserves and settles a credit of its tenant, as a priced agent's would.
  registry: { skills: { tck: { pricing: { creditsPerCall: 1 } } } },
});
