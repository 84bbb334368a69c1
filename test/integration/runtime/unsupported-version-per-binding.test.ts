/**
 * An A2A version the agent does not serve, on each binding (docs/conformance.md,
 * "An unsupported version over gRPC is UNIMPLEMENTED"): JSON-RPC -32009, HTTP+JSON
 * 400 with google.rpc.Status FAILED_PRECONDITION, gRPC status UNIMPLEMENTED; the
 * A2A reason VERSION_NOT_SUPPORTED in every one.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { startRuntime } from '../../helpers/runtime-fixture.js';

/** One unary call with raw bytes and metadata; the status, and the ErrorInfo bytes of its details. */
function rawUnary(target: string, path: string, metadata: grpc.Metadata): Promise<{ code: number; details: string }> {
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), metadata, (err) => {
      client.close();
      const bin = err?.metadata?.get('grpc-status-details-bin')[0];
      resolve({ code: err?.code ?? grpc.status.OK, details: Buffer.isBuffer(bin) ? bin.toString('latin1') : '' });
    });
  });
}

describe('an unsupported A2A version, per binding', () => {
  let env: Awaited<ReturnType<typeof startRuntime>>;
  let target: string;
  before(async () => {
    env = await startRuntime(undefined, { grpcPort: 0 });
    const card = (await (await fetch(`${env.url}/.well-known/agent-card.json`, { headers: { 'A2A-Version': '1.0' } })).json()) as { supportedInterfaces: Array<{ protocolBinding: string; url: string }> };
    target = card.supportedInterfaces.find((i) => i.protocolBinding === 'GRPC')!.url;
  });
  after(async () => {
    await env.close();
  });

  test('gRPC answers UNIMPLEMENTED with the reason VERSION_NOT_SUPPORTED, on the 1.0 and the 0.3 service', async () => {
    for (const service of ['/lf.a2a.v1.A2AService/GetTask', '/a2a.v1.A2AService/GetTask']) {
      const metadata = new grpc.Metadata();
      metadata.set('a2a-version', '99.0');
      const { code, details } = await rawUnary(target, service, metadata);
      assert.equal(code, grpc.status.UNIMPLEMENTED, service);
      assert.match(details, /VERSION_NOT_SUPPORTED/, `${service}: ErrorInfo in grpc-status-details-bin`);
      assert.match(details, /a2a-protocol\.org/);
    }
  });

  test('JSON-RPC answers -32009 and HTTP+JSON 400 FAILED_PRECONDITION, as A2A §5.4 maps them', async () => {
    const rpc = await fetch(env.url, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '99.0' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 'x' } }) });
    const rpcBody = (await rpc.json()) as { error: { code: number; data: Array<{ reason?: string }> } };
    assert.equal(rpcBody.error.code, -32009);
    assert.ok(rpcBody.error.data.some((d) => d.reason === 'VERSION_NOT_SUPPORTED'));
    const rest = await fetch(`${env.url}/tasks/x`, { headers: { 'a2a-version': '99.0' } });
    assert.equal(rest.status, 400);
    const restBody = (await rest.json()) as { error: { status: string; details: Array<{ reason?: string }> } };
    assert.equal(restBody.error.status, 'FAILED_PRECONDITION');
    assert.ok(restBody.error.details.some((d) => d.reason === 'VERSION_NOT_SUPPORTED'));
  });
});
