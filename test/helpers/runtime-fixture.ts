import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineAgent, type AgentDefinition, type Runtime, type RuntimeConfigInput, type SkillContext } from '../../src/runtime/index.js';
import type { Latches } from './latches.js';
import { createLogger, type Logger } from '../../src/observability/index.js';
import { createDatabase, type Database } from '../../src/storage/index.js';
import { memoryDestination } from './memory-log.js';
import { closeInTurn, directoryRemoval } from './close-in-turn.js';

/** Resolves when `signal` aborts: how a test handler holds until its task is canceled. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** A skill that reports `progress`, then holds until its task is canceled; `then` sees what it was sent once it is. */
export function holdUntilCanceled(skill: { description: string; progress: string; then?: (text: string, ctx: SkillContext) => void }) {
  return {
    description: skill.description,
    handler: async (text: string, ctx: SkillContext): Promise<void> => {
      ctx.progress(skill.progress);
      await untilAborted(ctx.signal);
      skill.then?.(text, ctx);
    },
  };
}

/**
 * An idempotent skill whose first attempt holds until its task is aborted (its process stops) and
 * whose later attempts answer `done: <text>`; each attempt reports `attempt <n>` as progress.
 * `attempts()` is how many attempts ran in this process.
 */
export function resumableAfterStop(description: string) {
  let attempts = 0;
  return {
    attempts: () => attempts,
    skill: {
      description,
      idempotent: true,
      handler: async (text: string, ctx: SkillContext): Promise<string> => {
        attempts++;
        ctx.progress(`attempt ${attempts}`);
        if (attempts === 1) await untilAborted(ctx.signal);
        return `done: ${text}`;
      },
    },
  };
}

/**
 * A skill that reports progress `one`, waits until the test opens `gates.get(<the text it got>)`,
 * then reports `two` and answers `stepped`.
 */
export function stepThroughGate(gates: Latches, description: string) {
  return {
    description,
    handler: async (text: string, ctx: SkillContext): Promise<string> => {
      ctx.progress('one');
      await gates.get(text).promise;
      ctx.progress('two');
      return 'stepped';
    },
  };
}

/** A skill that asks "What is your name?", then answers "Hello, <the text of the answer>". */
export function askNameThenGreet(description: string) {
  return {
    description,
    handler: async (_: string, ctx: SkillContext): Promise<string> => {
      const answer = await ctx.requestInput('What is your name?');
      const name = answer.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
      return `Hello, ${name}`;
    },
  };
}

/**
 * A skill that streams one artifact, `story`, in three chunks (`one `, `two `, `three`, the last
 * marked lastChunk); `then` runs after the last chunk (to report usage, say).
 */
export function storyInChunks(description: string, then?: (ctx: SkillContext) => void) {
  return {
    description,
    handler: async (_: string, ctx: SkillContext): Promise<void> => {
      const id = ctx.artifact({ name: 'story', parts: [{ text: 'one ' }] });
      ctx.artifact({ artifactId: id, append: true, parts: [{ text: 'two ' }] });
      ctx.artifact({ artifactId: id, append: true, lastChunk: true, parts: [{ text: 'three' }] });
      then?.(ctx);
    },
  };
}

/** A skill that always fails, saying the lead database is offline. */
export function leadDatabaseOffline(description: string) {
  return {
    description,
    handler: async (): Promise<never> => {
      throw new Error('the lead database is offline');
    },
  };
}

/**
 * The agent `waiter`: its one skill, `wait`, reports `waiting` and holds until its task is canceled.
 * `description` is the card's and the skill's; `registry` is its registry metadata (a price, say).
 */
export function waiterAgent(description: string, registry?: AgentDefinition['registry']): AgentDefinition {
  return defineAgent({
    card: { name: 'waiter', description },
    ...(registry !== undefined && { registry }),
    defaultSkill: 'wait',
    skills: { wait: holdUntilCanceled({ description, progress: 'waiting' }) },
  });
}

/** A small agent exercising every context feature, deterministic. */
export const testAgent: AgentDefinition = defineAgent({
  card: { name: 'tester', description: 'Test agent' },
  defaultSkill: 'echo',
  skills: {
    echo: {
      description: 'Echoes text as an artifact',
      handler: async (text: string, ctx) => {
        ctx.progress('echoing');
        ctx.artifact({ name: 'echo', parts: [{ text }] });
      },
    },
    chunks: storyInChunks('Streams an artifact in three chunks', (ctx) => ctx.usage({ credits: 3, units: { chunks: 3 } })),
    destructured: {
      description: 'Uses the context through destructuring',
      handler: async (text: string, { progress, artifact, usage, taskId }) => {
        progress('working on it');
        artifact({ name: 'echo', parts: [{ text: `${text} (${taskId.length})` }] });
        usage({ credits: 2 });
      },
    },
    sum: {
      description: 'Adds numbers',
      input: { type: 'object', required: ['numbers'], properties: { numbers: { type: 'array', items: { type: 'number' } } } },
      output: { type: 'object', required: ['sum'], properties: { sum: { type: 'number' } } },
      handler: async (input: { numbers: number[] }) => ({ sum: input.numbers.reduce((a, b) => a + b, 0) }),
    },
    hello: {
      description: 'Answers with a message and no task',
      messageReplies: true,
      handler: async (text: string, ctx) => ctx.reply(`Hello, ${text}`),
    },
    ask: askNameThenGreet('Asks a question, then answers'),
    wait: holdUntilCanceled({ description: 'Waits until canceled', progress: 'waiting' }),
    fail: leadDatabaseOffline('Always fails'),
    slow: {
      description: 'Times out',
      timeoutMs: 50,
      handler: async (_: string, ctx) => {
        await untilAborted(ctx.signal);
      },
    },
  },
});

/** Starts a runtime on port 0 in a temporary data directory. */
export async function startRuntime(
  agents: AgentDefinition[] = [testAgent],
  config: RuntimeConfigInput = {},
  options: { logger?: Logger } = {},
): Promise<{ runtime: Runtime; url: string; agents: Record<string, string>; dataDir: string; close: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-test-'));
  const runtime = await createRuntime({ agents, config: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', ...config }, ...(options.logger !== undefined && { logger: options.logger }) });
  const { url, agents: urls } = await runtime.listen();
  return {
    runtime,
    url,
    agents: urls,
    dataDir,
    close: () => closeInTurn(runtime, directoryRemoval(dataDir)),
  };
}

/**
 * Starts the test agent on port 0 over a SQLite database the test holds (to alter, or close under the
 * running runtime), logging at info into `log`; `close` closes the runtime, then the database.
 */
export async function startRuntimeOnDatabase(config: RuntimeConfigInput = {}): Promise<{ runtime: Runtime; url: string; database: Database; log: ReturnType<typeof memoryDestination>; close: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-test-'));
  const log = memoryDestination();
  const database = await createDatabase({ sqlitePath: join(dataDir, 'mesh.db') });
  const runtime = await createRuntime({ agents: [testAgent], database, logger: createLogger({ level: 'info', destination: log.stream }), config: { port: 0, host: '127.0.0.1', dataDir, ...config } });
  const { url } = await runtime.listen();
  return {
    runtime,
    url,
    database,
    log,
    close: async () => {
      // A test may have closed the database under the runtime: the runtime's last writes then fail.
      await runtime.close().catch(() => undefined);
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** POSTs a JSON-RPC request and returns the parsed body. */
export async function rpc(url: string, method: string, params: unknown, headers: Record<string, string> = { 'A2A-Version': '1.0' }): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return { status: response.status, body: await response.json() };
}

/** A v1 user message with text (and optionally metadata/skill). */
export function userMessage(text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }], ...extra };
}

/** Reads an SSE response into frames of { id, data }. */
export async function readSse(response: Response): Promise<Array<{ id: string | undefined; data: any }>> {
  const text = await response.text();
  const frames: Array<{ id: string | undefined; data: any }> = [];
  for (const block of text.split('\n\n')) {
    let id: string | undefined;
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    if (data) frames.push({ id, data: JSON.parse(data) });
  }
  return frames;
}
