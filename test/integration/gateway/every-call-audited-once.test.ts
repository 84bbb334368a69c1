import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { createClient, fetchToken } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh } from '../../helpers/gateway-mesh.js';

const PROTOTYPE_NAMES = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__'];

/** Strings a hostile client would try: any code unit (lone surrogates, NUL), prototype names, A2A method names. */
const hostileString = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }), fc.constantFrom(...PROTOTYPE_NAMES, 'GetTask', 'SendMessage', 'tasks/get', 'CancelTask', '\ud800', '\udfff\ud800', '\u0000'));

/** Arbitrary JSON whose keys and strings are hostile too. */
const hostileJson = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, hostileString, fc.double(), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.oneof(hostileString, fc.constantFrom(...PROTOTYPE_NAMES)), tie('value'), { maxKeys: 4 })),
})).value;

type Call = { method: 'GET' | 'POST'; path: string; body?: string };

const call: fc.Arbitrary<Call> = fc.oneof(
  // JSON-RPC with arbitrary method, id and params
  fc.record({ method: hostileString, id: fc.oneof(hostileString, fc.integer(), fc.constant(null), hostileJson), params: hostileJson }).map((r): Call => ({ method: 'POST', path: '/', body: JSON.stringify({ jsonrpc: '2.0', ...r }) })),
  // A real A2A method with hostile params
  fc.record({ method: fc.constantFrom('GetTask', 'CancelTask', 'tasks/get', 'ListTasks', 'SendMessage'), id: hostileString, params: fc.dictionary(fc.constantFrom('id', 'message', 'taskId', '__proto__', 'historyLength'), hostileJson, { maxKeys: 3 }) }).map((r): Call => ({ method: 'POST', path: '/', body: JSON.stringify({ jsonrpc: '2.0', ...r }) })),
  // Not JSON at all
  fc.string({ unit: 'binary', maxLength: 200 }).map((body): Call => ({ method: 'POST', path: '/', body })),
  // REST task ids, percent-encoded byte by byte (any bytes: NUL, invalid UTF-8, surrogates)
  fc.uint8Array({ minLength: 1, maxLength: 40 }).map((bytes): Call => ({ method: 'GET', path: `/tasks/${[...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}` })),
  fc.uint8Array({ minLength: 1, maxLength: 40 }).map((bytes): Call => ({ method: 'POST', path: `/tasks/${[...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}:cancel` })),
);

describe('every call through the gateway leaves exactly one audit entry, and the chain verifies', () => {
  let mesh: Awaited<ReturnType<typeof startGatewayMesh>>;
  let gw: typeof mesh.gw;
  let token: string;

  before(async () => {
    mesh = await startGatewayMesh({});
    ({ gw } = mesh);
    token = await fetchToken(gw.url, await createClient(gw.url, { name: 'fuzzer', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'] }));
  });
  after(async () => {
    await mesh?.close();
  });

  test('10,000 arbitrary requests: 10,000 entries, no 5xx, verify clean', async () => {
    await gw.gateway.audit.flush();
    const before = (await gw.gateway.audit.verify()).checked;
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const url = new URL(`${gw.url}/agents/tester`);
    const send = (c: Call): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = httpRequest({ agent, host: url.hostname, port: url.port, method: c.method, path: `${url.pathname}${c.path}`, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'a2a-version': '1.0' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(c.body);
      });
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(call, async (c) => {
        const status = await send(c);
        sent += 1;
        assert.ok(status > 0 && status < 500, `${c.method} ${c.path} ${String(c.body).slice(0, 120)} answered ${status}`);
      }),
      { numRuns: 10_000 },
    );
    agent.destroy();
    await gw.gateway.audit.flush();
    const result = await gw.gateway.audit.verify();
    assert.deepEqual(result.problems, []);
    assert.equal(result.ok, true);
    assert.equal(result.checked - before, sent);
    assert.equal(sent, 10_000);
  });
});
