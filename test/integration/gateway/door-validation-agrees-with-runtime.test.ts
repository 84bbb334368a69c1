import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AgentCard } from '@a2a-js/sdk';
import { classifyA2aRequest } from '../../../src/gateway/index.js';
import { createRequestValidator, type RequestValidationInput } from '../../../src/gateway/policy/request-validation.js';
import { WIRE, type AgentmeshError } from '../../../src/protocol/index.js';
import { defineAgent } from '../../../src/runtime/index.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';

/*
 * The gateway refuses at the door exactly what the runtime
 * would refuse, with the same code and words. Every case here goes to a real
 * runtime and to the validator; the two verdicts must agree.
 */

const SUM_INPUT = {
  type: 'object',
  required: ['numbers'],
  properties: { numbers: { type: 'array', items: { type: 'number' }, maxItems: 5 }, label: { type: 'string', default: 'total' } },
};

const calc = defineAgent({
  card: { name: 'calc', description: 'Adds numbers, echoes text' },
  defaultSkill: 'echo',
  skills: {
    sum: { description: 'Adds numbers', input: SUM_INPUT, handler: async (input: { numbers: number[] }) => ({ sum: input.numbers.reduce((a, b) => a + b, 0) }) },
    echo: { description: 'Echoes text', handler: async (text: string) => text },
  },
});

const noStream = defineAgent({
  card: { name: 'nostream', description: 'Answers without streaming', capabilities: { streaming: false } as AgentCard['capabilities'] },
  skills: { only: { description: 'Echoes', input: { type: 'string', maxLength: 5 }, handler: async (text: string) => text } },
});

/** Verdict codes: an answer about the request itself, given before any work. */
const VERDICT_CODES = new Set([-32600, -32601, -32602, -32004, -32009]);

interface Case {
  name: string;
  agent?: string;
  path?: string;
  headers?: Record<string, string>;
  body: unknown;
}

const v1 = (method: string, params: unknown, id: unknown = 1) => ({ jsonrpc: '2.0', id, method, params });
const msg = (extra: Record<string, unknown> = {}) => ({ messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'hi' }], ...extra });
const sumMsg = (data: unknown, extra: Record<string, unknown> = {}) => msg({ parts: [{ data }], metadata: { skillId: 'sum' }, ...extra });
const legacyMsg = (extra: Record<string, unknown> = {}) => ({ kind: 'message', messageId: crypto.randomUUID(), role: 'user', parts: [{ kind: 'text', text: 'hi' }], ...extra });
const V1_HEADERS = { 'A2A-Version': '1.0' };

const CASES: Case[] = [
  // JSON-RPC 1.0
  { name: 'a valid skill input', headers: V1_HEADERS, body: v1('SendMessage', { message: sumMsg({ numbers: [1, 2] }) }) },
  { name: 'a skill input of the wrong type', headers: V1_HEADERS, body: v1('SendMessage', { message: sumMsg({ numbers: 'x' }) }) },
  { name: 'a skill input missing a required field', headers: V1_HEADERS, body: v1('SendMessage', { message: sumMsg({}) }) },
  { name: 'a nested skill input violation', headers: V1_HEADERS, body: v1('SendMessage', { message: sumMsg({ numbers: [1, 'two'] }) }) },
  { name: 'too many items', headers: V1_HEADERS, body: v1('SendMessage', { message: sumMsg({ numbers: [1, 2, 3, 4, 5, 6] }) }) },
  { name: 'a text message to a skill that wants an object', headers: V1_HEADERS, body: v1('SendMessage', { message: msg({ metadata: { skillId: 'sum' } }) }) },
  { name: 'a data part after a text part', headers: V1_HEADERS, body: v1('SendMessage', { message: msg({ parts: [{ text: 'a' }, { data: { numbers: [true] } }], metadata: { skillId: 'sum' } }) }) },
  { name: 'an unknown skill', headers: V1_HEADERS, body: v1('SendMessage', { message: msg({ metadata: { skillId: 'nope' } }) }) },
  { name: 'a skill id that is no string', headers: V1_HEADERS, body: v1('SendMessage', { message: msg({ metadata: { skillId: 42 } }) }) },
  { name: 'a skill id that is an inherited name', headers: V1_HEADERS, body: v1('SendMessage', { message: msg({ metadata: { skillId: 'constructor' } }) }) },
  { name: 'a text message to the default skill', headers: V1_HEADERS, body: v1('SendMessage', { message: msg() }) },
  { name: 'role "user" (the v0.3 spelling)', headers: V1_HEADERS, body: v1('SendMessage', { message: msg({ role: 'user' }) }) },
  { name: 'role ROLE_AGENT', headers: V1_HEADERS, body: v1('SendMessage', { message: msg({ role: 'ROLE_AGENT' }) }) },
  { name: 'a role outside the enum', headers: V1_HEADERS, body: v1('SendMessage', { message: msg({ role: 'ROLE_BOSS' }) }) },
  { name: 'no parts', headers: V1_HEADERS, body: v1('SendMessage', { message: msg({ parts: [] }) }) },
  { name: 'a part with text and data', headers: V1_HEADERS, body: v1('SendMessage', { message: msg({ parts: [{ text: 'a', data: {} }] }) }) },
  { name: 'an empty messageId', headers: V1_HEADERS, body: v1('SendMessage', { message: msg({ messageId: '' }) }) },
  { name: 'no message', headers: V1_HEADERS, body: v1('SendMessage', {}) },
  { name: 'a negative historyLength', headers: V1_HEADERS, body: v1('SendMessage', { message: msg(), configuration: { historyLength: -1 } }) },
  { name: 'an answer to a task (taskId) with a bad skill input', headers: V1_HEADERS, body: v1('SendMessage', { message: sumMsg({ numbers: 'x' }, { taskId: 'no-such-task' }) }) },
  { name: 'a stream with a bad skill input', headers: V1_HEADERS, body: v1('SendStreamingMessage', { message: sumMsg({ numbers: 'x' }) }) },
  { name: 'a stream to an agent without streaming', agent: 'nostream', headers: V1_HEADERS, body: v1('SendStreamingMessage', { message: msg() }) },
  { name: 'a send to the only skill with a bad input', agent: 'nostream', headers: V1_HEADERS, body: v1('SendMessage', { message: msg({ parts: [{ text: 'too long' }] }) }) },
  { name: 'params that are an array', headers: V1_HEADERS, body: v1('GetTask', ['x']) },
  { name: 'jsonrpc 1.0', headers: V1_HEADERS, body: { jsonrpc: '1.0', id: 1, method: 'GetTask', params: { id: 'x' } } },
  { name: 'an object id', headers: V1_HEADERS, body: v1('GetTask', { id: 'x' }, { a: 1 }) },
  { name: 'an empty task id', headers: V1_HEADERS, body: v1('GetTask', { id: '' }) },
  { name: 'a valid GetTask of an unknown task', headers: V1_HEADERS, body: v1('GetTask', { id: 'no-such-task' }) },
  { name: 'a bad ListTasks status', headers: V1_HEADERS, body: v1('ListTasks', { status: 'DONE' }) },
  { name: 'a bad timestamp', headers: V1_HEADERS, body: v1('ListTasks', { statusTimestampAfter: 'yesterday' }) },
  { name: 'an unsupported A2A-Version', headers: { 'A2A-Version': '2.0' }, body: v1('GetTask', { id: 'x' }) },
  { name: 'a v1 method without a version header', body: v1('SendMessage', { message: sumMsg({ numbers: 'x' }) }) },
  { name: 'a v1 method named with version 0.3', headers: { 'A2A-Version': '0.3' }, body: v1('SendMessage', { message: msg() }) },
  // JSON-RPC 0.3
  { name: 'v0.3: a valid message', body: v1('message/send', { message: legacyMsg() }) },
  { name: 'v0.3: a valid skill input', body: v1('message/send', { message: legacyMsg({ parts: [{ kind: 'data', data: { numbers: [1] } }], metadata: { skillId: 'sum' } }) }) },
  { name: 'v0.3: a bad skill input', body: v1('message/send', { message: legacyMsg({ parts: [{ kind: 'data', data: { numbers: 'x' } }], metadata: { skillId: 'sum' } }) }) },
  { name: 'v0.3: an unknown skill', body: v1('message/send', { message: legacyMsg({ metadata: { skillId: 'nope' } }) }) },
  { name: 'v0.3: no messageId', body: v1('message/send', { message: legacyMsg({ messageId: undefined }) }) },
  { name: 'v0.3: a v1 role name', body: v1('message/send', { message: legacyMsg({ role: 'ROLE_USER' }) }) },
  { name: 'v0.3: the agent role', body: v1('message/send', { message: legacyMsg({ role: 'agent' }) }) },
  { name: 'v0.3: no parts', body: v1('message/send', { message: legacyMsg({ parts: [] }) }) },
  { name: 'v0.3: an unknown part kind', body: v1('message/send', { message: legacyMsg({ parts: [{ kind: 'image' }] }) }) },
  { name: 'v0.3: a part that is no object', body: v1('message/send', { message: legacyMsg({ parts: ['hi'] }) }) },
  { name: 'v0.3: an empty params key', body: v1('message/send', { '': 1, message: legacyMsg() }) },
  { name: 'v0.3: a fractional id', body: v1('message/send', { message: legacyMsg() }, 1.5) },
  { name: 'v0.3: a stream with a bad skill input', body: v1('message/stream', { message: legacyMsg({ parts: [{ kind: 'data', data: {} }], metadata: { skillId: 'sum' } }) }) },
  { name: 'v0.3: a stream to an agent without streaming', agent: 'nostream', body: v1('message/stream', { message: legacyMsg() }) },
  { name: 'v0.3: tasks/get of an unknown task', body: v1('tasks/get', { id: 'no-such-task' }) },
  // HTTP+JSON 1.0
  { name: 'REST: a valid message', path: '/message:send', headers: V1_HEADERS, body: { message: sumMsg({ numbers: [3] }) } },
  { name: 'REST: a bad skill input', path: '/message:send', headers: V1_HEADERS, body: { message: sumMsg({ numbers: 'x' }) } },
  { name: 'REST: a bad part', path: '/message:send', headers: V1_HEADERS, body: { message: msg({ parts: [{}] }) } },
  { name: 'REST: no A2A-Version', path: '/message:send', body: { message: msg() } },
  { name: 'REST: a stream with a bad skill input', path: '/message:stream', headers: V1_HEADERS, body: { message: sumMsg({}) } },
];

interface RuntimeAnswer {
  /** The JSON-RPC error code (JSON-RPC) or HTTP status (REST) of a refusal; undefined for a success. */
  code: number | undefined;
  message: string | undefined;
}

describe('request validation at the door agrees with the runtime', () => {
  let env: Awaited<ReturnType<typeof startRuntime>>;
  const records = new Map<string, NonNullable<RequestValidationInput['record']>>();
  const validator = createRequestValidator();

  before(async () => {
    env = await startRuntime([calc, noStream]);
    for (const [name, schema] of [['calc', SUM_INPUT], ['nostream', { type: 'string', maxLength: 5 }]] as const) {
      const card = (await (await fetch(`${env.agents[name]}/.well-known/agent-card.json`, { headers: V1_HEADERS })).json()) as AgentCard;
      const skill = name === 'calc' ? 'sum' : 'only';
      records.set(name, { card, metadata: { skills: { [skill]: { inputSchema: schema as Record<string, unknown> } } } });
    }
  });
  after(async () => env.close());

  async function runtimeAnswer(c: Case): Promise<RuntimeAnswer> {
    const rest = c.path !== undefined;
    const response = await fetch(`${env.agents[c.agent ?? 'calc']}${c.path ?? '/'}`, { method: 'POST', headers: { 'content-type': 'application/json', ...c.headers }, body: JSON.stringify(c.body) });
    const text = await response.text();
    if (response.headers.get('content-type')?.includes('text/event-stream')) return { code: undefined, message: undefined };
    const body = JSON.parse(text) as { error?: { code: number; message: string } };
    if (rest) return response.status >= 400 ? { code: response.status, message: body.error?.message } : { code: undefined, message: undefined };
    return body.error ? { code: body.error.code, message: body.error.message } : { code: undefined, message: undefined };
  }

  async function verdict(c: Case): Promise<AgentmeshError | undefined | 'unclassified'> {
    const a2aVersion = c.headers?.['A2A-Version'];
    const call = classifyA2aRequest('POST', c.path ?? '/', c.body, a2aVersion);
    if (!call) return 'unclassified';
    return validator.validate({ call, body: c.body, a2aVersion, record: records.get(c.agent ?? 'calc') });
  }

  function assertAgreement(c: Case, answer: RuntimeAnswer, error: AgentmeshError | undefined): void {
    const rest = c.path !== undefined;
    if (error) {
      assert.equal(answer.code, rest ? WIRE[error.code].http : WIRE[error.code].jsonRpc, `${c.name}: the runtime answered ${JSON.stringify(answer)}, the gateway ${error.code} ${error.message}`);
      assert.equal(answer.message, error.message, `${c.name}: same words`);
    } else {
      const refusal = answer.code !== undefined && (rest ? answer.code === 400 : VERDICT_CODES.has(answer.code));
      assert.ok(!refusal, `${c.name}: the runtime refused ${JSON.stringify(answer)} but the gateway let it through`);
    }
  }

  for (const c of CASES) {
    test(c.name, async () => {
      const error = await verdict(c);
      assert.notEqual(error, 'unclassified', `${c.name} is an A2A operation`);
      assertAgreement(c, await runtimeAnswer(c), error as AgentmeshError | undefined);
    });
  }

  test('the door refuses what the runtime refuses, for generated skill inputs, skill ids and roles (property)', async () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.record({ numbers: fc.array(fc.oneof(fc.integer(), json), { maxLength: 7 }) }), fc.record({ numbers: json }), json),
        fc.constantFrom('sum', 'echo', 'nope', undefined),
        fc.constantFrom('ROLE_USER', 'ROLE_USER', 'user', 'ROLE_AGENT', 1, 2),
        fc.boolean(),
        async (data, skillId, role, textFirst) => {
          const parts = textFirst ? [{ text: 'x' }, { data }] : [{ data }];
          const c: Case = { name: 'generated', headers: V1_HEADERS, body: v1('SendMessage', { message: msg({ role, parts, ...(skillId !== undefined && { metadata: { skillId } }) }) }) };
          const error = await verdict(c);
          assertAgreement(c, await runtimeAnswer(c), error as AgentmeshError | undefined);
        },
      ),
      { numRuns: 60, seed: 15 },
    );
  });

  test('the door agrees with the runtime on generated v0.3 messages (property)', async () => {
    const part = fc.oneof(
      fc.record({ kind: fc.constant('text'), text: fc.string({ maxLength: 8 }) }),
      fc.record({ kind: fc.constant('data'), data: fc.oneof(fc.record({ numbers: fc.array(fc.oneof(fc.integer(), fc.string()), { maxLength: 3 }) }), fc.jsonValue({ maxDepth: 2 })) }),
      fc.record({ kind: fc.constant('file'), file: fc.oneof(fc.record({ uri: fc.constant('https://example.com/f') }), fc.constant({})) }),
      fc.constantFrom({ kind: 'image' }, 'text', null, {}),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(part, { maxLength: 3 }),
        fc.constantFrom('user', 'agent', 'ROLE_USER', undefined),
        fc.constantFrom('sum', 'echo', 'nope', 7, undefined),
        fc.constantFrom('message/send', 'message/stream'),
        fc.boolean(),
        async (parts, role, skillId, method, withId) => {
          const message = { kind: 'message', role, parts, ...(withId && { messageId: crypto.randomUUID() }), ...(skillId !== undefined && { metadata: { skillId } }) };
          const c: Case = { name: 'generated v0.3', body: v1(method, { message }) };
          const error = await verdict(c);
          if (error === 'unclassified') return;
          assertAgreement(c, await runtimeAnswer(c), error);
        },
      ),
      { numRuns: 60, seed: 3 },
    );
  });
});
