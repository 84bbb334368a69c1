import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { classifyA2aRequest } from '../../../src/gateway/policy/a2a-operation.js';
import { createRequestValidator, type RequestValidationInput } from '../../../src/gateway/policy/request-validation.js';
import { MAX_RECURSIVE_INPUT_DEPTH, SkillSchemaCache } from '../../../src/gateway/policy/skill-schema-cache.js';
import { deeperThan } from '../../../src/protocol/index.js';
import { ErrorCodes } from '../../../src/protocol/errors.js';

const SUM = { type: 'object', required: ['numbers'], properties: { numbers: { type: 'array', items: { type: 'number' } }, label: { type: 'string', default: 'total' } } };

function record(schemas: Record<string, unknown>, ids = Object.keys(schemas), streaming = true): NonNullable<RequestValidationInput['record']> {
  return {
    card: { name: 'calc', skills: ids.map((id) => ({ id })), capabilities: { streaming } } as never,
    metadata: { skills: Object.fromEntries(Object.entries(schemas).map(([id, inputSchema]) => [id, { inputSchema: inputSchema as Record<string, unknown> }])) },
  };
}

const message = (extra: Record<string, unknown> = {}) => ({ messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'hi' }], ...extra });
const rpc = (method: string, params: unknown) => ({ jsonrpc: '2.0', id: 7, method, params });

/** Validates a JSON-RPC body as the gateway would, classification included. */
async function judgeRpc(body: unknown, rec?: RequestValidationInput['record'], version: string | null = '1.0', validator = createRequestValidator()) {
  const a2aVersion = version ?? undefined;
  const call = classifyA2aRequest('POST', '/', body, a2aVersion);
  assert.ok(call, 'an A2A operation');
  return validator.validate({ call, body, a2aVersion, record: rec });
}

describe('request validation at the door', () => {
  test('lets a typical SendMessage through (JSON-RPC and HTTP+JSON)', async () => {
    const rec = record({ sum: SUM }, ['sum', 'echo']);
    assert.equal(await judgeRpc(rpc('SendMessage', { message: message({ parts: [{ data: { numbers: [1] } }], metadata: { skillId: 'sum' } }) }), rec), undefined);
    const body = { message: message() };
    const call = classifyA2aRequest('POST', '/message:send', body, '1.0')!;
    assert.equal(await createRequestValidator().validate({ call, body, a2aVersion: '1.0', record: rec }), undefined);
  });

  test('refuses a skill input that fails the declared schema with -32602 naming the path', async () => {
    const error = await judgeRpc(rpc('SendMessage', { message: message({ parts: [{ data: { numbers: [1, 'x'] } }], metadata: { skillId: 'sum' } }) }), record({ sum: SUM }));
    assert.equal(error?.code, ErrorCodes.PROTOCOL_INVALID_PARAMS);
    assert.equal(error?.message, 'Invalid parameters: message.parts[0].data.numbers[1] must be number (skill sum)');
    assert.deepEqual(error?.violations, [{ field: 'message.parts[0].data.numbers[1]', description: 'must be number' }]);
  });

  test('refuses a params violation of the A2A schema with the runtime words', async () => {
    const error = await judgeRpc(rpc('SendMessage', { message: message({ parts: [] }) }));
    assert.equal(error?.code, ErrorCodes.PROTOCOL_INVALID_PARAMS);
    assert.equal(error?.message, 'Invalid parameters: message.parts must NOT have fewer than 1 items');
  });

  test('names only own skills: inherited names are unknown skills, never a crash', async () => {
    const rec = record({ sum: SUM }, ['sum', 'echo']);
    for (const skillId of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const error = await judgeRpc(rpc('SendMessage', { message: message({ metadata: { skillId } }) }), rec);
      assert.equal(error?.message, 'Invalid parameters: message.metadata.skillId must be one of sum, echo', skillId);
    }
    // A card skill whose id is an Object.prototype name, without metadata of its own.
    const odd = record({ sum: SUM }, ['sum', 'toString']);
    assert.equal(await judgeRpc(rpc('SendMessage', { message: message({ metadata: { skillId: 'toString' } }) }), odd), undefined);
  });

  test('judges no skill input when the record declares no input schema, or the skill cannot be told', async () => {
    assert.equal(await judgeRpc(rpc('SendMessage', { message: message({ metadata: { skillId: 'nope' } }) }), record({})), undefined);
    assert.equal(await judgeRpc(rpc('SendMessage', { message: message() }), record({ sum: SUM }, ['sum', 'echo'])), undefined);
  });

  test('refuses a message not from the user whether or not the agent declares input schemas, and judges a user message to one that does', async () => {
    for (const rec of [undefined, record({}), record({ sum: SUM })]) {
      for (const role of ['ROLE_AGENT', 'ROLE_UNSPECIFIED', 2]) {
        const error = await judgeRpc(rpc('SendMessage', { message: message({ role }) }), rec);
        assert.ok(error !== undefined, `role ${String(role)} refused`);
      }
    }
    // The same records object judged again (what is known of it per record is kept): still judged.
    const rec = record({ sum: SUM });
    for (let i = 0; i < 2; i++) {
      const error = await judgeRpc(rpc('SendMessage', { message: message({ parts: [{ data: { numbers: ['x'] } }] }) }), rec);
      assert.equal(error?.code, ErrorCodes.PROTOCOL_INVALID_PARAMS);
    }
  });

  test('leaves the message as sent when the schema fills defaults', async () => {
    const data = { numbers: [1] };
    const body = rpc('SendMessage', { message: message({ parts: [{ data }], metadata: { skillId: 'sum' } }) });
    assert.equal(await judgeRpc(body, record({ sum: SUM })), undefined);
    assert.deepEqual(data, { numbers: [1] }, 'no label default written into the caller message');
  });

  test('a schema that does not compile yields no verdict', async () => {
    for (const schema of [{ type: 'strin' }, { $ref: '#/nowhere' }, { $schema: 'https://example.com/unknown' }]) {
      assert.equal(await judgeRpc(rpc('SendMessage', { message: message({ parts: [{ data: 1 }] }) }), record({ only: schema })), undefined, JSON.stringify(schema));
    }
  });

  test(`a recursive schema judges inputs up to ${MAX_RECURSIVE_INPUT_DEPTH} levels and leaves deeper ones to the runtime`, async () => {
    const tree = { $ref: '#/definitions/node', definitions: { node: { type: 'object', properties: { child: { $ref: '#/definitions/node' }, n: { type: 'number' } } } } };
    const nest = (depth: number, leaf: unknown) => {
      let value: Record<string, unknown> = { n: leaf };
      for (let i = 1; i < depth; i++) value = { child: value };
      return value;
    };
    const rec = record({ only: tree });
    const shallow = await judgeRpc(rpc('SendMessage', { message: message({ parts: [{ data: nest(10, 'x') }] }) }), rec);
    assert.equal(shallow?.code, ErrorCodes.PROTOCOL_INVALID_PARAMS);
    assert.match(shallow!.message, /^Invalid parameters: message\.parts\[0\]\.data(\.child){9}\.n must be number \(skill only\)$/);
    assert.equal(await judgeRpc(rpc('SendMessage', { message: message({ parts: [{ data: nest(100_000, 'x') }] }) }), rec), undefined);
    // A schema with defaults validates a copy: a deep input is not copied, but left to the runtime.
    const withDefaults = record({ only: { type: 'object', properties: { child: { type: 'object' }, n: { type: 'number', default: 1 } } } });
    assert.equal(await judgeRpc(rpc('SendMessage', { message: message({ parts: [{ data: nest(100_000, 'x') }] }) }), withDefaults), undefined);
    assert.equal((await judgeRpc(rpc('SendMessage', { message: message({ parts: [{ data: { n: 'x' } }] }) }), withDefaults))?.message, 'Invalid parameters: message.parts[0].data.n must be number (skill only)');
  });

  test('never rejects, whatever the body and the record (property)', async () => {
    const validator = createRequestValidator();
    const schema = fc.oneof(fc.constant(SUM), fc.constant({ type: 'strin' }), fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('SendMessage', 'SendStreamingMessage', 'message/send', 'message/stream', 'GetTask', 'tasks/get', 'ListTasks', 'CreateTaskPushNotificationConfig'),
        fc.oneof(fc.anything(), fc.record({ message: fc.anything() }), fc.record({ message: fc.record({ messageId: fc.string(), role: fc.constantFrom('ROLE_USER', 'user', 'agent', 1), parts: fc.array(fc.anything(), { maxLength: 3 }), metadata: fc.record({ skillId: fc.oneof(fc.string(), fc.constantFrom('sum', '__proto__')) }) }) })),
        fc.option(schema, { nil: undefined }),
        fc.constantFrom('1.0', '0.3', undefined, '9'),
        async (method, params, inputSchema, a2aVersion) => {
          const body = rpc(method, params);
          const call = classifyA2aRequest('POST', '/', body, a2aVersion);
          if (!call) return;
          const rec = inputSchema === undefined ? undefined : record({ sum: inputSchema }, ['sum', 'echo']);
          const error = await validator.validate({ call, body, a2aVersion, record: rec });
          if (error !== undefined) assert.equal(typeof error.code, 'string');
        },
      ),
      { numRuns: 300, seed: 1515 },
    );
  });

  test('validateNow gives validate\'s verdict, without a promise unless the call is judged by the v0.3 SDK (property)', async () => {
    const validator = createRequestValidator();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('SendMessage', 'SendStreamingMessage', 'message/send', 'GetTask', 'tasks/get', 'ListTasks', 'Nope'),
        fc.oneof(fc.anything(), fc.record({ message: fc.record({ messageId: fc.string(), role: fc.constantFrom('ROLE_USER', 'user', 'agent', 1), parts: fc.array(fc.oneof(fc.anything(), fc.record({ data: fc.record({ numbers: fc.array(fc.oneof(fc.integer(), fc.string()), { maxLength: 2 }) }) })), { maxLength: 3 }), metadata: fc.record({ skillId: fc.constantFrom('sum', 'echo', 'x') }) }) })),
        fc.boolean(),
        fc.constantFrom('1.0', '0.3', undefined, ' 1.0 ', '9'),
        async (method, params, withSchema, a2aVersion) => {
          const body = rpc(method, params);
          const call = classifyA2aRequest('POST', '/', body, a2aVersion);
          const rec = withSchema ? record({ sum: SUM }, ['sum', 'echo']) : undefined;
          const now = validator.validateNow({ call, body, a2aVersion, record: rec });
          // A v0.3 method name (or an explicit 0.3) is judged by the SDK's v0.3 handler, which is asynchronous.
          const legacy = call.operation !== undefined && (a2aVersion === '0.3' || (a2aVersion === undefined && method.includes('/')));
          if (!legacy) assert.ok(!(now instanceof Promise), `a v1 call is judged at once (${method}, ${String(a2aVersion)})`);
          assert.deepEqual(await now, await validator.validate({ call, body, a2aVersion, record: rec }));
        },
      ),
      { numRuns: 300, seed: 2024 },
    );
  });

  test('leaves an unparsable body and the v0.3 REST binding to the runtime', async () => {
    const validator = createRequestValidator();
    const call = classifyA2aRequest('POST', '/message:send', undefined, '1.0')!;
    assert.equal(await validator.validate({ call, body: undefined, bodyUnparsable: true, a2aVersion: '1.0' }), undefined);
    const legacy = classifyA2aRequest('POST', '/v1/message:send', { message: {} }, undefined)!;
    assert.equal(await validator.validate({ call: legacy, body: { message: {} }, a2aVersion: undefined }), undefined);
  });

  test('refuses HTTP+JSON 1.0 calls sent as 0.3, as the runtime does', async () => {
    const body = { message: message() };
    const call = classifyA2aRequest('POST', '/message:send', body, undefined)!;
    const error = await createRequestValidator().validate({ call, body, a2aVersion: undefined });
    assert.equal(error?.code, ErrorCodes.PROTOCOL_VERSION_NOT_SUPPORTED);
  });

  test('answers a v0.3 request with the SDK words', async () => {
    const error = await judgeRpc(rpc('message/send', { message: { kind: 'message', messageId: 'm', role: 'user', parts: [{ kind: 'image' }] } }), undefined, null);
    assert.equal(error?.code, ErrorCodes.PROTOCOL_INVALID_PARAMS);
    assert.equal(error?.message, 'Invalid v0.3 part kind: image');
  });
});

describe('skill schema cache', () => {
  test('compiles a schema once, found again by object and by text', () => {
    const cache = new SkillSchemaCache();
    const first = cache.get({ ...SUM });
    assert.ok(first);
    assert.equal(cache.get({ ...SUM }), first, 'an equal schema object reuses the compiled validator');
    assert.equal(cache.get({ type: 'strin' }), undefined);
  });

  test('keeps at most maxSchemas by text', () => {
    const cache = new SkillSchemaCache({ maxSchemas: 2 });
    const a = cache.get({ type: 'string', maxLength: 1 });
    cache.get({ type: 'string', maxLength: 2 });
    cache.get({ type: 'string', maxLength: 3 });
    assert.notEqual(cache.get({ type: 'string', maxLength: 1 }), a, 'the oldest text was evicted and compiled again');
  });

  test('deeperThan is iterative and exact at the limit', () => {
    let value: unknown = 1;
    for (let i = 0; i < 200_000; i++) value = [value];
    assert.equal(deeperThan(value, 64), true);
    let exact: unknown = 1;
    for (let i = 0; i < 64; i++) exact = { a: exact };
    assert.equal(deeperThan(exact, 64), false);
    assert.equal(deeperThan({ a: exact }, 64), true);
  });
});
