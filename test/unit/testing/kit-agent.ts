import { defineAgent, type AgentDefinition } from 'agentmesh';
import { leadDatabaseOffline, untilAborted } from '../../helpers/runtime-fixture.js';

/** What the `wait` skill's handler saw when its signal aborted, by task id: the kit's tests await it. */
export const aborted = new Map<string, Promise<string>>();
/** The error code of that abort reason (an AgentmeshError's `code`), by task id. */
export const abortCodes = new Map<string, Promise<string | undefined>>();

/** A small agent whose skills exercise each feature of the test kit. */
export const kitAgent: AgentDefinition = defineAgent({
  card: { name: 'kit', description: 'Exercises agentmesh/testing' },
  defaultSkill: 'echo',
  skills: {
    echo: {
      description: 'Returns the text it got, upper-cased',
      handler: async (text: string, ctx) => {
        ctx.progress(`echoing ${text.length} characters`);
        return `${text.toUpperCase()} (caller ${ctx.caller.id || 'anonymous'}, tenant ${ctx.tenant || 'none'})`;
      },
    },
    sum: {
      description: 'Adds numbers; charges a credit per number',
      input: { type: 'object', required: ['numbers'], properties: { numbers: { type: 'array', items: { type: 'number' } } }, additionalProperties: false },
      handler: async (input: { numbers: number[] }, ctx) => {
        ctx.usage({ credits: input.numbers.length, units: { numbers: input.numbers.length } });
        ctx.usage({ credits: 0.5 });
        return { sum: input.numbers.reduce((a, b) => a + b, 0) };
      },
    },
    story: {
      description: 'Streams a story in three chunks, and a data artifact',
      handler: async (_: string, ctx) => {
        ctx.progress('writing', { words: 3 });
        const id = ctx.artifact({ name: 'story', parts: [{ text: 'once ' }] });
        ctx.artifact({ artifactId: id, append: true, parts: [{ text: 'upon ' }] });
        ctx.artifact({ artifactId: id, append: true, lastChunk: true, parts: [{ text: 'a time' }] });
        ctx.artifact({ name: 'stats', parts: [{ data: { words: 4 } }] });
      },
    },
    greet: {
      description: 'Asks for a name, then greets',
      handler: async (_: string, ctx) => {
        const answer = await ctx.requestInput('What is your name?', { field: 'name' });
        const name = answer.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
        const again = await ctx.requestInput(`And your city, ${name}?`);
        const city = again.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
        return `Hello ${name} from ${city}`;
      },
    },
    wait: {
      description: 'Works until canceled; records why it stopped',
      handler: async (_: string, ctx) => {
        ctx.progress('waiting');
        aborted.set(ctx.taskId, new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(String((ctx.signal.reason as Error)?.message ?? ctx.signal.reason)), { once: true })));
        abortCodes.set(ctx.taskId, new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve((ctx.signal.reason as { code?: string } | undefined)?.code), { once: true })));
        await untilAborted(ctx.signal);
      },
    },
    slow: {
      description: 'Outlives its 10-minute timeout',
      timeoutMs: 600_000,
      handler: async (_: string, ctx) => {
        ctx.progress('started');
        await untilAborted(ctx.signal);
      },
    },
    fail: leadDatabaseOffline('Always fails'),
  },
});
