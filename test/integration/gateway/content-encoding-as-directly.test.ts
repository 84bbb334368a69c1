/**
 * Content-Encoding through the gateway: a coded request body is
 * decoded and refused exactly as the agent's own routes do, so a client cannot
 * tell the two apart (through the gateway as directly).
 *
 * The decision this pins is in docs/conformance.md.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { startAsDirectlyPair } from '../../helpers/gateway-mesh.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

describe('Content-Encoding through the gateway, as directly', () => {
  // Direct calls carry what the gateway would send: its assertion of the same tenant and scopes.
  const pair = startedForSuite(() => startAsDirectlyPair('zipper', ['a2a:message:send', 'a2a:tasks:read']));

  const sendBody = () => JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'SendMessage', params: { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'zipped' }], metadata: { skillId: 'echo' } } } });
  /** The same request to the agent directly and through the gateway: status, JSON-RPC code or state, and Accept-Encoding of each. */
  const both = async (path: string, body: () => Uint8Array | string, encoding: string) => {
    const answer = async (base: string, authorization: string) => {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0', 'content-encoding': encoding, authorization }, body: body() });
      const json = (await res.json()) as any;
      return { status: res.status, outcome: json.error?.code ?? json.result?.task?.status?.state ?? json.task?.status?.state ?? json.error?.status, acceptEncoding: res.headers.get('accept-encoding') };
    };
    return { direct: await answer(pair().direct, `Bearer ${pair().assertion}`), through: await answer(pair().through, `Bearer ${pair().token}`) };
  };

  test('gzip and br bodies are decoded and forwarded: the task completes either way', async () => {
    for (const [encoding, encode] of [['gzip', gzipSync], ['br', brotliCompressSync]] as const) {
      const { direct: d, through: t } = await both('', () => encode(Buffer.from(sendBody())), encoding);
      assert.deepEqual(t, d, encoding);
      assert.equal(t.outcome, 'TASK_STATE_COMPLETED');
    }
    const rest = await both('/message:send', () => gzipSync(JSON.stringify({ message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'zipped' }] } })), 'gzip');
    assert.deepEqual(rest.through, rest.direct);
    assert.equal(rest.through.status, 200);
  });

  test('a plain body labelled gzip, an unknown coding and a gzip bomb are refused with the same status and code', async () => {
    const cases = [
      ['', () => sendBody(), 'gzip'],
      ['/message:send', () => '{"message":{}}', 'gzip'],
      ['', () => sendBody(), 'zstd'],
      ['/message:send', () => sendBody(), 'zstd'],
      ['', () => gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20)), 'gzip'],
    ] as const;
    for (const [path, body, encoding] of cases) {
      const { direct: d, through: t } = await both(path, body, encoding);
      assert.deepEqual(t, d, `${encoding} to ${path || '/'}`);
      assert.ok(t.status >= 400 && t.status < 500, `${encoding} to ${path || '/'}: ${t.status}`);
    }
  });
});
